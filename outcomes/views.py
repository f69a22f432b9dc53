"""The survey behind a clinician's personal link (no login), and the outcomes page with its
CSV files and PDF report (organizers of their regions, and admins)."""

from __future__ import annotations

import csv
import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from accounts.csv import safe_csv_row
from accounts.http import personal_page
from accounts.permissions import OrganizerMixin
from events.models import Attendance
from events.permissions import EventScopedMixin, allowed_regions
from series.permissions import series_for_user

from . import charts, figures
from .documents import render_report_pdf
from .exports import CHARTS, chart_rows
from .forms import OutcomesFilterForm, SurveyCloseForm, SurveyForm
from .models import SurveyAnswer
from .services import (
    SurveyClosed,
    delete_answer,
    save_answer,
    send_survey_reminders,
    set_survey_close_date,
)
from .survey import (
    SURVEY_OPEN_DAYS,
    check_in_used,
    default_closes_on,
    met_at,
    survey_state,
    tables_visited,
    was_there,
)

VIEW_OUTCOMES = "outcomes.view_surveyanswer"
VIEW_COMMENTS = "outcomes.view_comments"
CHANGE_SURVEY = "outcomes.change_surveysettings"


@method_decorator(never_cache, name="dispatch")
class SurveyMixin:
    """The attendance behind the link (an unknown or reissued token is a 404), whether the
    survey is open and whether this attendee may answer it (they were there)."""

    def dispatch(self, request, *args, **kwargs):
        self.attendance = get_object_or_404(
            Attendance.objects.select_related("event", "clinician"),
            link_token=kwargs["token"],
        )
        self.state = survey_state(self.attendance.event)
        self.answer = SurveyAnswer.objects.filter(attendance=self.attendance).first()
        return personal_page(super().dispatch(request, *args, **kwargs), posts_forms=True)

    def get_context_data(self, **kwargs):
        kwargs.update(
            attendance=self.attendance,
            event=self.attendance.event,
            state=self.state,
            answer=self.answer,
            itinerary_url=reverse(
                "itineraries:detail", kwargs={"token": self.attendance.link_token}
            ),
        )
        return super().get_context_data(**kwargs)


class SurveyView(SurveyMixin, TemplateView):
    """The survey: four questions; once answered, the answer stays editable until the
    survey closes."""

    template_name = "outcomes/survey.html"

    def may_answer(self) -> bool:
        return self.state.is_open and was_there(
            self.attendance, checked_in_used=check_in_used(self.attendance.event)
        )

    def get_form(self, data=None) -> SurveyForm:
        initial = None
        if self.answer is not None:
            initial = {
                "recommend": self.answer.recommend,
                "contacts": list(self.answer.contacts.values_list("pk", flat=True)),
                "useful_tables": list(self.answer.useful_tables.values_list("pk", flat=True)),
                "comment": self.answer.comment,
            }
        return SurveyForm(
            data,
            initial=initial,
            people=met_at(self.attendance),
            tables=tables_visited(self.attendance),
        )

    def get_context_data(self, **kwargs):
        may_answer = self.may_answer()
        if may_answer:
            kwargs.setdefault("form", self.get_form())
        return super().get_context_data(may_answer=may_answer, **kwargs)

    def post(self, request, token):
        if not self.may_answer():
            return self.render_to_response(self.get_context_data(), status=409)
        form = self.get_form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            save_answer(
                attendance=self.attendance,
                recommend=form.cleaned_data["recommend"],
                contacts=form.cleaned_data.get("contacts", []),
                useful_tables=form.cleaned_data.get("useful_tables", []),
                comment=form.cleaned_data["comment"],
            )
        except SurveyClosed:
            return self.render_to_response(self.get_context_data(), status=409)
        messages.success(
            request, "Thank you: your answer is saved. You can change it until the survey closes."
        )
        return redirect("outcomes:survey", token=token)


class SurveyDeleteView(SurveyMixin, TemplateView):
    """The clinician deletes their own answer (at any time)."""

    template_name = "outcomes/survey_delete.html"

    def post(self, request, token):
        if delete_answer(attendance=self.attendance):
            messages.success(request, "Your answer is deleted.")
        return redirect("outcomes:survey", token=token)


class OutcomesMixin(OrganizerMixin):
    """The filters and figures of the outcomes page, for the user's regions."""

    permission_required = VIEW_OUTCOMES

    def get_scope(self) -> tuple[OutcomesFilterForm, figures.Scope]:
        user = self.request.user
        form = OutcomesFilterForm(
            self.request.GET or None,
            regions=allowed_regions(user),
            series=series_for_user(user=user),
        )
        data = form.cleaned_data if form.is_valid() else {}
        scope = figures.scope_for(
            user=user,
            region=data.get("region"),
            series=data.get("series"),
            since=data.get("since"),
            until=data.get("until"),
        )
        return form, scope

    def may_read_comments(self) -> bool:
        return self.request.user.has_perm(VIEW_COMMENTS)

    def wants_comments(self) -> bool:
        return self.may_read_comments() and self.request.GET.get("comments") == "1"


def chart_set(result: figures.Outcomes, *, all_departments: bool = False) -> dict:
    """Every chart of the page and the report (its CSV file: the name with a hyphen). The
    coverage heatmap has the ``charts.COVERAGE_ROWS`` departments with the most gaps unless
    ``all_departments``."""
    coverage = result.coverage.first(None if all_departments else charts.COVERAGE_ROWS)
    found = {
        "reach_role": charts.reach_bars(result.by_role, title="Reach by role"),
        "reach_site": charts.reach_bars(result.by_site, title="Reach by site"),
        "reach_department": charts.reach_bars(result.by_department, title="Reach by department"),
        "attendance": charts.attendance_bars(result.events, title="Invited, said yes, were there"),
        "connections": charts.connections_columns(result.events, title="New connections"),
        "coverage": charts.coverage_heatmap(
            coverage, since=result.since, title="Which departments met which specialty"
        ),
    }
    if result.answers_shown:
        found["scores"] = charts.score_bars(result.scores, title="Would you recommend it? (0–10)")
    return found


class OutcomesView(OutcomesMixin, TemplateView):
    template_name = "outcomes/outcomes.html"

    def get_context_data(self, **kwargs):
        form, scope = self.get_scope()
        comments = self.may_read_comments()
        result = figures.compute(scope, comments=comments)
        query = self.request.GET.copy()
        all_departments = query.pop("coverage", None) == ["all"]
        # The heatmap's two views differ by ``coverage=all`` only; the filters stay.
        return super().get_context_data(
            form=form,
            scope=scope,
            result=result,
            charts=chart_set(result, all_departments=all_departments),
            query=self.request.GET.urlencode(),
            coverage_query=query.urlencode(),
            all_departments=all_departments,
            coverage_rows=charts.COVERAGE_ROWS,
            may_read_comments=comments,
            min_answers=figures.MIN_ANSWERS,
            hidden_notice=figures.HIDDEN_NOTICE,
            recommend_from=figures.RECOMMEND_FROM,
            today=timezone.localdate(),
            **kwargs,
        )


class OutcomesCsvView(OutcomesMixin, View):
    """The data behind one chart, as CSV (cells neutralised against formulas). The survey's
    free text is a file of its own, for those who may read it, and only when asked."""

    def get(self, request, chart):
        if chart not in CHARTS:
            return HttpResponse("No such chart.", status=404, content_type="text/plain")
        if chart == "comments" and not self.may_read_comments():
            return HttpResponse(
                "Only admins read the free text.", status=403, content_type="text/plain"
            )
        _, scope = self.get_scope()
        result = figures.compute(scope, comments=chart == "comments")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="outcomes-{chart}.csv"'
        writer = csv.writer(response)
        for row in chart_rows(result, chart):
            writer.writerow(safe_csv_row(row))
        return response


class OutcomesPdfView(OutcomesMixin, View):
    """The one-page report for leadership (no free text unless asked, by an admin)."""

    def get(self, request):
        form, scope = self.get_scope()
        result = figures.compute(scope, comments=self.wants_comments())
        pdf = render_report_pdf(result=result, charts=chart_set(result), scope=scope)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="outcomes-{datetime.date.today():%Y-%m-%d}.pdf"'
        )
        return response


class RemindView(PermissionRequiredMixin, EventScopedMixin, View):
    """Send the event's survey reminders now (each attendee who has not answered gets their
    next one; never the same one twice)."""

    permission_required = VIEW_OUTCOMES
    event_for_update = True

    def post(self, request, event_pk):
        queued = send_survey_reminders(
            event=self.event, base_url=settings.ROUNDS_BASE_URL, by=request.user
        )
        if queued:
            messages.success(
                request, f"{queued} survey reminder{'s' if queued != 1 else ''} queued."
            )
        else:
            messages.info(
                request,
                "No reminder to send: everyone answered or had every reminder, "
                "or the survey is not open.",
            )
        if request.POST.get("back") == "survey":
            return redirect("outcomes:survey_settings", event_pk=self.event.pk)
        # Back to the outcomes page with the filters it had (re-encoded: only a query string).
        query = QueryDict(request.POST.get("query", "")).urlencode()
        return redirect(reverse("outcomes:page") + (f"?{query}" if query else "") + "#oc-events")


class SurveySettingsView(OrganizerMixin, EventScopedMixin, FormView):
    """An event's survey for its organizer: whether it is open, how many answered, the day
    it closes (which they may change: default ``SURVEY_OPEN_DAYS`` after the event, never
    before it) and the reminders."""

    permission_required = (VIEW_OUTCOMES, CHANGE_SURVEY)
    event_for_update = True
    template_name = "outcomes/survey_settings.html"
    form_class = SurveyCloseForm

    @cached_property
    def state(self):
        return survey_state(self.event)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.setdefault("initial", {})["closes_on"] = self.state.closes_on
        return {**kwargs, "event": self.event}

    def get_context_data(self, **kwargs):
        attendances = list(Attendance.objects.filter(event=self.event).only("status").order_by())
        used = any(a.status == Attendance.Status.CHECKED_IN for a in attendances)
        kwargs.update(
            state=self.state,
            default_closes_on=default_closes_on(self.event),
            open_days=SURVEY_OPEN_DAYS,
            were_there=sum(was_there(a, checked_in_used=used) for a in attendances),
            answers=SurveyAnswer.objects.filter(attendance__event=self.event).count(),
            min_answers=figures.MIN_ANSWERS,
        )
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        try:
            settings_ = set_survey_close_date(
                event=self.event, closes_on=form.cleaned_data["closes_on"], by=self.request.user
            )
        except ValidationError as error:
            form.add_error("closes_on", error)
            return self.form_invalid(form)
        state = survey_state(self.event)  # the new date's
        words = {"open": "is open", "closed": "is closed", "opens": "opens after the event"}
        messages.success(
            self.request,
            f"The survey now closes at the end of {settings_.closes_on:%A %-d %B %Y}; "
            f"it {words[state.state]}.",
        )
        return redirect("outcomes:survey_settings", event_pk=self.event.pk)
