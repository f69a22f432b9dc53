from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.AccountListView.as_view(), name="list"),
    path("new/", views.AccountCreateView.as_view(), name="create"),
    path("<int:pk>/edit/", views.AccountUpdateView.as_view(), name="update"),
    path("<int:pk>/send-link/", views.AccountSendLinkView.as_view(), name="send_link"),
    path("audit/", views.AuditLogView.as_view(), name="audit_list"),
    path("set-password/<uidb64>/<token>/", views.PasswordSetView.as_view(), name="password_set"),
    path("set-password/done/", views.PasswordSetDoneView.as_view(), name="password_set_done"),
]
