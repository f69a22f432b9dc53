"""The organizer's schedule pages: solve and watch the run, the grid, moves and pins,
versions compared, publishing. Writes go through ``rotations.services`` (solving,
publishing) and ``rotations.editing`` (changes by hand)."""

from django.contrib import messages
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView

from accounts.models import AuditEntry
from accounts.permissions import OrganizerMixin
from clinicians.models import Clinician
from events.permissions import EventScopedMixin
from events.queries import event_panels

from . import editing, exports, services
from .forms import MoveForm, ReplanForm, SolveForm
from .grid import build_grid, move_facts, quality_text
from .models import Schedule, SolveRun, replan_note
from .services import table_label


def _schedule(view, **filters) -> Schedule:
    """The version in the URL: by its number (``version``) or by its id (``pk``)."""
    if "version" in view.kwargs:
        filters["version"] = view.kwargs["version"]
    else:
        filters["pk"] = view.kwargs["pk"]
    return get_object_or_404(
        Schedule.objects.filter(event=view.event, **filters).select_related(
            "solve_run", "based_on", "published_by", "created_by"
        )
    )


def _edit_message(request, result: editing.EditResult, what: str) -> None:
    if result.reused:
        messages.info(
            request,
            f"{what} The published version stays as it is: your change is in version "
            f"{result.schedule.version}, the draft already based on it, to publish when ready.",
        )
    elif result.copied:
        messages.info(
            request,
            f"{what} The published version stays as it is: your change is in the new "
            f"version {result.schedule.version}, to publish when ready.",
        )
    else:
        messages.success(request, what)


class ScheduleListView(OrganizerMixin, EventScopedMixin, TemplateView):
    """The schedule step: what is missing, the solve button, runs and versions."""

    permission_required = "rotations.view_schedule"
    template_name = "rotations/schedule_list.html"

    def get_context_data(self, **kwargs):
        event = self.event
        schedules = list(
            Schedule.objects.filter(event=event)
            .select_related("solve_run", "based_on", "created_by")
            .order_by("-version")
        )
        runs = list(
            SolveRun.objects.filter(event=event)
            .select_related("started_by")
            .order_by("-created_at")[:8]
        )
        return super().get_context_data(
            problems=services.readiness_problems(event=event),
            schedules=schedules,
            published=next((s for s in schedules if s.is_published), None),
            runs=runs,
            active_run=next((r for r in runs if r.is_active), None),
            solve_form=SolveForm(),
            **kwargs,
        )


class SolveView(OrganizerMixin, EventScopedMixin, View):
    """Start a solve (optionally keeping the pins of a version) and go to its run page."""

    permission_required = "rotations.add_solverun"
    event_for_update = True

    def post(self, request, *args, **kwargs):
        form = SolveForm(request.POST, event=self.event)
        form.is_valid()
        if "pinned_from" in form.errors:
            messages.error(request, form.errors["pinned_from"][0])
            return redirect("rotations:schedule_list", event_pk=self.event.pk)
        # A time limit not on the list falls back to the default.
        time_limit = form.cleaned_data.get("time_limit_s")
        pinned_from = form.cleaned_data.get("pinned_from")
        try:
            run = services.start_solve(
                event=self.event, by=request.user, time_limit_s=time_limit, pinned_from=pinned_from
            )
        except services.EventNotReady as error:
            messages.error(request, "The event cannot be solved yet:")
            for problem in error.problems:
                messages.error(request, problem)
            return redirect("rotations:schedule_list", event_pk=self.event.pk)
        except services.SolveAlreadyRunning as error:
            messages.warning(request, str(error))
            if error.run is not None:
                return redirect(error.run)
            return redirect("rotations:schedule_list", event_pk=self.event.pk)
        except services.QueueUnavailable as error:
            messages.error(request, str(error))
            return redirect("rotations:schedule_list", event_pk=self.event.pk)
        return redirect(run)


class ReplanView(OrganizerMixin, EventScopedMixin, View):
    """On the day, from the check-in page: plan the rounds still to come again without the
    no-shows, keeping the rounds that happened; the result is a version to review and
    publish."""

    permission_required = "rotations.add_solverun"
    event_for_update = True

    def post(self, request, *args, **kwargs):
        checkin = reverse("events:checkin", kwargs={"event_pk": self.event.pk})
        form = ReplanForm(request.POST, event=self.event)
        if not form.is_valid():
            messages.error(request, "Choose one of the event's rounds to re-plan from.")
            return redirect(checkin)
        from_round = form.cleaned_data["from_round"]
        try:
            run = services.start_solve(
                event=self.event, by=request.user, replan_from_round=from_round
            )
        except services.EventNotReady as error:
            messages.error(request, "The rounds cannot be re-planned yet:")
            for problem in error.problems:
                messages.error(request, problem)
            return redirect(checkin)
        except services.SolveAlreadyRunning as error:
            messages.warning(request, str(error))
            return redirect(error.run if error.run is not None else checkin)
        except services.QueueUnavailable as error:
            messages.error(request, str(error))
            return redirect(checkin)
        messages.info(
            request,
            f"Re-planning from round {from_round}: fewest changes and best schedule, side by "
            "side. Choose one to publish.",
        )
        return redirect("rotations:replan_options", event_pk=self.event.pk, pk=run.pk)


class ReplanOptionsView(OrganizerMixin, EventScopedMixin, DetailView):
    """A re-plan's options side by side (while it runs, its progress): for each, what
    changes against the published version, and a button to publish it."""

    permission_required = "rotations.view_solverun"
    template_name = "rotations/replan_options.html"
    context_object_name = "run"

    def get_object(self, queryset=None):
        return get_object_or_404(
            SolveRun.objects.filter(
                event=self.event, replan_from_round__isnull=False
            ).select_related("started_by", "pinned_from", "event"),
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        run = self.object
        options = services.replan_options(run=run) if run.status == "succeeded" else []
        published = Schedule.objects.filter(event=self.event, is_published=True).first()
        return super().get_context_data(
            options=options,
            frozen_kept=all(option.frozen_kept for option in options),
            published=published,
            stale=published is not None and run.pinned_from_id != published.pk,
            kept_note=replan_note(run.replan_from_round),
            **kwargs,
        )


class ReplanPublishView(OrganizerMixin, EventScopedMixin, View):
    """Publish the option the organizer chose, then show whose itinerary to reprint."""

    permission_required = "rotations.change_schedule"
    event_for_update = True

    def post(self, request, *args, **kwargs):
        schedule = _schedule(self, replan_from_round__isnull=False)
        try:
            schedule = services.publish_replan(schedule=schedule, by=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            if schedule.replan_run_id:
                return redirect(
                    "rotations:replan_options", event_pk=self.event.pk, pk=schedule.replan_run_id
                )
            return redirect(schedule)
        messages.success(
            request,
            f"Version {schedule.version} ({schedule.get_strategy_display().lower()}) is "
            "published: clinicians now see it. Reprint the itineraries listed below.",
        )
        return redirect("rotations:schedule_publish", event_pk=self.event.pk, pk=schedule.pk)


class SolveRunDetailView(OrganizerMixin, EventScopedMixin, DetailView):
    permission_required = "rotations.view_solverun"
    template_name = "rotations/solverun_detail.html"
    context_object_name = "run"

    def get_object(self, queryset=None):
        return get_object_or_404(
            SolveRun.objects.filter(event=self.event).select_related("started_by", "pinned_from"),
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        run = self.object
        schedule = Schedule.objects.filter(solve_run=run).first()
        return super().get_context_data(schedule=schedule, **kwargs)


# How long one answer of the progress poll serves every organizer watching the run.
RUN_STATUS_CACHE_SECONDS = 1


class SolveRunStatusView(OrganizerMixin, EventScopedMixin, View):
    """JSON for the run page's progress bar (polled every second)."""

    permission_required = "rotations.view_solverun"

    def get(self, request, *args, **kwargs):
        # Every organizer watching the run polls it each second: the answer is read once a
        # second for all of them (the key names the event, so access is checked as ever).
        key = f"rotations:run-status:{self.event.pk}:{kwargs['pk']}"
        status = cache.get(key)
        if status is None:
            run = get_object_or_404(SolveRun, event=self.event, pk=kwargs["pk"])
            status = services.run_status(run=run)
            if status.get("schedule_id"):
                schedule = Schedule.objects.only("pk", "event_id", "version").get(
                    pk=status["schedule_id"]
                )
                status["schedule_url"] = schedule.get_absolute_url()
            cache.set(key, status, RUN_STATUS_CACHE_SECONDS)
        return JsonResponse(status)


class SolveRunCancelView(OrganizerMixin, EventScopedMixin, View):
    permission_required = "rotations.change_solverun"
    event_for_update = True

    def post(self, request, *args, **kwargs):
        run = get_object_or_404(SolveRun, event=self.event, pk=kwargs["pk"])
        run = services.cancel_solve(run=run, by=request.user)
        if run.is_active:
            messages.info(request, "Stopping the solver; it ends within a few seconds.")
        else:
            messages.info(request, f"The solve is {run.get_status_display().lower()}.")
        return redirect(run)


# Up to this many groups and tables together the grid page carries the move form; a larger
# event's page links to the form's own page instead (hundreds of choices on every request).
MOVE_FORM_INLINE_CHOICES = 80
# Past this many groups the grid page lists only the groups short of a visit.
GROUPS_LISTED = 40


class ScheduleDetailView(OrganizerMixin, EventScopedMixin, DetailView):
    """The grid of a version: rounds × tables (a page of tables at a time), with the figures
    and the move form (a link to it for a large event)."""

    permission_required = "rotations.view_schedule"
    template_name = "rotations/schedule_detail.html"
    context_object_name = "schedule"

    def get_object(self, queryset=None):
        return _schedule(self)

    def get_context_data(self, **kwargs):
        schedule = self.object
        # A page of tables at a time (?tables=N): a large event's whole grid is megabytes.
        page = self.request.GET.get("tables", "1")
        grid = build_grid(schedule, page=int(page) if page.isdecimal() else 1)
        # The board's layout: ?view=rounds puts the rounds across, ?compact=1 packs it.
        rounds_across = self.request.GET.get("view") == "rounds"
        compact = self.request.GET.get("compact") == "1"
        latest = Schedule.objects.filter(event=self.event).order_by("-version").first()
        move_form = None
        if len(grid.groups) + len(grid.tables) <= MOVE_FORM_INLINE_CHOICES:
            move_form = MoveForm(event=self.event)
            move_form.helper.form_action = reverse(
                "rotations:schedule_move", kwargs={"event_pk": self.event.pk, "pk": schedule.pk}
            )
        # A large event lists the groups that miss a visit they could have (the rest on
        # request, ?groups=all): hundreds of rows of "10 of 10" say nothing.
        group_rows = grid.groups
        if len(group_rows) > GROUPS_LISTED and self.request.GET.get("groups") != "all":
            group_rows = [s for s in grid.groups if s.visits < s.possible or not s.possible]
        return super().get_context_data(
            grid=grid,
            group_rows=group_rows,
            groups_hidden=len(grid.groups) - len(group_rows),
            quality=quality_text(grid, schedule.solve_run),
            move_form=move_form,
            solve_form=SolveForm(submit_label="Re-solve keeping the pins"),
            is_latest=latest is not None and latest.pk == schedule.pk,
            latest=latest,
            pinned_count=grid.pinned,
            rounds_across=rounds_across,
            compact=compact,
            board_links=_board_links(rounds_across=rounds_across, compact=compact),
            **kwargs,
        )


def _board_links(*, rounds_across: bool, compact: bool) -> dict[str, str]:
    """The query strings of the board's layout links, each keeping the other setting."""

    def query(view: bool, packed: bool) -> str:
        return urlencode(
            {**({"view": "rounds"} if view else {}), **({"compact": 1} if packed else {})}
        )

    here = query(rounds_across, compact)
    return {
        "tables_across": query(False, compact),
        "rounds_across": query(True, compact),
        "compact": query(rounds_across, not compact),
        "page": here + "&" if here else "",
    }


class ScheduleMoveView(OrganizerMixin, EventScopedMixin, FormView):
    """Move a group to another table in a round (or out of the round), checked against the
    hard rules; a refusal says why."""

    permission_required = "rotations.change_schedule"
    event_for_update = True
    form_class = MoveForm
    template_name = "rotations/schedule_move.html"

    def get_schedule(self) -> Schedule:
        if not hasattr(self, "schedule"):
            self.schedule = _schedule(self)
        return self.schedule

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "event": self.event}

    def get_initial(self):
        return {key: self.request.GET.get(key) for key in ("group", "from_round", "round", "table")}

    def get_context_data(self, **kwargs):
        schedule = self.get_schedule()
        form = kwargs.get("form") or self.get_form()
        group = _chosen(form, "group")
        return super().get_context_data(
            schedule=schedule,
            facts=move_facts(schedule, group),
            chosen_group=group,
            **kwargs,
        )

    def form_valid(self, form):
        schedule = self.get_schedule()
        group, round_, table = (form.cleaned_data[k] for k in ("group", "round", "table"))
        from_round = form.cleaned_data.get("from_round") or round_
        try:
            if from_round != round_:
                # A visit of another round moves here (the board's move, without JavaScript).
                edit = editing.move_group(
                    schedule=schedule,
                    group=group,
                    from_round=from_round,
                    round=round_,
                    table=table,
                    by=self.request.user,
                )
                _edit_message(self.request, edit.result, edit.message)
                return redirect(edit.result.schedule)
            result = editing.move_visit(
                schedule=schedule, group=group, round=round_, table=table, by=self.request.user
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        if table is None:
            done = f"{group.name} is out of round {round_}."
        else:
            done = (
                f"{group.name} is at {table_label(table)} in round "
                f"{round_} (pinned, so a re-solve keeps it)."
            )
        _edit_message(self.request, result, done)
        return redirect(result.schedule)


def _chosen(form, name):
    """The object ``form``'s field ``name`` holds (bound or initial), or None."""
    field = form.fields[name]
    value = form.data.get(name) if form.is_bound else form.initial.get(name)
    try:
        return field.clean(value) if value else None
    except ValidationError:
        return None


# --- The board's JSON endpoints ---------------------------------------------------------

BOARD_SALT = "rotations.board"
# How long an undo or redo handed to the page stays good (a working session).
BOARD_TOKEN_MAX_AGE = 12 * 60 * 60


def _board_token(request, event, *, remove, add) -> str:
    """A signed note of an edit the page may ask for later (an undo, a redo): only this
    organizer, only on this event, and only edits the board itself made."""
    return signing.dumps(
        {
            "event": event.pk,
            "user": request.user.pk,
            "remove": [p.to_json() for p in remove],
            "add": [p.to_json() for p in add],
        },
        salt=BOARD_SALT,
        compress=True,
    )


def _posted_int(data, name: str, *, required: bool = True) -> int | None:
    value = data.get(name, "")
    if not value and not required:
        return None
    if not str(value).isdecimal():
        raise ValidationError(f"The board sent no valid {name.replace('_', ' ')}.")
    return int(value)


class BoardEditView(OrganizerMixin, EventScopedMixin, View):
    """The board's edits, as JSON for its script: POST only, the move view's permission, the
    event fetched for this organizer (404 elsewhere). The answer is the cells the edit
    touched, re-rendered, with the figures, the sentence to announce and a signed undo; a
    refusal is the rules' own words (422). A change through a published version lands in
    its draft: the answer names the draft's page for the script to open."""

    permission_required = "rotations.change_schedule"
    event_for_update = True

    def edit(self, schedule: Schedule, data) -> editing.BoardEdit:
        raise NotImplementedError

    def group(self, data, name: str):
        pk = _posted_int(data, name)
        group = self.event.groups.filter(pk=pk).first()
        if group is None:
            raise ValidationError("That group is not in this event.")
        return group

    def post(self, request, *args, **kwargs):
        schedule = _schedule(self)
        schedule.event = self.event
        try:
            edit = self.edit(schedule, request.POST)
        except ValidationError as error:
            return JsonResponse({"ok": False, "errors": error.messages}, status=422)
        return JsonResponse(self.answer(schedule, edit))

    def answer(self, asked: Schedule, edit: editing.BoardEdit) -> dict:
        request = self.request
        schedule = Schedule.objects.select_related("based_on", "solve_run").get(
            pk=edit.result.schedule.pk
        )
        schedule.event = self.event
        # Only the touched tables' cells are drawn again: the figures count every table.
        grid = build_grid(schedule, table_ids=set(edit.table_ids))
        context = {"event": self.event, "schedule": schedule, "grid": grid}
        cells, idle = {}, {}
        for round_ in sorted(edit.rounds):
            for table_pk in sorted(edit.table_ids):
                cell = grid.cell(round_, table_pk)
                if cell is not None:
                    cells[f"cell-r{round_}-t{table_pk}"] = render_to_string(
                        "rotations/includes/board_cell.html",
                        {**context, "cell": cell, "round": round_},
                        request=request,
                    )
            idle[f"idle-r{round_}"] = render_to_string(
                "rotations/includes/board_idle.html",
                {**context, "groups": grid.idle.get(round_, []), "round": round_},
                request=request,
            )
        moved_here = schedule.pk != asked.pk
        if moved_here:
            # The page opens the draft next: it says there where the change went.
            _edit_message(request, edit.result, edit.message)
        return {
            "ok": True,
            "message": edit.message,
            "schedule": schedule.pk,
            "version": schedule.version,
            "url": schedule.get_absolute_url() if moved_here else None,
            "cells": cells,
            "idle": idle,
            "quality": quality_text(grid, schedule.solve_run),
            "pinned": grid.pinned,
            "inverse": _board_token(request, self.event, remove=edit.added, add=edit.removed),
        }


class BoardMoveView(BoardEditView):
    """Move a group's visit of ``from_round`` to ``table`` in ``round`` (no table: out of the
    round; no visit in ``from_round``: a new visit)."""

    def edit(self, schedule, data):
        table_pk = _posted_int(data, "table", required=False)
        table = None
        if table_pk is not None:
            table = self.event.tables.select_related("specialty").filter(pk=table_pk).first()
            if table is None:
                raise ValidationError("That table is not in this event.")
        return editing.move_group(
            schedule=schedule,
            group=self.group(data, "group"),
            from_round=_posted_int(data, "from_round"),
            round=_posted_int(data, "round"),
            table=table,
            by=self.request.user,
        )


class BoardSwapView(BoardEditView):
    """Exchange two visits, each named by group and round."""

    def edit(self, schedule, data):
        return editing.swap_visits(
            schedule=schedule,
            first=(self.group(data, "group"), _posted_int(data, "round")),
            second=(self.group(data, "other_group"), _posted_int(data, "other_round")),
            by=self.request.user,
        )


class BoardReplayView(BoardEditView):
    """Undo or redo (``direction``) an edit this organizer made on the board, from the
    signed note the board handed back with it; an ordinary edit, checked again."""

    def edit(self, schedule, data):
        try:
            note = signing.loads(
                data.get("token", ""), salt=BOARD_SALT, max_age=BOARD_TOKEN_MAX_AGE
            )
        except signing.BadSignature:
            raise ValidationError(
                "That undo is too old or not from this board: reload the page."
            ) from None
        if (note.get("event"), note.get("user")) != (self.event.pk, self.request.user.pk):
            raise ValidationError("Only your own edits of this event's board can be undone here.")
        return editing.replay_board_edit(
            schedule=schedule,
            removed=[editing.Placement.from_json(p) for p in note["remove"]],
            added=[editing.Placement.from_json(p) for p in note["add"]],
            by=self.request.user,
            label="Redone" if data.get("direction") == "redo" else "Undone",
        )


class VisitPinView(OrganizerMixin, EventScopedMixin, View):
    permission_required = "rotations.change_schedule"
    event_for_update = True

    def post(self, request, *args, **kwargs):
        schedule = get_object_or_404(Schedule, event=self.event, pk=kwargs["schedule_pk"])
        visit = get_object_or_404(
            schedule.visits.select_related("group", "table", "schedule"), pk=kwargs["pk"]
        )
        try:
            result, visit = editing.toggle_pin(visit=visit, by=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(
                reverse("rotations:schedule", kwargs={"event_pk": self.event.pk, "pk": schedule.pk})
                + f"#r{visit.round}"
            )
        _edit_message(
            request,
            result,
            f"{visit.group.name} at table {visit.table.number} in round {visit.round} is "
            f"{'pinned' if visit.pinned else 'no longer pinned'}.",
        )
        return redirect(
            reverse(
                "rotations:schedule",
                kwargs={"event_pk": self.event.pk, "pk": result.schedule.pk},
            )
            + f"#r{visit.round}"
        )


class ScheduleCompareView(OrganizerMixin, EventScopedMixin, DetailView):
    """The visits that changed between this version and another (by default the one it was
    based on, else the version before it)."""

    permission_required = "rotations.view_schedule"
    template_name = "rotations/schedule_compare.html"
    context_object_name = "schedule"

    def get_object(self, queryset=None):
        return _schedule(self)

    def get_context_data(self, **kwargs):
        schedule = self.object
        others = Schedule.objects.filter(event=self.event).exclude(pk=schedule.pk)
        other = None
        if self.request.GET.get("with", "").isdecimal():  # isdigit() takes "²"
            other = others.filter(pk=self.request.GET["with"]).first()
        if other is None:
            other = schedule.based_on or others.filter(version__lt=schedule.version).first()
        changes = editing.compare_schedules(old=other, new=schedule) if other else []
        return super().get_context_data(
            other=other,
            others=others.order_by("-version"),
            changes=changes,
            **kwargs,
        )


class SchedulePublishView(OrganizerMixin, EventScopedMixin, DetailView):
    """Confirm and publish a version; then list whose itinerary changed, to reprint. A version
    that breaks a hard rule is refused: the page lists the broken rules."""

    permission_required = "rotations.change_schedule"
    event_for_update = True
    template_name = "rotations/schedule_publish.html"
    context_object_name = "schedule"

    def get_object(self, queryset=None):
        return _schedule(self)

    def get_context_data(self, **kwargs):
        schedule = self.object
        if schedule.is_published:
            entry = (
                AuditEntry.objects.filter(
                    action=services.SCHEDULE_PUBLISHED, details__schedule=schedule.pk
                )
                .order_by("-at")
                .first()
            )
            changed_ids = entry.details.get("changed_clinicians", []) if entry else []
            previous_version = entry.details.get("previous_version") if entry else None
            current = None
        else:
            current = Schedule.objects.filter(event=self.event, is_published=True).first()
            changed_ids = services.changed_itineraries(old=current, new=schedule)
            if "broken" not in kwargs:
                kwargs["broken"] = services.check_version(schedule=schedule)
            previous_version = current.version if current else None
        changed = list(
            Clinician.objects.filter(pk__in=changed_ids).select_related(
                "specialty", "department__site"
            )
        )
        if schedule.is_published:
            # The print and email actions come from the app above (itineraries).
            kwargs["panels"] = event_panels(
                "schedule-published",
                event=self.event,
                request=self.request,
                changed=len(changed),
                previous_version=previous_version,
            )
        return super().get_context_data(
            current=current,
            previous_version=previous_version,
            changed=changed,
            publisher=schedule.published_by,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        schedule = _schedule(self)
        try:
            schedule = services.publish_schedule(schedule=schedule, by=request.user)
        except ValidationError as error:
            self.object = schedule
            return self.render_to_response(self.get_context_data(broken=error.messages))
        messages.success(
            request,
            f"Version {schedule.version} is published: clinicians now see it. Reprint the "
            "itineraries listed below.",
        )
        return redirect("rotations:schedule_publish", event_pk=self.event.pk, pk=schedule.pk)


class ScheduleExportView(OrganizerMixin, EventScopedMixin, View):
    """A version (draft or published) as a download: ``?format=xlsx`` (both views, one sheet
    each; the default) or ``?format=csv&view=groups|tables`` (one view a file)."""

    permission_required = "rotations.view_schedule"

    def get(self, request, *args, **kwargs):
        schedule = _schedule(self)
        schedule.event = self.event
        kind = request.GET.get("format", "xlsx")
        if kind == "xlsx":
            response = HttpResponse(
                exports.schedule_workbook(schedule=schedule),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            filename = exports.export_filename(schedule=schedule, extension="xlsx")
        elif kind == "csv":
            view = request.GET.get("view", exports.GROUPS)
            if view not in exports.VIEWS:
                raise Http404("No such view of the schedule.")
            response = StreamingHttpResponse(
                exports.schedule_csv(schedule=schedule, view=view),
                content_type="text/csv; charset=utf-8",
            )
            filename = exports.export_filename(schedule=schedule, extension="csv", view=view)
        else:
            raise Http404("No such export format.")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class ScheduleMasterPdfView(OrganizerMixin, EventScopedMixin, View):
    """The room's master grid of a version as a PDF: tables × rounds, group names in the
    cells, one A3 landscape page for an event the size of the demo's."""

    permission_required = "rotations.view_schedule"

    def get(self, request, *args, **kwargs):
        schedule = _schedule(self)
        schedule.event = self.event
        response = HttpResponse(
            exports.render_master_grid_pdf(schedule=schedule), content_type="application/pdf"
        )
        filename = exports.export_filename(schedule=schedule, extension="pdf", view="grid")
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        return response
