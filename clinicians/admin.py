from django.contrib import admin
from django.db.models import Count

from .models import Clinician, Department, Region, Site, Specialty


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "site_count"]
    search_fields = ["name"]
    inlines = [SiteInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(site_count=Count("sites"))

    @admin.display(ordering="site_count", description="sites")
    def site_count(self, obj):
        return obj.site_count


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "region"]
    list_filter = ["region"]
    search_fields = ["name", "region__name"]
    list_select_related = ["region"]


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ["name", "track", "specialist_count"]
    list_filter = ["track"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(specialist_count=Count("clinicians"))

    @admin.display(ordering="specialist_count", description="specialists")
    def specialist_count(self, obj):
        return obj.specialist_count


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "track"]
    list_filter = ["track", "name", "site__region"]
    search_fields = ["name", "site__name"]
    list_select_related = ["site"]


@admin.register(Clinician)
class ClinicianAdmin(admin.ModelAdmin):
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
