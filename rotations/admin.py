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


class VisitInline(admin.TabularInline):
    model = Visit
    extra = 0
    fields = ["round", "table", "group", "pinned"]
    raw_id_fields = ["table", "group"]


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ["event", "version", "is_published", "published_at", "created_at"]
    list_filter = ["is_published"]
    search_fields = ["event__name"]
    list_select_related = ["event"]
    inlines = [VisitInline]
