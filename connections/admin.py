from django.contrib import admin

from .models import Meeting


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    """The ledger, to read: the apps that hold the gatherings write it."""

    list_display = ["date", "kind", "gathering", "round", "clinician_a", "clinician_b", "first"]
    list_filter = ["kind", "first"]
    list_select_related = ["clinician_a", "clinician_b"]
    date_hierarchy = "date"
    raw_id_fields = ["clinician_a", "clinician_b"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
