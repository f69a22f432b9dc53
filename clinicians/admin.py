"""The admin of the catalogue. Its writes go through the same services as the app's pages
(``clinicians.services``): saves and deletes are recorded in the audit log in words, an edit
a published upcoming event depends on is a form error (recorded too), and a delete that other
rows block is recorded when attempted."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.forms.models import construct_instance

from . import services
from .models import Clinician, Department, Region, Site, Specialty


class CatalogueForm(forms.ModelForm):
    """An admin form that refuses, with the objections, an edit that a published upcoming
    event depends on (``services.check_catalogue_change``). ``actor`` is set per request."""

    actor = None

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.changed_data and not self.errors:
            edited = type(self.instance)._default_manager.get(pk=self.instance.pk)
            construct_instance(self, edited, self._meta.fields, self._meta.exclude)
            sites = cleaned.get("sites") if "sites" in self.changed_data else None
            services.check_catalogue_change(entry=edited, by=self.actor, sites=sites)
        return cleaned


def _save_formset_entries(request, formset) -> None:
    """An inline formset of catalogue entries saved and deleted through the services."""
    instances = formset.save(commit=False)
    for entry in formset.deleted_objects:
        services.delete_catalogue_entry(entry=entry, by=request.user)
    for entry in instances:
        services.save_catalogue_entry(entry=entry, by=request.user)
    formset.save_m2m()


class CatalogueAdmin(admin.ModelAdmin):
    """A model admin whose saves and deletes go through ``clinicians.services``."""

    form = CatalogueForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # a new class each request
        return form

    def save_model(self, request, obj, form, change):
        sites = form.cleaned_data.get("sites") if "sites" in form.fields else None
        services.save_catalogue_entry(entry=obj, by=request.user, sites=sites)

    def save_formset(self, request, form, formset, change):
        if formset.model in services.CATALOGUE_ACTIONS:
            _save_formset_entries(request, formset)
        else:
            super().save_formset(request, form, formset, change)

    def delete_model(self, request, obj):
        services.delete_catalogue_entry(entry=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for entry in queryset:
            services.delete_catalogue_entry(entry=entry, by=request.user)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected and request.method == "POST":
            for entry in objs:
                services.record_refused_delete(entry=entry, by=request.user)
        return deleted, counts, perms_needed, protected


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0


@admin.register(Region)
class RegionAdmin(CatalogueAdmin):
    list_display = ["name", "site_count"]
    search_fields = ["name"]
    inlines = [SiteInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(site_count=Count("sites"))

    @admin.display(ordering="site_count", description="sites")
    def site_count(self, obj):
        return obj.site_count


@admin.register(Site)
class SiteAdmin(CatalogueAdmin):
    list_display = ["name", "region"]
    list_filter = ["region"]
    search_fields = ["name", "region__name"]
    list_select_related = ["region"]


@admin.register(Specialty)
class SpecialtyAdmin(CatalogueAdmin):
    list_display = ["name", "track", "specialist_count", "is_active"]
    list_filter = ["track", "is_active"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(specialist_count=Count("clinicians"))

    @admin.display(ordering="specialist_count", description="specialists")
    def specialist_count(self, obj):
        return obj.specialist_count


@admin.register(Department)
class DepartmentAdmin(CatalogueAdmin):
    list_display = ["name", "site", "track"]
    list_filter = ["track", "name", "site__region"]
    search_fields = ["name", "site__name"]
    list_select_related = ["site"]


@admin.register(Clinician)
class ClinicianAdmin(CatalogueAdmin):
    list_display = [
        "last_name",
        "first_name",
        "credentials",
        "role",
        "specialty",
        "department",
        "email",
        "is_active",
    ]
    list_filter = ["role", "is_active", "specialty__track", "specialty", "sites__region"]
    search_fields = ["first_name", "last_name", "email", "specialty__name", "department__name"]
    list_select_related = ["specialty", "department__site"]
    autocomplete_fields = ["specialty", "department"]
    filter_horizontal = ["sites"]
    readonly_fields = ["created_at", "updated_at"]
