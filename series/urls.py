from django.urls import path

from . import views

app_name = "series"

urlpatterns = [
    # Clinicians: the personal reply link, no login.
    path("r/<str:token>/", views.ReplyView.as_view(), name="reply"),
    # Organizers.
    path("series/", views.SeriesListView.as_view(), name="list"),
    path("series/new/", views.SeriesCreateView.as_view(), name="create"),
    path("series/<int:pk>/", views.SeriesDetailView.as_view(), name="detail"),
    path("series/<int:pk>/edit/", views.SeriesUpdateView.as_view(), name="update"),
    path("series/<int:pk>/plan/", views.SeriesPlanView.as_view(), name="plan"),
    path("series/<int:pk>/prepare/", views.SeriesPrepareView.as_view(), name="prepare"),
    path("series/<int:pk>/solve/", views.SeriesSolveView.as_view(), name="solve"),
    path("series/<int:pk>/progress/", views.SeriesProgressView.as_view(), name="progress"),
    path(
        "series/<int:series_pk>/evenings/new/",
        views.EveningCreateView.as_view(),
        name="evening_create",
    ),
    path(
        "series/<int:series_pk>/evenings/<int:pk>/",
        views.EveningDetailView.as_view(),
        name="evening",
    ),
    path(
        "series/<int:series_pk>/evenings/<int:pk>/edit/",
        views.EveningUpdateView.as_view(),
        name="evening_update",
    ),
    path(
        "series/<int:series_pk>/evenings/<int:pk>/invite/",
        views.InvitePreviewView.as_view(),
        name="invite_preview",
    ),
    path(
        "series/<int:series_pk>/evenings/<int:pk>/invite/send/",
        views.InviteSendView.as_view(),
        name="invite",
    ),
    path(
        "series/<int:series_pk>/evenings/<int:pk>/remind/",
        views.RemindView.as_view(),
        name="remind",
    ),
    path(
        "series/<int:series_pk>/evenings/<int:pk>/bring-in/",
        views.BringInView.as_view(),
        name="bring_in",
    ),
    path(
        "series/<int:series_pk>/invitations/<int:pk>/reissue/",
        views.ReissueView.as_view(),
        name="reissue",
    ),
]
