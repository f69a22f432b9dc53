from django.contrib import admin

from .models import Schedule, SolveRun, Visit


@admin.register(SolveRun)
class SolveRunAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "event",
        "status",
        "progress",
        "visits",
        "visits_upper_bound",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["event__name"]
    list_select_related = ["event"]
    readonly_fields = [field.name for field in SolveRun._meta.fields]


def _was_published(schedule: Schedule | None) -> bool:
    return schedule is not None and (schedule.is_published or schedule.published_at is not None)


class VisitInline(admin.TabularInline):
    """A version's visits; read-only once the version was published (it never changes)."""

    model = Visit
    extra = 0
    fields = ["round", "table", "group", "pinned"]
    raw_id_fields = ["table", "group"]

    def has_add_permission(self, request, obj=None):
        return not _was_published(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _was_published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _was_published(obj) and super().has_delete_permission(request, obj)


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    """Versions. Publishing goes through the organizer's pages (one service, audited), so the
    publishing fields are read-only here, and a version that was published is never edited
    or deleted."""

    list_display = ["event", "version", "is_published", "published_at", "created_at"]
    list_filter = ["is_published"]
    search_fields = ["event__name"]
    list_select_related = ["event"]
    inlines = [VisitInline]
    readonly_fields = ["is_published", "published_at", "published_by"]

    def get_readonly_fields(self, request, obj=None):
        if _was_published(obj):
            return [field.name for field in Schedule._meta.fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return not _was_published(obj) and super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        published = [
            f"Version {s.version} of {s.event.name} was published: clinicians hold "
            "itineraries with it, so it is kept."
            for s in objs
            if _was_published(s)
        ]
        return deleted, counts, perms_needed, [*published, *protected]
