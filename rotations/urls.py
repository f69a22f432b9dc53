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
