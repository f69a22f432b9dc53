from django.contrib import admin

from .models import Evening, Invitation, PlannedPlace, Series, SeriesPlan


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on"]
    search_fields = ["name"]
    filter_horizontal = ["regions"]


@admin.register(Evening)
class EveningAdmin(admin.ModelAdmin):
    list_display = ["event", "series", "reply_by", "cap"]
    list_select_related = ["event", "series"]
    raw_id_fields = ["event", "template"]
    filter_horizontal = ["sites"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read only: invitations change through the organizer's pages and the reply link, which
    keep the event's attendance in step."""

    list_display = ["clinician", "evening", "status", "replied_at", "reminders_sent"]
    list_filter = ["status"]
    list_select_related = ["clinician", "evening__event"]
    search_fields = ["clinician__last_name", "clinician__email"]
    exclude = ["token"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PlannedPlaceInline(admin.TabularInline):
    model = PlannedPlace
    raw_id_fields = ["evening", "clinician", "department"]
    extra = 0


@admin.register(SeriesPlan)
class SeriesPlanAdmin(admin.ModelAdmin):
    list_display = ["series", "created_at"]
    inlines = [PlannedPlaceInline]
