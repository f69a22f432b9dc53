from django.urls import path

from . import views

app_name = "rotations"

# The organizer's schedule pages (events/<event_pk>/...). The clinicians' itinerary pages are
# the itineraries app's.
urlpatterns = [
    path(
        "events/<int:event_pk>/schedule/",
        views.ScheduleListView.as_view(),
        name="schedule_list",
    ),
    path("events/<int:event_pk>/schedule/solve/", views.SolveView.as_view(), name="solve"),
    path("events/<int:event_pk>/schedule/replan/", views.ReplanView.as_view(), name="replan"),
    path(
        "events/<int:event_pk>/schedule/replan/<int:pk>/",
        views.ReplanOptionsView.as_view(),
        name="replan_options",
    ),
    path(
        "events/<int:event_pk>/schedule/<int:pk>/publish-replan/",
        views.ReplanPublishView.as_view(),
        name="replan_publish",
    ),
    path(
        "events/<int:event_pk>/schedule/runs/<int:pk>/",
        views.SolveRunDetailView.as_view(),
        name="run",
    ),
    path(
        "events/<int:event_pk>/schedule/runs/<int:pk>/status/",
        views.SolveRunStatusView.as_view(),
        name="run_status",
    ),
    path(
        "events/<int:event_pk>/schedule/runs/<int:pk>/cancel/",
        views.SolveRunCancelView.as_view(),
        name="run_cancel",
    ),
    # A version by its number, as the pages name it ("version 4"): the address organizers
    # see and share. The same pages by the version's id (below) stay for the forms and links
    # that use it.
    path(
        "events/<int:event_pk>/schedule/v<int:version>/",
        views.ScheduleDetailView.as_view(),
        name="version",
    ),
    path(
        "events/<int:event_pk>/schedule/v<int:version>/compare/",
        views.ScheduleCompareView.as_view(),
        name="version_compare",
    ),
    path(
        "events/<int:event_pk>/schedule/v<int:version>/publish/",
        views.SchedulePublishView.as_view(),
        name="version_publish",
    ),
    path(
        "events/<int:event_pk>/schedule/<int:pk>/",
        views.ScheduleDetailView.as_view(),
        name="schedule",
    ),
    path(
        "events/<int:event_pk>/schedule/<int:pk>/export/",
        views.ScheduleExportView.as_view(),
        name="schedule_export",
    ),
    path(
        "events/<int:event_pk>/schedule/<int:pk>/master-grid.pdf",
        views.ScheduleMasterPdfView.as_view(),
        name="schedule_master_pdf",
    ),
    path(
        "events/<int:event_pk>/schedule/<int:pk>/move/",
        views.ScheduleMoveView.as_view(),
        name="schedule_move",
    ),
    # The board's JSON edits (js/board.js): POST only.
    path(
        "events/<int:event_pk>/schedule/<int:pk>/board/move/",
        views.BoardMoveView.as_view(),
        name="board_move",
    ),
    path(
        "events/<int:event_pk>/schedule/<int:pk>/board/swap/",
        views.BoardSwapView.as_view(),
        name="board_swap",
    ),
    path(
        "events/<int:event_pk>/schedule/<int:pk>/board/replay/",
        views.BoardReplayView.as_view(),
        name="board_replay",
    ),
    path(
        "events/<int:event_pk>/schedule/<int:schedule_pk>/visits/<int:pk>/pin/",
        views.VisitPinView.as_view(),
        name="visit_pin",
    ),
    path(
        "events/<int:event_pk>/schedule/<int:pk>/compare/",
        views.ScheduleCompareView.as_view(),
        name="schedule_compare",
    ),
    path(
        "events/<int:event_pk>/schedule/<int:pk>/publish/",
        views.SchedulePublishView.as_view(),
        name="schedule_publish",
    ),
]
