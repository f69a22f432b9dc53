from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    # Clinicians: the survey behind the personal itinerary link, no login.
    path("i/<str:token>/survey/", views.SurveyView.as_view(), name="survey"),
    path("i/<str:token>/survey/delete/", views.SurveyDeleteView.as_view(), name="survey_delete"),
    # Organizers and admins.
    path("outcomes/", views.OutcomesView.as_view(), name="page"),
    path("outcomes/report.pdf", views.OutcomesPdfView.as_view(), name="pdf"),
    path("outcomes/data/<slug:chart>.csv", views.OutcomesCsvView.as_view(), name="csv"),
    path(
        "outcomes/events/<int:event_pk>/survey/",
        views.SurveySettingsView.as_view(),
        name="survey_settings",
    ),
    path("outcomes/events/<int:event_pk>/remind/", views.RemindView.as_view(), name="remind"),
]
