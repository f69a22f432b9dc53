from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import include, path
from django.views.generic import RedirectView


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", RedirectView.as_view(pattern_name="events:list", permanent=False), name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("emails/", include("outbox.urls")),
    path("clinicians/", include("clinicians.urls")),
    path("events/", include("events.urls")),
    path("", include("rotations.urls")),
    path("", include("itineraries.urls")),
    path("", include("series.urls")),
    path("", include("outcomes.urls")),
    path("", include("dinners.urls")),
    path("healthz", healthz, name="healthz"),
]
