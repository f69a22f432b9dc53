"""Account pages for admins: organizer accounts and the audit log."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.views.generic import FormView, ListView, TemplateView, View

from .forms import AccountCreateForm, AccountUpdateForm, AuditFilterForm
from .models import AuditEntry
from .services import create_account, role_of, send_set_password_link, update_account

User = get_user_model()


def accounts_for_user(*, user):
    """The accounts ``user`` may manage: superusers only by superusers (an admin must not be
    able to take over a superuser by changing its email)."""
    accounts = User.objects.all()
    if not user.is_superuser:
        accounts = accounts.filter(is_superuser=False)
    return accounts


def get_account_for_user(*, user, pk):
    try:
        return accounts_for_user(user=user).get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("No such account.") from None


class AccountListView(LoginRequiredMixin, PermissionRequiredMixin, ListView):
    permission_required = "auth.view_user"
    template_name = "accounts/account_list.html"
    context_object_name = "accounts"
    paginate_by = 50

    def get_queryset(self):
        return User.objects.order_by("username").prefetch_related("groups")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [
            {
                "account": account,
                "role": role_of(account),
                "editable": self.request.user.is_superuser or not account.is_superuser,
            }
            for account in context["accounts"]
        ]
        return context


class AccountCreateView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    permission_required = "auth.add_user"
    template_name = "accounts/account_form.html"
    form_class = AccountCreateForm

    def form_valid(self, form):
        data = form.cleaned_data
        account = create_account(
            username=data["username"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            role=data["role"],
            password=data["password1"] or None,
            by=self.request.user,
        )
        if not data["password1"]:
            send_set_password_link(user=account, base_url=self.request.build_absolute_uri("/"))
            messages.success(
                self.request,
                f"Account {account.username} created; a link to set a password was "
                f"emailed to {account.email}.",
            )
        else:
            messages.success(self.request, f"Account {account.username} created.")
        return redirect("accounts:list")


class AccountScopedMixin:
    """After the login and permission mixins: ``self.account`` from the URL's ``pk``, 404
    when the user may not manage it."""

    def dispatch(self, request, *args, **kwargs):
        self.account = get_account_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


class AccountUpdateView(LoginRequiredMixin, PermissionRequiredMixin, AccountScopedMixin, FormView):
    permission_required = "auth.change_user"
    template_name = "accounts/account_form.html"
    form_class = AccountUpdateForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["editing_self"] = self.account.pk == self.request.user.pk
        return kwargs

    def get_initial(self):
        return {
            "first_name": self.account.first_name,
            "last_name": self.account.last_name,
            "email": self.account.email,
            "role": role_of(self.account).value,
            "is_active": self.account.is_active,
        }

    def get_context_data(self, **kwargs):
        kwargs.setdefault("account", self.account)
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        update_account(
            user=self.account,
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            is_active=data["is_active"],
            role=data["role"],
            by=self.request.user,
        )
        messages.success(self.request, f"Account {self.account.username} saved.")
        return redirect("accounts:list")


class AccountSendLinkView(LoginRequiredMixin, PermissionRequiredMixin, AccountScopedMixin, View):
    """POST only: email the account a fresh link to set its password (e.g. a forgotten one)."""

    permission_required = "auth.change_user"
    http_method_names = ["post"]

    def post(self, request, pk):
        send_set_password_link(user=self.account, base_url=request.build_absolute_uri("/"))
        messages.success(request, f"A link to set a password was emailed to {self.account.email}.")
        return redirect("accounts:update", pk=self.account.pk)


class AuditLogView(LoginRequiredMixin, PermissionRequiredMixin, ListView):
    permission_required = "accounts.view_auditentry"
    template_name = "accounts/auditentry_list.html"
    context_object_name = "entries"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = AuditFilterForm(self.request.GET or None)
        return self.filter_form.filter(AuditEntry.objects.select_related("actor"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        query = self.request.GET.copy()
        query.pop("page", None)
        context["filter_query"] = query.urlencode()
        return context


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """The page a set-password link opens: public, guarded by the link's one-time token."""

    template_name = "accounts/password_set_form.html"
    success_url = reverse_lazy("accounts:password_set_done")
    post_reset_login = False


class PasswordSetDoneView(TemplateView):
    """Public: says the password is set and points to the login page."""

    template_name = "accounts/password_set_done.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("login_url", reverse("login"))
        return super().get_context_data(**kwargs)
