from django.urls import path

from . import views

app_name = "outbox"

urlpatterns = [
    path("", views.EmailListView.as_view(), name="list"),
    path("<int:pk>/retry/", views.EmailRetryView.as_view(), name="retry"),
    # Public: the link in a reminder (a signed token, no login).
    path("reminders/<str:token>/", views.OptOutView.as_view(), name="opt_out"),
]
