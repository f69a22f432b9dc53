from django.contrib import admin

from . import services
from .models import Dinner, DinnerGroup, DinnerQuestion, DinnerSeason, SignUp


@admin.register(DinnerQuestion)
class DinnerQuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "topic", "is_active"]
    list_filter = ["topic", "is_active"]
    search_fields = ["text"]

    def save_model(self, request, obj, form, change):
        # Audited like the question pages.
        services.save_question(question=obj, by=request.user)


@admin.register(DinnerSeason)
class DinnerSeasonAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "status"]
    filter_horizontal = ["regions"]


@admin.register(SignUp)
class SignUpAdmin(admin.ModelAdmin):
    list_display = ["clinician", "season", "status"]
    list_select_related = ["clinician", "season"]
    raw_id_fields = ["clinician", "not_with"]

    def get_exclude(self, request, obj=None):
        # The "not with" wishes are private to admins (dinners.view_private_wishes).
        private = request.user.has_perm("dinners.view_private_wishes")
        return ["reach"] if private else ["reach", "not_with"]


@admin.register(DinnerGroup)
class DinnerGroupAdmin(admin.ModelAdmin):
    list_display = ["season", "number", "weekday", "host"]
    list_select_related = ["season", "host"]
    raw_id_fields = ["host", "members"]


@admin.register(Dinner)
class DinnerAdmin(admin.ModelAdmin):
    list_display = ["group", "date", "receipt_amount", "paid_at"]
    list_select_related = ["group"]
