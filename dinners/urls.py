from django.urls import path

from . import views

app_name = "dinners"

urlpatterns = [
    # Clinicians: the sign-up link and the host's link, no login.
    path("d/<str:token>/", views.SignUpView.as_view(), name="signup"),
    path("dh/<str:token>/", views.HostView.as_view(), name="host"),
    # Organizers.
    path("dinners/", views.SeasonListView.as_view(), name="list"),
    path("dinners/new/", views.SeasonCreateView.as_view(), name="create"),
    path("dinners/<int:pk>/", views.SeasonDetailView.as_view(), name="detail"),
    path("dinners/<int:pk>/edit/", views.SeasonUpdateView.as_view(), name="update"),
    path("dinners/<int:season_pk>/sign-ups/", views.SignUpListView.as_view(), name="sign_ups"),
    path(
        "dinners/<int:season_pk>/sign-ups/<int:pk>/new-link/",
        views.ReissueSignUpLinkView.as_view(),
        name="sign_up_reissue",
    ),
    path(
        "dinners/<int:season_pk>/groups/<int:pk>/new-link/",
        views.ReissueHostLinkView.as_view(),
        name="host_reissue",
    ),
    path("dinners/<int:season_pk>/invite/", views.InviteView.as_view(), name="invite"),
    path("dinners/<int:season_pk>/form/", views.FormGroupsView.as_view(), name="form"),
    path("dinners/<int:season_pk>/announce/", views.AnnounceView.as_view(), name="announce"),
    path("dinners/<int:season_pk>/remind/", views.RemindView.as_view(), name="remind"),
    path("dinners/<int:season_pk>/stipends/", views.StipendListView.as_view(), name="stipends"),
    path(
        "dinners/<int:season_pk>/stipends.csv",
        views.StipendCsvView.as_view(),
        name="stipends_csv",
    ),
    path(
        "dinners/<int:season_pk>/dinners/<int:pk>/paid/",
        views.MarkPaidView.as_view(),
        name="mark_paid",
    ),
    path("dinners/questions/", views.QuestionListView.as_view(), name="questions"),
    path("dinners/questions/new/", views.QuestionFormView.as_view(), name="question_create"),
    path("dinners/questions/<int:pk>/", views.QuestionFormView.as_view(), name="question_update"),
]
