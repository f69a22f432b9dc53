"""Itinerary pages: the clinician's personal pages (a link token, no login) and the organizer's
pages for links, emails and printing (login and `events.view_event`)."""

import dataclasses
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.cache import cache
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import escape
from django.utils.text import slugify
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from accounts.http import personal_page
from events.models import Attendance, Event
from events.permissions import EventScopedMixin

from .assembly import Itinerary, get_itinerary, get_published_schedules, get_table_itinerary
from .calendars import build_calendar
from .documents import render_itineraries_pdf, render_table_signs_pdf
from .emails import link_email
from .exports import attendee_filename, attendees_csv, attendees_workbook
from .links import (
    PersonalLink,
    find_personal_link,
    get_table_for_token,
    itinerary_path,
    load_link_attendance,
)
from .models import LinkEmail
from .queries import get_changed_clinician_ids, plan_link_emails
from .services import StaleMailing, reissue_link, send_link_emails
from .signals import cards_for
from .tasks import get_pdf_progress, itineraries_pdf_path, render_itineraries_pdf_task

# A request renders fewer itineraries than this (a few pages, a second or so); a PDF of more
# is rendered by a Celery task, in chunks, while the status page shows its progress.
SYNC_PDF_MAX_ATTENDEES = 12
# How long a queued itineraries PDF counts as being prepared; past it (a lost task) the status
# page offers the button again.
PDF_QUEUED_SECONDS = 15 * 60
# How long a rendered personal page is kept for its token and published version.
ITINERARY_CACHE_SECONDS = 60


class PersonalLinkMixin:
    """A view reached by a personal link: an unknown, revoked or tampered token is a 404, the
    same for all. Never cached: a reissued link must stop working at once."""

    @method_decorator(never_cache)
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)


# Stand-ins for one person's own words in a page kept for their whole group (they are in
# none of the names, numbers or links a page holds otherwise); filled in per request.
_SLOTS = (
    SimpleNamespace(full_name="rounds-slot-name-q7x", credentials="rounds-slot-credentials-q7x"),
    SimpleNamespace(pk="rounds-slot-pk-q7x", link_token="rounds-slot-token-q7x"),
)


class CachedByVersionMixin:
    """Keep a personal page's rendered response for a short while, keyed on the published
    version: at the start of an event everyone opens their link at once, in any order.

    One query a request when the page is kept (``find_personal_link``: the token, so a
    reissued link is a 404 at once; which version is published, so a republish shows at once;
    and the group), and one cache read. A traveller's page is kept once for the whole group
    (``shared_by_group``), with their name and link filled in per request, so a venue of random
    links renders a page a group, not a page a person; others' pages are kept per token. Other
    edits, such as a name spelt anew, show within ``ITINERARY_CACHE_SECONDS``. A page is
    rendered without the organizers' context processors (no session, user or messages)."""

    shared_by_group = False

    def get(self, request, *args, **kwargs):
        link = find_personal_link(token=self.kwargs["token"])
        if link is None:
            raise Http404("No such link.")
        by_group = (
            self.shared_by_group
            and link.group_id is not None
            and link.published_id is not None
            and link.status != Attendance.Status.NO_SHOW
        )
        whose = f"g{link.group_id}" if by_group else link.token
        key = f"itinerary:{self.cache_name}:{whose}:{link.version}"
        cached = cache.get(key)
        if cached is None:
            loaded = load_link_attendance(link=link)
            if loaded is None:  # deleted since the lookup
                raise Http404("No such link.")
            self.attendance, self.published = loaded
            self.membership = (link.group_id, link.group_name) if link.group_id else None
            response = self.render_fresh(request, *args, slots=by_group, **kwargs)
            headers = {
                name: response[name]
                for name in ("Content-Type", "Content-Disposition")
                if name in response
            }
            cached = (response.content, headers)
            cache.set(key, cached, ITINERARY_CACHE_SECONDS)
        content, headers = cached
        if by_group:
            content = _fill_slots(content, link=link)
        return personal_page(HttpResponse(content, headers=headers))

    def render_fresh(self, request, *args, slots: bool = False, **kwargs) -> HttpResponse:
        """The response itself, rendered now (the view's template with its context, and no
        context processors); with ``slots``, with stand-ins for the person's own name and link
        (``_fill_slots``)."""
        self.slots = slots
        context = self.get_context_data(**kwargs)
        return HttpResponse(render_to_string(self.get_template_names(), context, using="jinja2"))

    def get_attendance(self) -> Attendance:
        # Loaded by get() when the page is rendered anew, with its event and clinician.
        return self.attendance

    def get_itinerary(self) -> Itinerary:
        """The itinerary to render anew, from what get() has read."""
        return get_itinerary(
            attendance=self.attendance, published=self.published, membership=self.membership
        )


def _fill_slots(content: bytes, *, link: PersonalLink) -> bytes:
    """A page kept for a group, with this attendee's name, credentials and link in it."""
    person = _SLOTS
    for slot, value in (
        (person[0].full_name, escape(link.full_name)),
        (person[0].credentials, escape(link.credentials)),
        (person[1].pk, str(link.attendance_id)),
        (person[1].link_token, link.token),
    ):
        content = content.replace(slot.encode(), value.encode())
    return content


class ItineraryDetailView(CachedByVersionMixin, PersonalLinkMixin, TemplateView):
    """A clinician's itinerary from the published schedule."""

    template_name = "itineraries/itinerary_detail.html"
    cache_name = "page"
    shared_by_group = True

    def get_context_data(self, **kwargs):
        itinerary = self.get_itinerary()
        if getattr(self, "slots", False):
            clinician, attendance = _SLOTS
            itinerary = dataclasses.replace(itinerary, clinician=clinician, attendance=attendance)
        cards = cards_for(attendance=itinerary.attendance, event=itinerary.event)
        return super().get_context_data(itinerary=itinerary, cards=cards, **kwargs)


class ItineraryPrintView(ItineraryDetailView):
    """The same itinerary on a page made for printing."""

    template_name = "itineraries/itinerary_print.html"
    cache_name = "print"


class ItineraryCalendarView(CachedByVersionMixin, PersonalLinkMixin, View):
    """The itinerary as an .ics file."""

    cache_name = "ics"

    def render_fresh(self, request, token, slots=False):
        itinerary = self.get_itinerary()
        response = HttpResponse(
            build_calendar(itinerary=itinerary), content_type="text/calendar; charset=utf-8"
        )
        filename = f"{slugify(itinerary.event.name) or 'rounds'}.ics"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return personal_page(response)


@method_decorator(never_cache, name="dispatch")
class TableDetailView(TemplateView):
    """A table's page, opened from the QR code on its sign: the groups of each round."""

    template_name = "itineraries/itinerary_table.html"
    template_engine = "jinja2"

    def get_context_data(self, **kwargs):
        table = get_table_for_token(token=self.kwargs["token"])
        if table is None:
            raise Http404("No such table.")
        return super().get_context_data(itinerary=get_table_itinerary(table=table), **kwargs)

    def render_to_response(self, context, **response_kwargs):
        return personal_page(super().render_to_response(context, **response_kwargs))


# Organizer pages -----------------------------------------------------------------------------


class EventItinerariesMixin(PermissionRequiredMixin, EventScopedMixin):
    """An organizer's page of one event: login and `events.view_event` (403 without it), and
    an event the user may see (404 for another region's); pages that change something need
    `events.change_event` too."""

    permission_required = "events.view_event"

    def get_event(self) -> Event:
        return self.event

    def get_list_url(self) -> str:
        return reverse("itineraries:list", kwargs={"event_pk": self.kwargs["event_pk"]})

    def get_printable_schedule(self, event: Event):
        """The event's published version, or None with a message to the organizer that there
        is nothing to print yet."""
        schedule, _ = get_published_schedules(event=event)
        if schedule is None:
            messages.error(
                self.request, "The schedule is not published yet: there is nothing to print."
            )
        return schedule


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    """``pdf`` shown in the browser, saved as ``filename``."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


class AttendeeLinkListView(EventItinerariesMixin, TemplateView):
    """Every attendee with their personal link, to copy, reissue or send."""

    template_name = "itineraries/itinerary_list.html"

    def get_context_data(self, **kwargs):
        event = self.get_event()
        attendances = list(
            Attendance.objects.filter(event=event)
            .select_related("clinician")
            .order_by("clinician__last_name", "clinician__first_name", "pk")
        )
        links = [
            (attendance, self.request.build_absolute_uri(itinerary_path(attendance=attendance)))
            for attendance in attendances
        ]
        published = get_published_schedules(event=event)
        schedule = published[0]
        return super().get_context_data(
            event=event,
            links=links,
            schedule=schedule,
            previous=published[1],
            changed_count=len(get_changed_clinician_ids(event=event, published=published)),
            sync_pdf=len(attendances) < SYNC_PDF_MAX_ATTENDEES,
            **kwargs,
        )


class AttendeeExportView(EventItinerariesMixin, View):
    """The attendee list with personal links as a download: ``?format=xlsx`` (the default) or
    ``?format=csv``. Links are absolute, built from the request's host."""

    def get(self, request, event_pk):
        event = self.get_event()
        kind = request.GET.get("format", "xlsx")
        if kind == "xlsx":
            response = HttpResponse(
                attendees_workbook(event=event, absolute_url=request.build_absolute_uri),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        elif kind == "csv":
            response = StreamingHttpResponse(
                attendees_csv(event=event, absolute_url=request.build_absolute_uri),
                content_type="text/csv; charset=utf-8",
            )
        else:
            raise Http404("No such export format.")
        filename = attendee_filename(event=event, extension=kind)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        # The file holds every personal link: never kept by a shared cache.
        response["Cache-Control"] = "private, no-store"
        return response


class ReissueLinkView(EventItinerariesMixin, View):
    """Give one attendee a new link; the old one stops working."""

    permission_required = ("events.view_event", "events.change_event")
    event_for_update = True
    http_method_names = ["post"]

    def post(self, request, event_pk, pk):
        attendance = get_object_or_404(
            Attendance.objects.select_related("clinician", "event"), event=self.get_event(), pk=pk
        )
        reissue_link(attendance=attendance, by=request.user)
        messages.success(
            request,
            f"{attendance.clinician.full_name} has a new link; the old one no longer works.",
        )
        return redirect(self.get_list_url())


class SendLinksPreviewView(EventItinerariesMixin, TemplateView):
    """What an email of links would do, before anything is sent: how many people, who, and the
    email as it will go (``?to=changed`` or ``?to=everyone``)."""

    permission_required = ("events.view_event", "events.change_event")
    template_name = "itineraries/send_preview.html"

    def get_context_data(self, **kwargs):
        audience = self.request.GET.get("to", LinkEmail.Audience.CHANGED)
        if audience not in LinkEmail.Audience.values:
            audience = LinkEmail.Audience.CHANGED
        mailing = plan_link_emails(event=self.get_event(), audience=audience)
        sample = None
        if mailing.recipients:
            sample = link_email(
                attendance=mailing.recipients[0],
                event=mailing.event,
                absolute_url=self.request.build_absolute_uri,
                changed_at=mailing.changed_at,
            )
        return super().get_context_data(
            mailing=mailing,
            audience_label=LinkEmail.Audience(audience).label,
            sample=sample,
            **kwargs,
        )


class SendLinksView(EventItinerariesMixin, View):
    """Email their link to those the preview listed, once confirmed there; without the
    preview's confirmation nothing is sent."""

    permission_required = ("events.view_event", "events.change_event")
    event_for_update = True
    http_method_names = ["post"]

    def post(self, request, event_pk):
        audience = request.POST.get("audience", "")
        preview = reverse("itineraries:send-preview", kwargs={"event_pk": event_pk})
        if audience not in LinkEmail.Audience.values or request.POST.get("confirm") != "yes":
            messages.error(request, "Nothing was sent: confirm on this page first.")
            return redirect(f"{preview}?to={audience or LinkEmail.Audience.CHANGED}")
        schedule = request.POST.get("schedule", "")
        try:
            sent = send_link_emails(
                event=self.get_event(),
                audience=audience,
                # isascii: "²".isdigit() is true but int("²") fails.
                schedule_id=int(schedule) if schedule.isascii() and schedule.isdigit() else None,
                absolute_url=request.build_absolute_uri,
                by=request.user,
            )
        except StaleMailing as error:
            messages.error(request, str(error))
            return redirect(f"{preview}?to={audience}")
        if sent == 0:
            messages.info(request, "No email was sent: everyone listed had theirs already.")
        else:
            plural = "" if sent == 1 else "s"
            messages.success(
                request,
                f"Sent {sent} email{plural} with personal links. They go out in the background: "
                "the Emails page shows each one.",
            )
        return redirect(self.get_list_url())


def _wants_changed(request) -> bool:
    # The changed-only PDF shares the print-all status and file pages: ?changed=1.
    return (request.GET.get("changed") or request.POST.get("changed")) == "1"


def _pdf_status_url(*, event: Event, changed: bool) -> str:
    url = reverse("itineraries:print-all-status", kwargs={"event_pk": event.pk})
    return f"{url}?changed=1" if changed else url


def _pdf_file_url(*, event: Event, changed: bool) -> str:
    url = reverse("itineraries:print-all-file", kwargs={"event_pk": event.pk})
    return f"{url}?changed=1" if changed else url


def _pdf_queued_key(*, event_id: int, schedule_id: int, changed: bool = False) -> str:
    return f"itineraries:pdf-queued:{event_id}:{schedule_id}:{int(changed)}"


class ChangedItinerariesPdfView(EventItinerariesMixin, View):
    """Only the itineraries the latest publish changed, one a page, as one PDF: to reprint
    those and no others. A few are rendered at once; more, like every itinerary, by a task
    (the print-all status page with ``?changed=1``)."""

    def get(self, request, event_pk):
        event = self.get_event()
        published = get_published_schedules(event=event)
        schedule = published[0]
        changed = get_changed_clinician_ids(event=event, published=published)
        if schedule is None or not changed:
            messages.info(request, "No itinerary changed with the published version.")
            return redirect(self.get_list_url())
        if len(changed) < SYNC_PDF_MAX_ATTENDEES:
            return _pdf_response(
                render_itineraries_pdf(event=event, clinician_ids=changed),
                filename=f"changed-itineraries-{event.pk}-{schedule.pk}.pdf",
            )
        path = itineraries_pdf_path(event_id=event.pk, schedule_id=schedule.pk, changed=True)
        if path.exists():
            return redirect(_pdf_file_url(event=event, changed=True))
        return redirect(_pdf_status_url(event=event, changed=True))


class ItinerariesPdfView(EventItinerariesMixin, View):
    """Every itinerary, one a page, as a PDF. A GET only reads: a PDF of a few pages is made
    at once; a larger one is served once a task has rendered it, else the status page says how
    it stands. A POST (the status page's button; ``changed=1`` for the changed ones only) asks
    a Celery task to render it."""

    def get(self, request, event_pk):
        event = self.get_event()
        schedule = self.get_printable_schedule(event)
        if schedule is None:
            return redirect(self.get_list_url())
        if Attendance.objects.filter(event=event).count() < SYNC_PDF_MAX_ATTENDEES:
            return _pdf_response(
                render_itineraries_pdf(event=event),
                filename=f"itineraries-{event.pk}-{schedule.pk}.pdf",
            )
        if itineraries_pdf_path(event_id=event.pk, schedule_id=schedule.pk).exists():
            return redirect(_pdf_file_url(event=event, changed=False))
        return redirect(_pdf_status_url(event=event, changed=False))

    def post(self, request, event_pk):
        event = self.get_event()
        changed = _wants_changed(request)
        schedule = self.get_printable_schedule(event)
        if schedule is None:
            return redirect(self.get_list_url())
        path = itineraries_pdf_path(event_id=event.pk, schedule_id=schedule.pk, changed=changed)
        # cache.add is the once-only guard: a second click while the task runs queues nothing.
        key = _pdf_queued_key(event_id=event.pk, schedule_id=schedule.pk, changed=changed)
        if not path.exists() and cache.add(key, True, PDF_QUEUED_SECONDS):
            args = (event.pk, schedule.pk, True) if changed else (event.pk, schedule.pk)
            transaction.on_commit(lambda: render_itineraries_pdf_task.delay(*args))
        return redirect(_pdf_status_url(event=event, changed=changed))


class ItinerariesPdfStatusView(EventItinerariesMixin, TemplateView):
    """How the task's PDF stands: ready (a download link), being prepared (how many
    itineraries of how many, and the page refreshes itself until the file is there) or not
    asked for (a button that asks). ``?changed=1``: the changed itineraries' PDF."""

    template_name = "itineraries/itinerary_pdf_status.html"

    def get_context_data(self, **kwargs):
        event = self.get_event()
        changed = _wants_changed(self.request)
        schedule, _ = get_published_schedules(event=event)
        ready = queued = False
        progress = None
        if schedule is not None:
            ids = {"event_id": event.pk, "schedule_id": schedule.pk, "changed": changed}
            ready = itineraries_pdf_path(**ids).exists()
            queued = not ready and bool(cache.get(_pdf_queued_key(**ids)))
            progress = get_pdf_progress(**ids) if queued else None
        return super().get_context_data(
            event=event,
            schedule=schedule,
            ready=ready,
            queued=queued,
            changed=changed,
            progress=progress,
            file_url=_pdf_file_url(event=event, changed=changed),
            **kwargs,
        )


class ItinerariesPdfFileView(EventItinerariesMixin, View):
    """The PDF the task rendered for the published version (``?changed=1``: the changed
    itineraries' one)."""

    def get(self, request, event_pk):
        event = self.get_event()
        schedule, _ = get_published_schedules(event=event)
        if schedule is None:
            raise Http404("The schedule is not published.")
        path = itineraries_pdf_path(
            event_id=event.pk, schedule_id=schedule.pk, changed=_wants_changed(request)
        )
        if not path.exists():
            raise Http404("The PDF is not ready.")
        return FileResponse(path.open("rb"), content_type="application/pdf", filename=path.name)


class TableSignsPdfView(EventItinerariesMixin, View):
    """One sign a table, as a PDF."""

    def get(self, request, event_pk):
        event = self.get_event()
        schedule = self.get_printable_schedule(event)
        if schedule is None:
            return redirect(self.get_list_url())
        return _pdf_response(
            render_table_signs_pdf(event=event, absolute_url=request.build_absolute_uri),
            f"table-signs-{event.pk}.pdf",
        )
