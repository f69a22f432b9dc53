from django.contrib import admin
from django.db.models import Count

from .models import Anchor, Attendance, Event, GroupMember, Table, TravelGroup


class TableInline(admin.TabularInline):
    model = Table
    extra = 0
    autocomplete_fields = ["specialty"]
    show_change_link = True


class AnchorInline(admin.TabularInline):
    model = Anchor
    extra = 0
    autocomplete_fields = ["clinician", "table"]
    fields = ["table", "clinician", "absent_rounds"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
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
class TableAdmin(admin.ModelAdmin):
    list_display = ["number", "specialty", "event", "capacity", "location"]
    list_filter = ["event", "specialty__track"]
    search_fields = ["specialty__name", "event__name", "location"]
    list_select_related = ["specialty", "event"]
    autocomplete_fields = ["specialty"]
    inlines = [AnchorInline]


class GroupMemberInline(admin.TabularInline):
    model = GroupMember
    extra = 0
    autocomplete_fields = ["clinician"]
    fields = ["clinician"]


@admin.register(TravelGroup)
class TravelGroupAdmin(admin.ModelAdmin):
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


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["clinician", "event", "status", "checked_in_at"]
    list_filter = ["event", "status", "clinician__role"]
    search_fields = ["clinician__first_name", "clinician__last_name", "clinician__email"]
    list_select_related = ["clinician", "event"]
    autocomplete_fields = ["clinician"]
