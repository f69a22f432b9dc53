"""The organizers' Emails page (every send, and sending a failed one again) and the public
page where a clinician stops reminders from a link in one."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import ListView, TemplateView

from accounts.http import personal_page, safe_next_url

from .forms import EmailFilterForm
from .models import Email
from .queries import address_from_token, has_opted_out, status_counts
from .services import CannotRetry, resume_reminders, retry_email, stop_reminders


class EmailListView(LoginRequiredMixin, PermissionRequiredMixin, ListView):
    """Every email Rounds recorded, newest first, filtered by kind, status and address."""

    permission_required = "outbox.view_email"
    template_name = "outbox/email_list.html"
    context_object_name = "emails"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = EmailFilterForm(self.request.GET or None)
        return self.filter_form.filter(Email.objects.defer("body", "html_body"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["counts"] = [
            (Email.Status(status).label, count) for status, count in status_counts().items()
        ]
        query = self.request.GET.copy()
        query.pop("page", None)
        context["filter_query"] = query.urlencode()
        context["can_retry"] = self.request.user.has_perm("outbox.change_email")
        return context


class EmailRetryView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """POST only: send a failed email again."""

    permission_required = "outbox.change_email"
    http_method_names = ["post"]

    def post(self, request, pk):
        email = get_object_or_404(Email, pk=pk)
        try:
            retry_email(email=email, by=request.user)
        except CannotRetry as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"The email to {email.to} is queued to be sent again.")
        return redirect(safe_next_url(request, reverse("outbox:list")))


@method_decorator(never_cache, name="dispatch")
class OptOutView(TemplateView):
    """Public, from the link in a reminder: stop (or resume) reminders to the address the
    signed token names. Nothing changes on a GET (mail scanners open links): the page asks,
    and its button posts. A forged or damaged token is a 404."""

    template_name = "outbox/opt_out.html"

    def dispatch(self, request, *args, **kwargs):
        self.address = address_from_token(kwargs["token"])
        if self.address is None:
            raise Http404("No such link.")
        return personal_page(super().dispatch(request, *args, **kwargs), posts_forms=True)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            address=self.address, opted_out=has_opted_out(self.address), **kwargs
        )

    def post(self, request, token):
        if request.POST.get("action") == "resume":
            resume_reminders(address=self.address)
            messages.success(request, "Done: you will get reminders again.")
        else:
            stop_reminders(address=self.address)
            messages.success(request, "Done: you will get no more reminders.")
        return redirect(request.path)
