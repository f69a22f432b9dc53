"""The series pages: organizers' (login, ``series.*`` permissions, region-scoped like events)
and the clinician's reply page behind a personal link. Thin views: bind a form, call a
service, redirect."""

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, ListView, TemplateView

from accounts.http import personal_page, site_url
from accounts.permissions import OrganizerMixin
from clinicians.models import Site

from . import planning, preparing, services
from .emails import invitation_message
from .forms import EveningForm, EveningUpdateForm, ReplyForm, SeriesForm, SeriesUpdateForm
from .models import Invitation
from .permissions import (
    evenings_for_user,
    get_evening_for_user,
    get_invitation_for_user,
    get_series_for_user,
    series_for_user,
)
from .queries import scheduled_pairs, series_overview


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


class SeriesListView(OrganizerMixin, ListView):
    permission_required = "series.view_series"
    template_name = "series/series_list.html"
    context_object_name = "series_list"

    def get_queryset(self):
        return series_for_user(user=self.request.user).prefetch_related("regions")


class SeriesCreateView(OrganizerMixin, FormView):
    permission_required = "series.add_series"
    form_class = SeriesForm
    template_name = "series/series_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        series = services.create_series(
            name=form.cleaned_data["name"],
            starts_on=form.cleaned_data["starts_on"],
            ends_on=form.cleaned_data["ends_on"],
            regions=form.cleaned_data["regions"],
            specialist_max_evenings=form.cleaned_data["specialist_max_evenings"],
            by=self.request.user,
        )
        messages.success(self.request, f"{series.name} is created. Next: add its evenings.")
        return redirect(series)


class SeriesScopedMixin:
    """Views under a series' URL: ``self.series`` for this user (404 when they may not see
    it); views that change anything set ``series_for_update``."""

    series_for_update = False
    series_kwarg = "series_pk"

    def dispatch(self, request, *args, **kwargs):
        self.series = get_series_for_user(
            user=request.user, pk=kwargs[self.series_kwarg], for_update=self.series_for_update
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("series", self.series)
        return super().get_context_data(**kwargs)


class SeriesDetailView(OrganizerMixin, SeriesScopedMixin, TemplateView):
    """The whole series: evenings × sites with invitation and reply progress, who is coming
    by track, department and specialty, and the gaps that matter."""

    permission_required = "series.view_series"
    template_name = "series/series_detail.html"
    series_kwarg = "pk"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        evenings = list(
            evenings_for_user(user=self.request.user, series=self.series)
            .select_related("event")
            .order_by("event__date", "event__start_time", "pk")
        )
        summaries = series_overview(evenings)
        context["summaries"] = summaries
        context["gaps"] = [gap for s in summaries for gap in s.gaps]
        context["attention"] = [todo for s in summaries for _, todo in s.attention]
        context["regions"] = list(self.series.regions.all())
        context["now"] = timezone.now()
        last_plan = self.series.plans.first()
        series_plan = (
            last_plan
            if last_plan is not None and last_plan.status == last_plan.Status.SUCCEEDED
            else planning.plan_in_force(self.series)
        )
        context["plan"] = series_plan
        context["planned"] = planning.planned_evenings(series_plan) if series_plan else []
        # The pairs the solved schedules seat together, beside the plan's figure.
        context["scheduled"] = scheduled_pairs(self.series) if series_plan else None
        context["last_plan"] = last_plan
        context["progress"] = planning.series_progress(
            series=self.series, last_plan=last_plan, evenings=evenings
        )
        return context


class SeriesUpdateView(OrganizerMixin, SeriesScopedMixin, FormView):
    """A series' name and planning settings."""

    permission_required = "series.change_series"
    series_for_update = True
    series_kwarg = "pk"
    form_class = SeriesUpdateForm
    template_name = "series/series_update.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.series}

    def form_valid(self, form):
        try:
            services.update_series(
                series=self.series,
                name=form.cleaned_data["name"],
                specialist_max_evenings=form.cleaned_data["specialist_max_evenings"],
                by=self.request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request, "Saved. Plan the season again for the plan to follow the new settings."
        )
        return redirect(self.series)


class SeriesPlanView(OrganizerMixin, SeriesScopedMixin, View):
    """The "Plan the season" button: queue the series.plan task."""

    permission_required = "series.change_series"
    series_kwarg = "pk"

    def post(self, request, *args, **kwargs):
        try:
            planning.start_plan(series=self.series, by=request.user)
        except (planning.PlanAlreadyRunning, planning.QueueUnavailable) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Planning the season: this page follows it.")
        return redirect(self.series)


class SeriesPrepareView(OrganizerMixin, SeriesScopedMixin, View):
    """The "Set up the evenings" button: tables, anchors and groups of every evening from
    the plan and the replies."""

    permission_required = "series.change_series"
    series_kwarg = "pk"

    def post(self, request, *args, **kwargs):
        try:
            done = preparing.prepare_evenings(series=self.series, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, "Evenings set up from the plan: " + "; ".join(map(str, done)) + "."
            )
        return redirect(self.series)


class SeriesSolveView(OrganizerMixin, SeriesScopedMixin, View):
    """The "Solve every evening" button: one solve task per evening, as one chord."""

    permission_required = "series.change_series"
    series_kwarg = "pk"

    def post(self, request, *args, **kwargs):
        try:
            runs = planning.solve_every_evening(series=self.series, by=request.user)
        except planning.EveningsNotReady as exc:
            messages.error(request, "Nothing was queued. " + " ".join(exc.problems))
        except planning.QueueUnavailable as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                f"{len(runs)} evenings queued, one task each: they solve on as many workers "
                "as are running.",
            )
        return redirect(self.series)


# How long one answer of the progress poll serves every organizer watching the series.
PROGRESS_CACHE_SECONDS = 1


class SeriesProgressView(OrganizerMixin, SeriesScopedMixin, View):
    """JSON for the series page's progress bar (polled every second, cached briefly)."""

    permission_required = "series.view_series"
    series_kwarg = "pk"

    def get(self, request, *args, **kwargs):
        key = f"series:progress:{self.series.pk}"
        status = cache.get(key)
        if status is None:
            status = planning.series_progress(series=self.series)
            cache.set(key, status, PROGRESS_CACHE_SECONDS)
        return JsonResponse(status)


class EveningScopedMixin(SeriesScopedMixin):
    """Views under an evening's URL: ``self.evening`` (404 when not visible)."""

    def dispatch(self, request, *args, **kwargs):
        self.evening = get_evening_for_user(
            user=request.user,
            series_pk=kwargs["series_pk"],
            pk=kwargs["pk"],
            for_update=self.series_for_update,
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("evening", self.evening)
        return super().get_context_data(**kwargs)


class EveningCreateView(OrganizerMixin, SeriesScopedMixin, FormView):
    permission_required = "series.change_series"
    series_for_update = True
    form_class = EveningForm
    template_name = "series/evening_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "series": self.series}

    def get_initial(self):
        return {"date": self.series.starts_on}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            evening = services.add_evening(
                series=self.series,
                name=data["name"],
                date=data["date"],
                venue=data["venue"],
                start_time=data["start_time"],
                region=data["region"],
                sites=data["all_sites"],
                reply_by=data["reply_by"],
                cap=data["cap"],
                template=data["template"],
                by=self.request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{evening.event.name} is added. Next: preview and send the invitations.",
        )
        return redirect(self.series)


class EveningDetailView(OrganizerMixin, EveningScopedMixin, TemplateView):
    """One evening's invitations and replies, with its actions."""

    permission_required = "series.view_series"
    template_name = "series/evening_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        invitations = self.evening.invitations.select_related(
            "clinician__department__site", "clinician__specialty", "moved_to__event"
        )
        if status in Invitation.Status.values:
            invitations = invitations.filter(status=status)
        context["invitations"] = invitations
        context["status"] = status
        context["statuses"] = Invitation.Status.choices
        context["summary"] = series_overview([self.evening])[0]
        context["sites"] = Site.objects.filter(evenings=self.evening).order_by("name")
        context["now"] = timezone.now()
        return context


class EveningUpdateView(OrganizerMixin, EveningScopedMixin, FormView):
    permission_required = "series.change_series"
    series_for_update = True
    form_class = EveningUpdateForm
    template_name = "series/evening_update.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.evening}

    def form_valid(self, form):
        try:
            promoted = services.update_evening(
                evening=self.evening,
                reply_by=form.cleaned_data["reply_by"],
                cap=form.cleaned_data["cap"],
                tables=form.cleaned_data["tables"],
                base_url=site_url(self.request),
                by=self.request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        note = f" {len(promoted)} left the waiting list and were emailed." if promoted else ""
        messages.success(self.request, f"The deadline, cap and tables are saved.{note}")
        return redirect(self.evening)


class InvitePreviewView(OrganizerMixin, EveningScopedMixin, TemplateView):
    """Who the invitations would reach, and a sample email; nothing is sent until confirmed."""

    permission_required = "series.change_series"
    series_for_update = True
    template_name = "series/invite_preview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = services.plan_invitations(evening=self.evening)
        context["plan"] = plan
        sample = plan.unsent[0] if plan.unsent else None
        if sample is None and plan.new:
            sample = Invitation(evening=self.evening, clinician=plan.new[0], token="…")
        if sample is not None:
            sample.evening = self.evening
            subject, body = invitation_message(sample, base_url=site_url(self.request))
            context["sample"] = {"subject": subject, "body": body, "to": sample.clinician}
        context["closed"] = timezone.now() >= self.evening.reply_by
        return context


class EveningActionView(OrganizerMixin, EveningScopedMixin, View):
    """A POST-only action on an evening: calls ``act`` and goes back to the evening."""

    permission_required = "series.change_series"
    series_for_update = True

    def post(self, request, *args, **kwargs):
        try:
            text = self.act(request)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, text)
        return redirect(self.evening)


class InviteSendView(EveningActionView):
    def act(self, request) -> str:
        sent = services.send_invitations(
            evening=self.evening, base_url=site_url(request), by=request.user
        )
        if not sent:
            return "Everyone eligible already has an invitation: nothing was sent."
        return f"{sent} invitation{'s' if sent != 1 else ''} sent."


class RemindView(EveningActionView):
    def act(self, request) -> str:
        sent = services.remind_non_responders(
            evening=self.evening, base_url=site_url(request), by=request.user
        )
        return (
            f"{sent} reminder{'s' if sent != 1 else ''} sent to those who have not answered "
            "(those who opted out of reminders get none)."
            if sent
            else "Everyone invited has answered: no reminder was sent."
        )


class BringInView(EveningActionView):
    def act(self, request) -> str:
        todo = services.bring_replies_into_event(evening=self.evening, by=request.user)
        note = f" {todo} need{'s' if todo == 1 else ''} a hand: see below." if todo else ""
        return f"The replies are in {self.evening.event.name}'s attendance and rounds.{note}"


class ReissueView(OrganizerMixin, SeriesScopedMixin, View):
    permission_required = "series.change_series"
    series_for_update = True

    def post(self, request, *args, **kwargs):
        invitation = get_invitation_for_user(
            user=request.user, series_pk=kwargs["series_pk"], pk=kwargs["pk"], for_update=True
        )
        services.reissue_link(invitation=invitation, by=request.user)
        messages.success(
            request,
            f"{invitation.clinician.full_name} has a new reply link; the old one no longer "
            "works. Send the invitation again to give it to them.",
        )
        return redirect(invitation.evening)


# The clinician's reply page


REPLY_THANKS = {
    Invitation.Status.YES: "Thank you: you are coming. See you there!",
    Invitation.Status.PARTIAL: "Thank you: we have your times.",
    Invitation.Status.NO: "Thank you for letting us know. We hope to see you another time.",
    Invitation.Status.WAITING: "The evening is full: you are on the waiting list. We will "
    "email you if a place opens.",
}


@method_decorator(never_cache, name="dispatch")
class ReplyView(FormView):
    """The reply page of a personal link: yes / no / late or early / another evening. An
    unknown or reissued token is a 404; after the deadline the page says so."""

    form_class = ReplyForm
    template_name = "series/reply.html"

    def dispatch(self, request, *args, **kwargs):
        self.invitation = get_object_or_404(
            Invitation.objects.select_related(
                "clinician", "evening__event", "evening__series", "moved_to__event"
            ),
            token=kwargs["token"],
        )
        self.now = timezone.now()
        self.closed = self.now >= self.invitation.evening.reply_by
        self.others = services.other_evenings(invitation=self.invitation, now=self.now)
        return personal_page(super().dispatch(request, *args, **kwargs), posts_forms=True)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "invitation": self.invitation, "others": self.others}

    def post(self, request, *args, **kwargs):
        if self.closed:
            return self.get(request, *args, **kwargs)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            shown = services.reply(
                invitation=self.invitation,
                answer=data["answer"],
                arrives_at=data.get("arrives_at"),
                leaves_at=data.get("leaves_at"),
                other_evening=data.get("other_evening"),
                base_url=site_url(self.request),
                now=self.now,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        if shown.pk != self.invitation.pk:
            messages.success(
                self.request,
                f"Thank you: you are moved to {shown.evening.event.name}. This is your reply "
                "link for it, also on its way by email.",
            )
        else:
            messages.success(self.request, REPLY_THANKS.get(shown.status, "Thank you."))
        return redirect(shown)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        invitation = self.invitation
        context.update(
            invitation=invitation,
            evening=invitation.evening,
            event=invitation.evening.event,
            closed=self.closed,
            has_others=bool(self.others),
        )
        if invitation.moved_to_id:
            context["moved_link"] = (
                Invitation.objects.filter(
                    evening_id=invitation.moved_to_id, clinician_id=invitation.clinician_id
                )
                .values_list("token", flat=True)
                .first()
            )
        return context
