from django.urls import path

from . import views

app_name = "itineraries"

urlpatterns = [
    # Clinicians: personal links, no login.
    path("i/table/<str:token>/", views.TableDetailView.as_view(), name="table"),
    path("i/<str:token>/", views.ItineraryDetailView.as_view(), name="detail"),
    path("i/<str:token>/print/", views.ItineraryPrintView.as_view(), name="print"),
    path("i/<str:token>/calendar.ics", views.ItineraryCalendarView.as_view(), name="calendar"),
    # Organizers.
    path(
        "events/<int:event_pk>/itineraries/",
        views.AttendeeLinkListView.as_view(),
        name="list",
    ),
    path(
        "events/<int:event_pk>/itineraries/export/",
        views.AttendeeExportView.as_view(),
        name="export",
    ),
    path(
        "events/<int:event_pk>/itineraries/<int:pk>/reissue/",
        views.ReissueLinkView.as_view(),
        name="reissue",
    ),
    path("events/<int:event_pk>/itineraries/send/", views.SendLinksView.as_view(), name="send"),
    path(
        "events/<int:event_pk>/itineraries/send/preview/",
        views.SendLinksPreviewView.as_view(),
        name="send-preview",
    ),
    path(
        "events/<int:event_pk>/itineraries/print/",
        views.ItinerariesPdfView.as_view(),
        name="print-all",
    ),
    path(
        "events/<int:event_pk>/itineraries/print/changed/",
        views.ChangedItinerariesPdfView.as_view(),
        name="print-changed",
    ),
    path(
        "events/<int:event_pk>/itineraries/print/status/",
        views.ItinerariesPdfStatusView.as_view(),
        name="print-all-status",
    ),
    path(
        "events/<int:event_pk>/itineraries/print/itineraries.pdf",
        views.ItinerariesPdfFileView.as_view(),
        name="print-all-file",
    ),
    path(
        "events/<int:event_pk>/itineraries/table-signs/",
        views.TableSignsPdfView.as_view(),
        name="table-signs",
    ),
]
