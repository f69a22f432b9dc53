from django.contrib import admin

from .models import SurveyAnswer


@admin.register(SurveyAnswer)
class SurveyAnswerAdmin(admin.ModelAdmin):
    list_display = ("attendance", "recommend", "updated_at")
    list_select_related = ("attendance__event", "attendance__clinician")
    readonly_fields = ("attendance", "recommend", "contacts", "useful_tables", "comment")
    search_fields = ("attendance__event__name",)

    def has_add_permission(self, request):
        # Answers come from the clinician's own link only.
        return False
