"""The dinners' pages: organizers' (login, ``dinners.*`` permissions, region-scoped like
events), the clinician's sign-up page and the host's page behind personal links. Thin views:
bind a form, call a service, redirect."""

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, ListView, TemplateView

from accounts.csv import safe_csv_row
from accounts.http import personal_page, site_url
from accounts.permissions import OrganizerMixin
from clinicians.models import Clinician

from . import services
from .forms import HostDinnerForm, QuestionForm, SeasonForm, SignUpForm
from .models import DinnerGroup, DinnerQuestion, DinnerSeat, SignUp
from .permissions import (
    get_dinner_for_user,
    get_season_for_user,
    may_see_private_wishes,
    seasons_for_user,
)
from .queries import season_stipends, stipend_csv_rows


class SeasonListView(OrganizerMixin, ListView):
    permission_required = "dinners.view_dinnerseason"
    template_name = "dinners/season_list.html"
    context_object_name = "seasons"

    def get_queryset(self):
        return seasons_for_user(user=self.request.user).prefetch_related("regions")


class SeasonCreateView(OrganizerMixin, FormView):
    permission_required = "dinners.add_dinnerseason"
    form_class = SeasonForm
    template_name = "dinners/season_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            season = services.create_season(
                name=data["name"],
                starts_on=data["starts_on"],
                every_weeks=data["every_weeks"],
                dinners_count=data["dinners_count"],
                weekdays=data["weekdays"],
                min_size=data["min_size"],
                max_size=data["max_size"],
                budget_per_person=data["budget_per_person"],
                regions=data["regions"],
                sign_up_by=data["sign_up_by"],
                by=self.request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{season.name} is created. Next: send the sign-up links.")
        return redirect(season)


class SeasonScopedMixin:
    season_for_update = False
    season_kwarg = "season_pk"

    def dispatch(self, request, *args, **kwargs):
        self.season = get_season_for_user(
            user=request.user, pk=kwargs[self.season_kwarg], for_update=self.season_for_update
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("season", self.season)
        return super().get_context_data(**kwargs)


class SeasonUpdateView(OrganizerMixin, SeasonScopedMixin, FormView):
    """Edit a season: everything before the groups are formed; after, the name and the
    budget (until a stipend is paid), the rest shown as fixed with the reason
    (``services.update_season``)."""

    permission_required = "dinners.change_dinnerseason"
    season_for_update = True
    season_kwarg = "pk"
    form_class = SeasonForm
    template_name = "dinners/season_form.html"

    def get_form_kwargs(self):
        self.fixed = services.fixed_fields(self.season)
        return {
            **super().get_form_kwargs(),
            "user": self.request.user,
            "instance": self.season,
            "fixed": self.fixed,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.fixed:
            context["fixed_note"] = services.fixed_message(self.season, self.fixed)
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.update_season(
                season=self.season,
                by=self.request.user,
                **{field: data[field] for field in services.SEASON_FIELDS},
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, "The season is saved.")
        return redirect(self.season)


class SeasonDetailView(OrganizerMixin, SeasonScopedMixin, TemplateView):
    """The season: sign-up progress, the figure of the grouping, the groups with their
    dinners, and the actions."""

    permission_required = "dinners.view_dinnerseason"
    template_name = "dinners/season_detail.html"
    season_kwarg = "pk"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        season = self.season
        counts = dict(season.sign_ups.values_list("status").annotate(n=Count("pk")).order_by())
        context["counts"] = {label: counts.get(value, 0) for value, label in SignUp.Status.choices}
        context["invited"] = sum(counts.values())
        context["groups"] = list(
            season.groups.select_related("host", "site")
            .prefetch_related("members")
            .annotate(
                recorded=Count("dinners", filter=Q(dinners__attendance_recorded_at__isnull=False))
            )
        )
        context["stipends"] = season_stipends(season)
        context["regions"] = list(season.regions.all())
        context["private"] = may_see_private_wishes(self.request.user)
        if context["private"]:
            context["wishes"] = [
                (s.clinician, list(s.not_with.all()))
                for s in season.sign_ups.filter(not_with__isnull=False)
                .distinct()
                .select_related("clinician")
                .prefetch_related("not_with")
            ]
        unplaced_ids = [u["clinician"] for u in season.unplaced]
        names = Clinician.objects.in_bulk(unplaced_ids)
        context["unplaced"] = [(names.get(u["clinician"]), u["reason"]) for u in season.unplaced]
        context["sign_up_open"] = timezone.now() < season.sign_up_by
        # Once a host has recorded a dinner, the groups stay (services refuse to re-form).
        context["can_form"] = not any(group.recorded for group in context["groups"])
        return context


class SeasonActionView(OrganizerMixin, SeasonScopedMixin, View):
    """A POST-only action on a season: calls ``act`` and goes back to the season."""

    permission_required = "dinners.change_dinnerseason"
    season_for_update = True

    def post(self, request, *args, **kwargs):
        try:
            text = self.act(request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, text)
        return redirect(self.season)


class InviteView(SeasonActionView):
    def act(self, request) -> str:
        sent = services.send_sign_up_invitations(
            season=self.season, base_url=site_url(request), by=request.user
        )
        if not sent:
            return "Everyone eligible already has a sign-up link: nothing was sent."
        return f"{sent} sign-up link{'s' if sent != 1 else ''} sent."


class FormGroupsView(SeasonActionView):
    def act(self, request) -> str:
        services.start_forming(season=self.season, by=request.user)
        return "Forming the groups: this page shows them in a minute."


class AnnounceView(SeasonActionView):
    def act(self, request) -> str:
        sent = services.send_group_emails(
            season=self.season, base_url=site_url(request), by=request.user
        )
        if not sent:
            return "Every member already has their group's email: nothing was sent."
        return f"{sent} email{'s' if sent != 1 else ''} sent: every member has their group."


class RemindView(SeasonActionView):
    def act(self, request) -> str:
        sent = services.send_dinner_reminders(
            base_url=site_url(request), season=self.season, by=request.user
        )
        return f"{sent} reminder{'s' if sent != 1 else ''} sent for the dinners of the next days."


class StipendListView(OrganizerMixin, SeasonScopedMixin, TemplateView):
    permission_required = "dinners.view_dinnerseason"
    template_name = "dinners/stipend_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["stipends"] = season_stipends(self.season)
        return context


class StipendCsvView(OrganizerMixin, SeasonScopedMixin, View):
    """The claims for finance; every cell neutralised (``accounts.csv``)."""

    permission_required = "dinners.view_dinnerseason"

    def get(self, request, *args, **kwargs):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="dinner-stipends-{self.season.pk}.csv"'
        )
        writer = csv.writer(response)
        for row in stipend_csv_rows(self.season):
            writer.writerow(safe_csv_row(row))
        return response


class MarkPaidView(OrganizerMixin, SeasonScopedMixin, View):
    permission_required = "dinners.change_dinner"
    season_for_update = True

    def post(self, request, *args, **kwargs):
        dinner = get_dinner_for_user(
            user=request.user, season_pk=kwargs["season_pk"], pk=kwargs["pk"], for_update=True
        )
        paid = request.POST.get("paid") == "1"
        try:
            services.mark_paid(dinner=dinner, paid=paid, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Marked {'paid' if paid else 'unpaid'}.")
        return redirect("dinners:stipends", season_pk=dinner.group.season_id)


class SignUpListView(OrganizerMixin, SeasonScopedMixin, TemplateView):
    """Who is invited and what they answered, to find one clinician (``?q=``) and send them a
    new link."""

    permission_required = "dinners.view_dinnerseason"
    template_name = "dinners/sign_up_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sign_ups = self.season.sign_ups.select_related("clinician")
        query = self.request.GET.get("q", "").strip()[:100]
        for word in query.split()[:3]:
            sign_ups = sign_ups.filter(
                Q(clinician__first_name__icontains=word)
                | Q(clinician__last_name__icontains=word)
                | Q(clinician__email__icontains=word)
            )
        context["sign_ups"] = list(sign_ups[:200])
        context["q"] = query
        context["sign_up_open"] = (
            self.season.status == self.season.Status.SIGN_UP
            and timezone.now() < self.season.sign_up_by
        )
        return context


class ReissueSignUpLinkView(OrganizerMixin, SeasonScopedMixin, View):
    """A new sign-up link for one clinician, emailed while sign-up is open; the old stops."""

    permission_required = "dinners.change_signup"
    season_for_update = True

    def post(self, request, *args, **kwargs):
        sign_up = get_object_or_404(
            SignUp.objects.select_related("clinician", "season"),
            season=self.season,
            pk=kwargs["pk"],
        )
        emailed = services.reissue_sign_up_link(
            sign_up=sign_up, base_url=site_url(request), by=request.user
        )
        name = sign_up.clinician.full_name
        messages.success(
            request,
            f"{name} has a new sign-up link, emailed to them; the old one no longer works."
            if emailed
            else f"{name}'s old sign-up link no longer works. Sign-up is closed, so the new "
            "link was not emailed.",
        )
        return redirect("dinners:sign_ups", season_pk=self.season.pk)


class ReissueHostLinkView(OrganizerMixin, SeasonScopedMixin, View):
    """A new host link for one group, emailed to its host; the old one stops working."""

    permission_required = "dinners.change_dinnergroup"
    season_for_update = True

    def post(self, request, *args, **kwargs):
        group = get_object_or_404(
            DinnerGroup.objects.select_related("host", "season"),
            season=self.season,
            pk=kwargs["pk"],
        )
        services.reissue_host_link(group=group, base_url=site_url(request), by=request.user)
        messages.success(
            request,
            f"{group.host.full_name} has a new host link for group {group.number}, emailed to "
            "them; the old one no longer works.",
        )
        return redirect(f"{self.season.get_absolute_url()}#groups")


class QuestionListView(OrganizerMixin, ListView):
    permission_required = "dinners.view_dinnerquestion"
    template_name = "dinners/question_list.html"
    context_object_name = "questions"
    queryset = DinnerQuestion.objects.all()


class QuestionFormView(OrganizerMixin, FormView):
    """Add a question (no pk) or edit one; admins only."""

    template_name = "dinners/question_form.html"
    form_class = QuestionForm

    def get_permission_required(self):
        return [
            "dinners.change_dinnerquestion" if "pk" in self.kwargs else "dinners.add_dinnerquestion"
        ]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "pk" in self.kwargs:
            kwargs["instance"] = get_object_or_404(DinnerQuestion, pk=self.kwargs["pk"])
        return kwargs

    def form_valid(self, form):
        services.save_question(question=form.save(commit=False), by=self.request.user)
        messages.success(self.request, "The question is saved.")
        return redirect("dinners:questions")


# Personal links


@method_decorator(never_cache, name="dispatch")
class SignUpView(FormView):
    """The sign-up page of a personal link (phone first): join or not, the evenings that
    suit, the sites within reach, hosting, and privately who not to be grouped with."""

    form_class = SignUpForm
    template_name = "dinners/sign_up.html"

    def dispatch(self, request, *args, **kwargs):
        self.sign_up = get_object_or_404(
            SignUp.objects.select_related("season", "clinician"), token=kwargs["token"]
        )
        season = self.sign_up.season
        self.closed = timezone.now() >= season.sign_up_by or season.status != season.Status.SIGN_UP
        return personal_page(super().dispatch(request, *args, **kwargs), posts_forms=True)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "sign_up": self.sign_up}

    def get_initial(self):
        s = self.sign_up
        if s.status == SignUp.Status.INVITED:
            return {}
        return {
            "joining": "yes" if s.status == SignUp.Status.JOINED else "no",
            "weekdays": s.weekdays,
            "reach": list(s.reach.all()),
            "host": s.host,
            "not_with": [c.pk for c in s.not_with.all()],
        }

    def post(self, request, *args, **kwargs):
        if self.closed:
            return self.get(request, *args, **kwargs)
        if "search" in request.POST:
            # Only the search: show the matches, keep every answer, save nothing.
            form = self.get_form()
            form.is_valid()
            return self.render_to_response(self.get_context_data(form=form))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.sign_up(
                sign_up=self.sign_up,
                joining=data["joining"],
                weekdays=data["weekdays"],
                reach=data["reach"],
                host=data["host"],
                not_with=data["not_with"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            "Thank you: you are signed up. We will email you your group."
            if data["joining"]
            else "Thank you for letting us know.",
        )
        return redirect(self.sign_up)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(sign_up=self.sign_up, season=self.sign_up.season, closed=self.closed)
        return context


@method_decorator(never_cache, name="dispatch")
class HostView(TemplateView):
    """The host's page (phone first): the group's dinners with their questions; for the
    dinner chosen (the next one by default), who is coming, then who came and the receipt."""

    template_name = "dinners/host.html"

    def dispatch(self, request, *args, **kwargs):
        self.group = get_object_or_404(
            DinnerGroup.objects.select_related("season", "host", "site"),
            host_token=kwargs["token"],
        )
        self.dinners = list(self.group.dinners.select_related("question").order_by("date"))
        chosen = request.GET.get("dinner") or request.POST.get("dinner")
        today = timezone.localdate()
        self.dinner = next((d for d in self.dinners if str(d.pk) == chosen), None) or next(
            (d for d in self.dinners if d.date >= today), self.dinners[-1] if self.dinners else None
        )
        self.members = list(self.group.members.order_by("last_name", "first_name"))
        return personal_page(super().dispatch(request, *args, **kwargs), posts_forms=True)

    def _form(self, data=None):
        if self.dinner is None:
            return None
        seats = {s.clinician_id: s for s in self.dinner.seats.all()}
        initial = {
            "coming": [str(pk) for pk, s in seats.items() if s.rsvp == DinnerSeat.Rsvp.YES],
            "attended": [str(pk) for pk, s in seats.items() if s.attended],
            "receipt_amount": self.dinner.receipt_amount,
            "record_attendance": bool(self.dinner.attendance_recorded_at),
        }
        return HostDinnerForm(data, initial=initial, dinner=self.dinner, members=self.members)

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        if form is None:
            return redirect(self.group)
        if form.is_valid():
            data = form.cleaned_data
            recording = form.past and data.get("record_attendance")
            try:
                services.record_dinner(
                    dinner=self.dinner,
                    coming=[int(pk) for pk in data["coming"]],
                    attended=[int(pk) for pk in data["attended"]] if recording else None,
                    receipt_amount=data.get("receipt_amount") if recording else None,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Saved. Thank you!")
                return redirect(f"{reverse('dinners:host', kwargs=kwargs)}?dinner={self.dinner.pk}")
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        season = self.group.season
        budget = None
        if self.dinner is not None:
            came = sum(1 for s in self.dinner.seats.all() if s.attended)
            people = came if self.dinner.attendance_recorded_at else len(self.members)
            budget = season.budget_per_person * people
        context.update(
            group=self.group,
            season=season,
            dinners=self.dinners,
            dinner=self.dinner,
            members=self.members,
            budget=budget,
            over_budget=(
                self.dinner is not None
                and self.dinner.receipt_amount is not None
                and budget is not None
                and self.dinner.receipt_amount > budget
            ),
        )
        context.setdefault("form", self._form())
        return context
