"""The organizer's event pages: the event and its steps, attendance, tables and anchors,
travelling groups, check-in. Thin views: bind a form, call a service, redirect."""

import datetime
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View
from django.views.generic import (
    CreateView,
    DetailView,
    FormView,
    ListView,
    TemplateView,
    UpdateView,
)

from accounts.http import safe_next_url
from accounts.permissions import OrganizerMixin
from clinicians.models import Clinician
from clinicians.views import SESSION_LAST_IMPORT, RosterUploadMixin

from . import queries, rules, services
from .forms import (
    AnchorForm,
    AnchorPresenceForm,
    AnchorRoundsForm,
    AttendanceStatusForm,
    AttendeeSearchForm,
    EventCopyForm,
    EventForm,
    FormGroupsForm,
    GroupForm,
    MoveMemberForm,
    TableForm,
    default_event_date,
)
from .models import Anchor, Attendance, Event, Table, TravelGroup
from .permissions import EventScopedMixin, events_for_user, get_event_for_user


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def roster_import_url(event: Event) -> str:
    """The roster import, offering to add everyone in the file to this event in the same step
    (``then``: ``AttendanceImportView``) and coming back to the event's attendance; "Only
    import them" comes back to the catalogue showing who was imported, to choose from."""
    back = reverse("events:attendance_create", kwargs={"event_pk": event.pk}) + "?imported=1"
    then = reverse("events:attendance_import", kwargs={"event_pk": event.pk})
    return f"{reverse('clinicians:import')}?{urlencode({'next': back, 'then': then})}"


# Events


class EventListView(OrganizerMixin, ListView):
    permission_required = "events.view_event"
    template_name = "events/event_list.html"
    context_object_name = "events"

    def get_queryset(self):
        self.archived = self.request.GET.get("archived") == "1"
        events = events_for_user(user=self.request.user).select_related("region")
        events = events.filter(archived_at__isnull=not self.archived)
        return queries.annotate_event_counts(events).order_by("date", "name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["archived"] = self.archived
        today = timezone.localdate()
        events = list(context["events"])
        context["upcoming"] = [e for e in events if e.date >= today]
        context["past"] = sorted(
            (e for e in events if e.date < today), key=lambda e: e.date, reverse=True
        )
        return context


# Session key: the "Create event" pages already submitted (token -> the event's id).
SESSION_CREATED_EVENTS = "events_created"


class EventCreateView(OrganizerMixin, CreateView):
    """A new event. The form carries a one-time token: submitting the same page again (Back
    and submit, a double click) goes to the event it created instead of making another;
    ``services.create_event`` also finds an identical event made a moment ago."""

    permission_required = "events.add_event"
    model = Event
    form_class = EventForm
    template_name = "events/event_form.html"

    def get_initial(self):
        return {"date": default_event_date(), "submission": uuid.uuid4().hex}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def post(self, request, *args, **kwargs):
        token = request.POST.get("submission", "")
        pk = request.session.get(SESSION_CREATED_EVENTS, {}).get(token)
        done = events_for_user(user=request.user).filter(pk=pk).first() if pk else None
        if done is not None:
            messages.info(request, f"{done.name} was already created by this form.")
            return redirect(done)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        self.object, created = services.create_event(event=form.instance, by=self.request.user)
        token = form.cleaned_data.get("submission")
        if token:
            done = self.request.session.get(SESSION_CREATED_EVENTS, {})
            done[token] = self.object.pk
            # The last few are enough to catch a page submitted twice.
            self.request.session[SESSION_CREATED_EVENTS] = dict(list(done.items())[-20:])
        if created:
            messages.success(
                self.request,
                f"{self.object.name} is created. Next: add the attendees, tables and groups.",
            )
        else:
            messages.info(self.request, f"{self.object.name} was already created a moment ago.")
        return redirect(self.object)


class EventDetailView(OrganizerMixin, DetailView):
    permission_required = "events.view_event"
    template_name = "events/event_detail.html"
    context_object_name = "event"

    def get_object(self, queryset=None):
        return get_event_for_user(user=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["steps"] = queries.event_steps(self.object)
        context["timetable"] = self.object.timetable()
        return context


class EventUpdateView(OrganizerMixin, UpdateView):
    permission_required = "events.change_event"
    form_class = EventForm
    template_name = "events/event_form.html"

    def get_object(self, queryset=None):
        return get_event_for_user(user=self.request.user, pk=self.kwargs["pk"], for_update=True)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            self.object = services.update_event(event=form.instance, by=self.request.user)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, "The event's details are saved.")
        return redirect(self.object)


class EventCopyView(OrganizerMixin, EventScopedMixin, FormView):
    """Copy this evening: a new event with this one's set-up (``services.copy_event``)."""

    permission_required = "events.add_event"
    form_class = EventCopyForm
    template_name = "events/event_copy.html"

    def get_initial(self):
        return {
            "name": f"{self.event.name} (copy)",
            "date": max(self.event.date, timezone.localdate()) + datetime.timedelta(days=7),
            "venue": self.event.venue,
        }

    def form_valid(self, form):
        copy = services.copy_event(event=self.event, by=self.request.user, **form.cleaned_data)
        messages.success(
            self.request,
            f"{copy.name} is created with the tables and anchors of {self.event.name}. "
            "Next: add the attendees, then form the groups.",
        )
        return redirect(copy)


class EventArchiveView(OrganizerMixin, EventScopedMixin, View):
    """Archive (or, with ``restore``, bring back) an event: POST only."""

    permission_required = "events.change_event"
    event_for_update = True
    restore = False

    def post(self, request, *args, **kwargs):
        if self.restore:
            services.restore_event(event=self.event, by=request.user)
            messages.success(request, f"{self.event.name} is back in the event list.")
        else:
            services.archive_event(event=self.event, by=request.user)
            messages.success(
                request,
                f"{self.event.name} is archived: it is listed under “Archived events”.",
            )
        return redirect(self.event)


class EventDeleteView(OrganizerMixin, EventScopedMixin, TemplateView):
    """Delete an event after a confirmation page that says what goes with it, or why not."""

    permission_required = "events.delete_event"
    event_for_update = True
    template_name = "events/event_confirm_delete.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            rules.check_delete(obj=self.event)
        except ValidationError as error:
            context["refusal"] = _error_text(error)
        context["counts"] = {
            "attendees": self.event.attendances.count(),
            "tables": self.event.tables.count(),
            "groups": self.event.groups.count(),
        }
        return context

    def post(self, request, *args, **kwargs):
        try:
            services.delete_event(event=self.event, by=request.user)
        except ValidationError as error:
            return self.render_to_response(
                self.get_context_data(refusal=_error_text(error)), status=409
            )
        messages.success(request, f"{self.event.name} is deleted.")
        return redirect("events:list")


# Attendance


class AttendanceListView(OrganizerMixin, EventScopedMixin, ListView):
    permission_required = "events.view_attendance"
    template_name = "events/attendance_list.html"
    context_object_name = "attendances"

    def get_queryset(self):
        return queries.attendances_for(self.event)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["counts"] = queries.attendance_counts(context["attendances"])
        context["statuses"] = Attendance.Status.choices
        context["import_url"] = roster_import_url(self.event)
        return context


class AttendanceCreateView(OrganizerMixin, EventScopedMixin, ListView):
    """The clinician catalogue, filtered, with checkboxes to add people to the event."""

    permission_required = "events.add_attendance"
    event_for_update = True
    template_name = "events/attendance_form.html"
    context_object_name = "clinicians"
    paginate_by = 100

    def get_filter_form(self):
        return AttendeeSearchForm(self.request.GET or None)

    def get_queryset(self):
        self.filter_form = self.get_filter_form()
        clinicians = (
            Clinician.objects.active()
            .select_related("department__site", "specialty")
            .prefetch_related("sites")
            .annotate(
                attending=Exists(
                    Attendance.objects.filter(event=self.event, clinician=OuterRef("pk"))
                )
            )
        )
        if self.request.GET.get("imported"):
            # Only the clinicians of this session's last roster import.
            clinicians = clinicians.filter(pk__in=self.request.session.get(SESSION_LAST_IMPORT, []))
        return self.filter_form.filter(clinicians).order_by("last_name", "first_name", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["only_imported"] = bool(self.request.GET.get("imported"))
        context["import_url"] = roster_import_url(self.event)
        queryset = self.object_list
        context["matching"] = queryset.count()
        context["matching_new"] = queryset.filter(attending=False).count()
        context["querystring"] = self.request.GET.urlencode()
        return context

    def post(self, request, *args, **kwargs):
        clinicians = self.get_queryset().filter(attending=False)
        if "add_all" not in request.POST:
            # isdigit() takes "²", which int() refuses; past 18 digits SQLite overflows.
            ids = [i for i in request.POST.getlist("clinicians") if i.isdecimal() and len(i) < 19]
            clinicians = clinicians.filter(pk__in=ids)
        added = services.add_attendees(event=self.event, clinicians=clinicians, by=request.user)
        if added:
            messages.success(request, f"{added} clinician{'s' if added != 1 else ''} added.")
        else:
            messages.warning(request, "Nobody was added: tick the clinicians to add first.")
        url = reverse("events:attendance_create", kwargs={"event_pk": self.event.pk})
        query = request.GET.urlencode()
        return redirect(f"{url}?{query}" if query else url)


class AttendanceImportView(OrganizerMixin, EventScopedMixin, RosterUploadMixin, View):
    """Import the roster upload posted as ``token`` (from its preview) and add everyone in it
    to this event, all or nothing (``services.import_roster_as_attendees``): POST only."""

    permission_required = ("events.add_attendance", "clinicians.add_clinician")
    event_for_update = True

    def get_next(self) -> str:
        return reverse("events:attendance_list", kwargs={"event_pk": self.event.pk})

    def post(self, request, *args, **kwargs):
        added: list[int] = []

        def write(preview, name):
            result, count = services.import_roster_as_attendees(
                event=self.event, preview=preview, filename=name, by=request.user
            )
            added.append(count)
            return result

        response = self.confirm_import(write)
        if added:
            messages.success(
                request,
                f"{added[0]} clinician{'s' if added[0] != 1 else ''} added to {self.event.name}. "
                "Next: the tables.",
            )
        return response


class AttendanceStatusView(OrganizerMixin, EventScopedMixin, View):
    permission_required = "events.change_attendance"
    event_for_update = True

    def post(self, request, *args, **kwargs):
        attendance = get_object_or_404(
            self.event.attendances.select_related("clinician"), pk=kwargs["pk"]
        )
        form = AttendanceStatusForm(request.POST)
        if form.is_valid():
            services.set_attendance_status(
                attendance=attendance, status=form.cleaned_data["status"]
            )
            messages.success(
                request,
                f"{attendance.clinician.full_name}: {attendance.get_status_display().lower()}.",
            )
        else:
            messages.error(request, "Choose one of the listed statuses.")
        default = reverse("events:attendance_list", kwargs={"event_pk": self.event.pk})
        return redirect(safe_next_url(request, default))


class AttendanceDeleteView(OrganizerMixin, EventScopedMixin, View):
    permission_required = "events.delete_attendance"
    event_for_update = True

    def post(self, request, *args, **kwargs):
        attendance = get_object_or_404(
            self.event.attendances.select_related("clinician", "event"), pk=kwargs["pk"]
        )
        name = attendance.clinician.full_name
        try:
            also = services.remove_attendance(attendance=attendance, by=request.user)
        except ValidationError as error:
            messages.error(request, _error_text(error))
            return redirect("events:attendance_list", event_pk=self.event.pk)
        messages.success(request, f"{name} removed" + (f" ({'; '.join(also)})." if also else "."))
        return redirect("events:attendance_list", event_pk=self.event.pk)


class CheckInView(OrganizerMixin, EventScopedMixin, ListView):
    """The day itself: who has arrived, who has not."""

    permission_required = "events.change_attendance"
    template_name = "events/attendance_checkin.html"
    context_object_name = "attendances"

    def get_queryset(self):
        return queries.attendances_for(self.event)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["counts"] = queries.attendance_counts(context["attendances"])
        # The re-plan box comes from the app that plans the rounds (events does not know it).
        context["panels"] = queries.event_panels("checkin", event=self.event, request=self.request)
        return context


class EventFinishView(OrganizerMixin, EventScopedMixin, View):
    """After the day: the published schedule becomes history of who has met whom."""

    permission_required = "events.change_event"
    event_for_update = True

    def post(self, request, *args, **kwargs):
        try:
            services.finish_event(event=self.event, by=request.user)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request,
                f"{self.event.name} is finished. The next events will prefer tables its "
                "groups have not met yet.",
            )
        return redirect("events:checkin", event_pk=self.event.pk)


# Tables and anchors


class TableListView(OrganizerMixin, EventScopedMixin, ListView):
    permission_required = "events.view_table"
    template_name = "events/table_list.html"
    context_object_name = "tables"

    def get_queryset(self):
        return queries.tables_for(self.event)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rounds = self.event.rounds
        context["rows"] = [
            {
                "table": table,
                "anchors": list(table.anchors.all()),
                "available": queries.table_available_rounds(table, rounds),
            }
            for table in context["tables"]
        ]
        return context


class TableFormMixin(OrganizerMixin, EventScopedMixin):
    event_for_update = True
    form_class = TableForm
    template_name = "events/table_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "event": self.event}

    def get_success_url(self):
        return reverse("events:table_list", kwargs={"event_pk": self.event.pk})


class TableCreateView(TableFormMixin, CreateView):
    permission_required = "events.add_table"

    def get_initial(self):
        return {"number": services.suggest_table_number(event=self.event), "capacity": 1}

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request,
            f"{self.object} added. Now seat its anchor.",
        )
        return response


class TableUpdateView(TableFormMixin, UpdateView):
    permission_required = "events.change_table"

    def get_object(self, queryset=None):
        return get_object_or_404(self.event.tables, pk=self.kwargs["pk"])

    def form_valid(self, form):
        form.instance.event = self.event
        try:
            services.update_table(table=form.instance, by=self.request.user)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, "The table is saved.")
        return redirect(self.get_success_url())


class TableDeleteView(OrganizerMixin, EventScopedMixin, View):
    permission_required = "events.delete_table"
    event_for_update = True

    def post(self, request, *args, **kwargs):
        table = get_object_or_404(
            self.event.tables.select_related("specialty", "event"), pk=kwargs["pk"]
        )
        try:
            services.delete_table(table=table, by=request.user)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, f"{table} deleted.")
        return redirect("events:table_list", event_pk=self.event.pk)


class TablesFromSpecialtiesView(OrganizerMixin, EventScopedMixin, View):
    """One table per specialty of the attending specialists not yet seated, each seated at
    its table (``services.add_tables_for_specialties``): POST only."""

    permission_required = "events.add_table"
    event_for_update = True

    def post(self, request, *args, **kwargs):
        tables = services.add_tables_for_specialties(
            event=self.event, seat_specialists=True, by=request.user
        )
        if tables:
            names = ", ".join(t.specialty.name for t in tables)
            messages.success(
                request,
                f"{len(tables)} table{'s' if len(tables) != 1 else ''} added, each with its "
                f"attending specialists seated: {names}.",
            )
        else:
            messages.warning(
                request,
                "No table added: every attending specialist's specialty already has a table.",
            )
        return redirect("events:table_list", event_pk=self.event.pk)


class TableSeatView(OrganizerMixin, EventScopedMixin, View):
    """Seat every attending specialist of the table's specialty not yet seated: POST only."""

    permission_required = "events.add_anchor"
    event_for_update = True

    def post(self, request, *args, **kwargs):
        table = get_object_or_404(
            self.event.tables.select_related("specialty", "event"), pk=kwargs["pk"]
        )
        anchors = services.seat_attending_specialists(table=table, by=request.user)
        if anchors:
            names = ", ".join(a.clinician.full_name for a in anchors)
            messages.success(request, f"Seated at table {table.number}: {names}.")
        else:
            messages.warning(
                request,
                f"Nobody to seat: every attending {table.specialty.name} specialist "
                "anchors a table already.",
            )
        return redirect("events:table_list", event_pk=self.event.pk)


class AnchorPresenceView(OrganizerMixin, EventScopedMixin, FormView):
    """When the anchors are present, each as a range of rounds, saved at once: all of the
    event's anchors, or one table's (``?table=<id>``)."""

    permission_required = "events.change_anchor"
    event_for_update = True
    form_class = AnchorPresenceForm
    template_name = "events/anchor_presence_form.html"

    def get_table(self) -> Table | None:
        table_id = self.request.GET.get("table", "")
        if not table_id.isdecimal() or len(table_id) > 18:
            return None
        return get_object_or_404(self.event.tables.select_related("specialty"), pk=table_id)

    def get_anchors(self):
        anchors = self.event.anchors.select_related("clinician", "table__specialty").order_by(
            "table__number", "clinician__last_name", "clinician__first_name", "pk"
        )
        table = self.get_table()
        return anchors.filter(table=table) if table else anchors

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "event": self.event, "anchors": self.get_anchors()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(table=self.get_table(), **kwargs)

    def form_valid(self, form):
        try:
            changed = services.set_anchors_ranges(
                event=self.event, ranges=form.changed_ranges(), by=self.request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        if changed:
            rounds = self.event.rounds
            messages.success(
                self.request,
                "Saved: "
                + "; ".join(
                    f"{a.clinician.full_name} in rounds "
                    f"{queries.round_ranges(a.present_rounds(rounds))}"
                    for a in changed
                )
                + ".",
            )
        else:
            messages.info(self.request, "No anchor's rounds changed.")
        return redirect("events:table_list", event_pk=self.event.pk)


class AnchorCreateView(OrganizerMixin, EventScopedMixin, FormView):
    permission_required = "events.add_anchor"
    event_for_update = True
    form_class = AnchorForm
    template_name = "events/anchor_form.html"

    def get_table(self) -> Table:
        if not hasattr(self, "table"):
            self.table = get_object_or_404(
                self.event.tables.select_related("specialty", "event"), pk=self.kwargs["table_pk"]
            )
        return self.table

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "table": self.get_table()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(table=self.get_table(), **kwargs)

    def form_valid(self, form):
        clinician = form.cleaned_data["clinician"]
        try:
            services.add_anchor(
                table=self.get_table(),
                clinician=clinician,
                present_rounds=form.cleaned_data["present_rounds"],
                by=self.request.user,
            )
        except ValidationError as error:
            form.add_error("clinician", error)
            return self.form_invalid(form)
        messages.success(
            self.request, f"{clinician.full_name} anchors table {self.get_table().number}."
        )
        return redirect("events:table_list", event_pk=self.event.pk)


class AnchorUpdateView(OrganizerMixin, EventScopedMixin, FormView):
    permission_required = "events.change_anchor"
    event_for_update = True
    form_class = AnchorRoundsForm
    template_name = "events/anchor_form.html"

    def get_anchor(self) -> Anchor:
        if not hasattr(self, "anchor"):
            self.anchor = get_object_or_404(
                self.event.anchors.select_related("clinician", "table__specialty", "event"),
                pk=self.kwargs["pk"],
            )
        return self.anchor

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "anchor": self.get_anchor()}

    def get_context_data(self, **kwargs):
        anchor = self.get_anchor()
        return super().get_context_data(anchor=anchor, table=anchor.table, **kwargs)

    def form_valid(self, form):
        try:
            anchor = services.set_anchor_rounds(
                anchor=self.get_anchor(),
                present_rounds=form.cleaned_data["present_rounds"],
                by=self.request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{anchor.clinician.full_name}'s rounds are saved.")
        return redirect("events:table_list", event_pk=self.event.pk)


class AnchorDeleteView(OrganizerMixin, EventScopedMixin, View):
    permission_required = "events.delete_anchor"
    event_for_update = True

    def post(self, request, *args, **kwargs):
        anchor = get_object_or_404(
            self.event.anchors.select_related("clinician", "table", "event"), pk=kwargs["pk"]
        )
        try:
            services.delete_anchor(anchor=anchor, by=request.user)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request,
                f"{anchor.clinician.full_name} no longer anchors table {anchor.table.number} "
                "(still attending).",
            )
        return redirect("events:table_list", event_pk=self.event.pk)


# Travelling groups


class GroupListView(OrganizerMixin, EventScopedMixin, ListView):
    permission_required = "events.view_travelgroup"
    template_name = "events/travelgroup_list.html"
    context_object_name = "groups"

    def get_queryset(self):
        return queries.groups_for(self.event)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tables = list(self.event.tables.select_related("specialty"))
        context["reports"] = queries.group_reports(self.event, context["groups"], tables)
        context["warned"] = [report for report in context["reports"] if report.warnings]
        context["tables"] = tables
        context["ungrouped"] = list(queries.ungrouped_primary_care(self.event))
        context["form_groups_form"] = FormGroupsForm(
            initial={
                "min_size": self.event.group_min_size,
                "max_size": self.event.group_max_size,
            }
        )
        context["group_choices"] = [(g.pk, g.name) for g in context["groups"]]
        # The next step's box (solving) comes from the app that plans the rounds.
        context["panels"] = queries.event_panels("groups", event=self.event, request=self.request)
        return context


class GroupFormView(OrganizerMixin, EventScopedMixin, FormView):
    """Form the groups automatically (POST from the group list). When that deletes groups or
    schedule versions, a confirmation page names them first; its POST carries what it named,
    so a version written in between is asked about again rather than lost unseen."""

    permission_required = "events.add_travelgroup"
    event_for_update = True
    form_class = FormGroupsForm
    http_method_names = ["post"]
    template_name = "events/travelgroup_form_confirm.html"

    def form_invalid(self, form):
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        messages.error(self.request, " ".join(errors))
        return redirect("events:group_list", event_pk=self.event.pk)

    def form_valid(self, form):
        try:
            services.check_groups_may_be_formed(event=self.event)
            replaced = services.groups_replaced(event=self.event)
        except ValidationError as error:
            messages.error(self.request, _error_text(error))
            return redirect("events:group_list", event_pk=self.event.pk)
        token = replaced.token
        if replaced and self.request.POST.get("confirm") != token:
            return self.render_to_response(
                self.get_context_data(form=form, replaced=replaced, confirm_token=token)
            )
        try:
            groups = services.form_groups(
                event=self.event,
                min_size=form.cleaned_data["min_size"],
                max_size=form.cleaned_data["max_size"],
                by=self.request.user,
            )
        except ValidationError as error:
            messages.error(self.request, _error_text(error))
            return redirect("events:group_list", event_pk=self.event.pk)
        if groups:
            messages.success(
                self.request,
                f"{len(groups)} group{'' if len(groups) == 1 else 's'} formed. Adjust by hand "
                "if needed.",
            )
        else:
            messages.warning(
                self.request,
                "No group formed: no primary-care clinician attends yet. Add attendees first.",
            )
        return redirect("events:group_list", event_pk=self.event.pk)


class GroupCreateView(OrganizerMixin, EventScopedMixin, CreateView):
    permission_required = "events.add_travelgroup"
    event_for_update = True
    form_class = GroupForm
    template_name = "events/travelgroup_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "event": self.event}

    def form_valid(self, form):
        group = services.create_group(
            event=self.event,
            name=form.cleaned_data["name"],
            track=form.cleaned_data["track"],
            by=self.request.user,
        )
        messages.success(self.request, f"{group.name} created: move clinicians into it.")
        return redirect("events:group_list", event_pk=self.event.pk)


class GroupUpdateView(OrganizerMixin, EventScopedMixin, UpdateView):
    permission_required = "events.change_travelgroup"
    event_for_update = True
    form_class = GroupForm
    template_name = "events/travelgroup_form.html"

    def get_object(self, queryset=None):
        return get_object_or_404(self.event.groups.select_related("event"), pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "event": self.event}

    def form_valid(self, form):
        try:
            consequences = services.update_group(
                group=self.object,
                name=form.cleaned_data["name"],
                track=form.cleaned_data["track"],
                by=self.request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{self.object.name} is saved.")
        for consequence in consequences:
            messages.warning(self.request, consequence)
        return redirect("events:group_list", event_pk=self.event.pk)


class GroupDeleteView(OrganizerMixin, EventScopedMixin, View):
    permission_required = "events.delete_travelgroup"
    event_for_update = True

    def post(self, request, *args, **kwargs):
        group = get_object_or_404(self.event.groups.select_related("event"), pk=kwargs["pk"])
        try:
            services.delete_group(group=group, by=request.user)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, f"{group.name} deleted; its members are ungrouped.")
        return redirect("events:group_list", event_pk=self.event.pk)


class MemberMoveView(OrganizerMixin, EventScopedMixin, View):
    """Put a primary-care attendee into a group (from another group or from none)."""

    permission_required = "events.change_travelgroup"
    event_for_update = True

    def post(self, request, *args, **kwargs):
        form = MoveMemberForm(request.POST, event=self.event)
        if not form.is_valid():
            messages.error(request, "Choose a clinician and a group of this event.")
            return redirect("events:group_list", event_pk=self.event.pk)
        clinician = form.cleaned_data["clinician"]
        if not self.event.attendances.filter(clinician=clinician).exists():
            messages.error(request, f"{clinician.full_name} does not attend this event.")
            return redirect("events:group_list", event_pk=self.event.pk)
        group: TravelGroup = form.cleaned_data["group"]
        try:
            warnings = services.move_member(
                event=self.event, clinician=clinician, to_group=group, by=request.user
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, f"{clinician.full_name} is now in {group.name}.")
            for warning in warnings:
                messages.warning(request, warning)
        return redirect(
            reverse("events:group_list", kwargs={"event_pk": self.event.pk}) + f"#group-{group.pk}"
        )
