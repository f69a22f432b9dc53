from django.urls import path

from . import region_views, views

app_name = "events"

urlpatterns = [
    path("", views.EventListView.as_view(), name="list"),
    path("new/", views.EventCreateView.as_view(), name="create"),
    path("<int:pk>/", views.EventDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.EventUpdateView.as_view(), name="update"),
    path("<int:event_pk>/finish/", views.EventFinishView.as_view(), name="finish"),
    path("<int:event_pk>/copy/", views.EventCopyView.as_view(), name="copy"),
    path("<int:event_pk>/archive/", views.EventArchiveView.as_view(), name="archive"),
    path(
        "<int:event_pk>/restore/",
        views.EventArchiveView.as_view(restore=True),
        name="restore",
    ),
    path("<int:event_pk>/delete/", views.EventDeleteView.as_view(), name="delete"),
    # Which regions each organizer manages
    path("organizers/", region_views.OrganizerRegionListView.as_view(), name="organizer_regions"),
    path(
        "organizers/<int:pk>/regions/",
        region_views.OrganizerRegionUpdateView.as_view(),
        name="organizer_region_update",
    ),
    # Attendance
    path(
        "<int:event_pk>/attendance/",
        views.AttendanceListView.as_view(),
        name="attendance_list",
    ),
    path(
        "<int:event_pk>/attendance/add/",
        views.AttendanceCreateView.as_view(),
        name="attendance_create",
    ),
    path(
        "<int:event_pk>/attendance/import/",
        views.AttendanceImportView.as_view(),
        name="attendance_import",
    ),
    path(
        "<int:event_pk>/attendance/<int:pk>/status/",
        views.AttendanceStatusView.as_view(),
        name="attendance_status",
    ),
    path(
        "<int:event_pk>/attendance/<int:pk>/delete/",
        views.AttendanceDeleteView.as_view(),
        name="attendance_delete",
    ),
    path("<int:event_pk>/check-in/", views.CheckInView.as_view(), name="checkin"),
    # Tables and anchors
    path("<int:event_pk>/tables/", views.TableListView.as_view(), name="table_list"),
    path("<int:event_pk>/tables/new/", views.TableCreateView.as_view(), name="table_create"),
    path(
        "<int:event_pk>/tables/from-specialties/",
        views.TablesFromSpecialtiesView.as_view(),
        name="table_bulk_create",
    ),
    path(
        "<int:event_pk>/tables/<int:pk>/seat/",
        views.TableSeatView.as_view(),
        name="table_seat",
    ),
    path(
        "<int:event_pk>/anchors/presence/",
        views.AnchorPresenceView.as_view(),
        name="anchor_presence",
    ),
    path(
        "<int:event_pk>/tables/<int:pk>/edit/",
        views.TableUpdateView.as_view(),
        name="table_update",
    ),
    path(
        "<int:event_pk>/tables/<int:pk>/delete/",
        views.TableDeleteView.as_view(),
        name="table_delete",
    ),
    path(
        "<int:event_pk>/tables/<int:table_pk>/anchors/new/",
        views.AnchorCreateView.as_view(),
        name="anchor_create",
    ),
    path(
        "<int:event_pk>/anchors/<int:pk>/edit/",
        views.AnchorUpdateView.as_view(),
        name="anchor_update",
    ),
    path(
        "<int:event_pk>/anchors/<int:pk>/delete/",
        views.AnchorDeleteView.as_view(),
        name="anchor_delete",
    ),
    # Travelling groups
    path("<int:event_pk>/groups/", views.GroupListView.as_view(), name="group_list"),
    path("<int:event_pk>/groups/form/", views.GroupFormView.as_view(), name="group_form"),
    path("<int:event_pk>/groups/new/", views.GroupCreateView.as_view(), name="group_create"),
    path(
        "<int:event_pk>/groups/<int:pk>/edit/",
        views.GroupUpdateView.as_view(),
        name="group_update",
    ),
    path(
        "<int:event_pk>/groups/<int:pk>/delete/",
        views.GroupDeleteView.as_view(),
        name="group_delete",
    ),
    path("<int:event_pk>/groups/move/", views.MemberMoveView.as_view(), name="member_move"),
]
