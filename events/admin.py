"""The admin of events. What a published schedule depends on is guarded here by the same
rules as the organizer's pages (``events.rules``): edits of guarded fields are form errors,
deletes show Django's "cannot delete" page with the reason, and both are audited."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet

from accounts.services import display_name, record_audit

from . import rules, services
from .models import Anchor, Attendance, Event, GroupMember, Table, TravelGroup


def _stored(instance):
    return type(instance)._default_manager.get(pk=instance.pk)


def _audit_refused(request, obj, error: ValidationError, attempt: str) -> None:
    record_audit(
        actor=request.user,
        action=services.CHANGE_REFUSED,
        target=rules.describe(obj)[:200],
        message=(
            f"{display_name(request.user)} tried to {attempt} {rules.describe(obj)} in the "
            f"admin; refused: {' '.join(error.messages)}"
        ),
        details={"model": obj._meta.label, "pk": obj.pk},
    )


class GuardedForm(forms.ModelForm):
    """An admin form that refuses changing what a published schedule depends on."""

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.changed_data:
            rules.check_change(obj=_stored(self.instance), changed=self.changed_data)
        return cleaned


class GuardedFormSet(BaseInlineFormSet):
    """An inline formset that refuses deleting rows a published schedule depends on."""

    def clean(self):
        super().clean()
        errors = []
        for form in self.deleted_forms:
            if form.instance.pk:
                try:
                    rules.check_delete(obj=_stored(form.instance))
                except ValidationError as error:
                    errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)


class GuardedAdmin(admin.ModelAdmin):
    """A model admin whose deletes and edits follow ``events.rules``."""

    form = GuardedForm

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        protected = list(protected)
        for obj in objs:
            try:
                rules.check_delete(obj=obj)
            except ValidationError as error:
                protected.insert(0, " ".join(error.messages))
                # The reason, not "no permission to delete schedules", is what the page says.
                perms_needed = set()
                if request.method == "POST":
                    _audit_refused(request, obj, error, "delete")
        return deleted, counts, perms_needed, protected

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and form.changed_data and rules.is_locked(rules.event_of(obj)):
            record_audit(
                actor=request.user,
                action=services.EVENT_CHANGED,
                target=rules.describe(obj)[:200],
                message=(
                    f"{display_name(request.user)} changed the "
                    + " and ".join(f.replace("_", " ") for f in form.changed_data)
                    + f" of {rules.describe(obj)} in the admin after publishing."
                ),
                details={"model": obj._meta.label, "pk": obj.pk, "fields": form.changed_data},
            )


class TableInline(admin.TabularInline):
    model = Table
    form = GuardedForm
    formset = GuardedFormSet
    extra = 0
    autocomplete_fields = ["specialty"]
    show_change_link = True


class AnchorInline(admin.TabularInline):
    model = Anchor
    form = GuardedForm
    formset = GuardedFormSet
    extra = 0
    autocomplete_fields = ["clinician", "table"]
    fields = ["table", "clinician", "absent_rounds"]


@admin.register(Event)
class EventAdmin(GuardedAdmin):
    list_display = ["name", "date", "venue", "region", "status", "rounds", "table_count"]
    list_filter = ["status", "region", "date"]
    search_fields = ["name", "venue"]
    date_hierarchy = "date"
    inlines = [TableInline, AnchorInline]
    readonly_fields = ["created_by", "created_at", "updated_at"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("region")
            .annotate(table_count=Count("tables", distinct=True))
        )

    @admin.display(ordering="table_count", description="tables")
    def table_count(self, obj):
        return obj.table_count

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Table)
class TableAdmin(GuardedAdmin):
    list_display = ["number", "specialty", "event", "capacity", "location"]
    list_filter = ["event", "specialty__track"]
    search_fields = ["specialty__name", "event__name", "location"]
    list_select_related = ["specialty", "event"]
    autocomplete_fields = ["specialty"]
    inlines = [AnchorInline]

    def delete_model(self, request, obj):
        # The service clears unpublished versions' visits and records the delete.
        services.delete_table(table=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for table in queryset.select_related("event", "specialty"):
            services.delete_table(table=table, by=request.user)


class GroupMemberInline(admin.TabularInline):
    model = GroupMember
    form = GuardedForm
    formset = GuardedFormSet
    extra = 0
    autocomplete_fields = ["clinician"]
    fields = ["clinician"]


@admin.register(TravelGroup)
class TravelGroupAdmin(GuardedAdmin):
    list_display = ["name", "event", "track", "department", "member_count"]
    list_filter = ["event", "track"]
    search_fields = ["name", "department__name"]
    list_select_related = ["event", "department__site"]
    inlines = [GroupMemberInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(ordering="member_count", description="members")
    def member_count(self, obj):
        return obj.member_count

    def delete_model(self, request, obj):
        # The service clears unpublished versions' visits and records the delete.
        services.delete_group(group=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for group in queryset.select_related("event"):
            services.delete_group(group=group, by=request.user)


@admin.register(Attendance)
class AttendanceAdmin(GuardedAdmin):
    list_display = ["clinician", "event", "status", "checked_in_at"]
    list_filter = ["event", "status", "clinician__role"]
    search_fields = ["clinician__first_name", "clinician__last_name", "clinician__email"]
    list_select_related = ["clinician", "event"]
    autocomplete_fields = ["clinician"]
