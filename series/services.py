"""Writes of the series, each in one transaction, raising ``ValidationError`` with a message
for the organizer or the clinician when refused:

- creating a series, its planning settings, and adding evenings (the evening's event is a
  copy of a template event, ``events.services.copy_event``, or a fresh one);
- inviting the eligible clinicians of an evening and reminding those who have not answered,
  by email, never twice (what was sent is recorded in the same transaction);
- replies by personal link (``reply``), with the cap and its waiting list;
- feeding replies into the evening's event: attendance and presence (``bring_into_event``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services import display_name, record_audit
from clinicians.models import Clinician, Region, Site
from events import rules
from events import services as event_services
from events.links import reissue_token
from events.models import Anchor, Attendance, Event, GroupMember, TravelGroup

from . import emails
from .models import Evening, Invitation, Series
from .queries import eligible_clinician_ids

# Audit log actions written by the series.
SERIES_CREATED = "series.created"
SERIES_CHANGED = "series.changed"
EVENING_ADDED = "series.evening_added"
EVENING_CHANGED = "series.evening_changed"
INVITATIONS_SENT = "series.invited"
REMINDERS_SENT = "series.reminded"
LINK_REISSUED = "series.link_reissued"
REPLIES_BROUGHT_IN = "series.replies_brought_in"
REPLY_NEEDS_ORGANIZER = "series.reply_needs_organizer"

# Automatic reminders (``send_due_reminders``): in the last days before the deadline, to
# those invited at least a day ago and not reminded in the last two days.
REMINDER_WINDOW = datetime.timedelta(days=3)
REMINDER_AFTER_INVITATION = datetime.timedelta(days=1)
REMINDER_GAP = datetime.timedelta(days=2)


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


# Series and evenings


@transaction.atomic
def create_series(
    *,
    name: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    regions: Iterable[Region],
    by: AbstractBaseUser | None,
    specialist_max_evenings: int = 1,
) -> Series:
    """Create a series (a season from ``starts_on`` to ``ends_on``) in ``regions``, audited
    (SERIES_CREATED), in one transaction."""
    if ends_on < starts_on:
        raise ValidationError("A series ends on or after the day it starts.")
    check_specialist_max_evenings(specialist_max_evenings)
    user = by if by is not None and by.is_authenticated else None
    series = Series.objects.create(
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        specialist_max_evenings=specialist_max_evenings,
        created_by=user,
    )
    regions = list(regions)
    series.regions.set(regions)
    record_audit(
        actor=by,
        action=SERIES_CREATED,
        target=series.name,
        message=f"{display_name(by)} created the series {series.name} "
        f"({starts_on:%-d %B %Y} to {ends_on:%-d %B %Y}"
        + (f", {', '.join(r.name for r in regions)}" if regions else "")
        + ").",
        details={"series": series.pk, "regions": [r.pk for r in regions]},
    )
    return series


def check_specialist_max_evenings(value: int | None) -> None:
    """The planner's "most evenings a specialist anchors": at least 1 (the one rule; the
    series forms and services call it)."""
    if value is None or value < 1:
        raise ValidationError(
            {"specialist_max_evenings": "A specialist anchors at least 1 evening."}
        )


def check_evening_tables(*, evening: Evening, tables: int | None) -> None:
    """How many tables an evening's venue holds: empty (the planner counts the event's tables,
    or the specialists), or at least 1 and at least the tables the event already has (a venue
    cannot hold fewer than are set up)."""
    if tables is None:
        return
    existing = evening.event.tables.count()
    if tables < max(1, existing):
        message = (
            f"The event already has {existing} tables, so the venue holds at least {existing}; "
            "remove tables from the event first, or leave this empty to count them."
            if existing > 1
            else "The venue holds at least 1 table; leave this empty to count the event's tables."
        )
        raise ValidationError({"tables": message})


def update_series(
    *, series: Series, name: str, specialist_max_evenings: int, by: AbstractBaseUser | None
) -> Series:
    """Rename ``series`` and set its planning settings (``specialist_max_evenings``), in one
    transaction, audited (SERIES_CHANGED) when something changed. The plan in force keeps
    the settings it was made with until the season is planned again."""
    check_specialist_max_evenings(specialist_max_evenings)
    with transaction.atomic():
        locked = Series.objects.select_for_update().get(pk=series.pk)
        before = (locked.name, locked.specialist_max_evenings)
        locked.name, locked.specialist_max_evenings = name, specialist_max_evenings
        locked.save(update_fields=["name", "specialist_max_evenings"])
        if before != (name, specialist_max_evenings):
            record_audit(
                actor=by,
                action=SERIES_CHANGED,
                target=locked.name,
                message=f"{display_name(by)} set {locked.name}: a specialist anchors at most "
                f"{_plural(specialist_max_evenings, 'evening')}"
                + (f" (renamed from {before[0]})" if before[0] != name else "")
                + ".",
                details={
                    "series": locked.pk,
                    "specialist_max_evenings": specialist_max_evenings,
                },
            )
    series.name, series.specialist_max_evenings = name, specialist_max_evenings
    return series


def _check_evening(
    *,
    series: Series,
    date: datetime.date,
    reply_by: datetime.datetime,
    start: datetime.datetime,
    sites: list[Site],
) -> None:
    if not series.starts_on <= date <= series.ends_on:
        raise ValidationError(
            f"Choose a date within the series: {series.starts_on:%-d %B %Y} to "
            f"{series.ends_on:%-d %B %Y}."
        )
    if reply_by >= start:
        raise ValidationError("The reply deadline must come before the evening starts.")
    if not sites:
        raise ValidationError("Choose the sites the evening covers: a region, or sites one by one.")


@transaction.atomic
def add_evening(
    *,
    series: Series,
    name: str,
    date: datetime.date,
    venue: str,
    start_time: datetime.time,
    region: Region | None,
    sites: Iterable[Site],
    reply_by: datetime.datetime,
    cap: int | None,
    template: Event | None,
    by: AbstractBaseUser | None,
) -> Evening:
    """Add an evening to ``series``, in one transaction: its event is a copy of ``template``'s
    set-up (``events.services.copy_event``: timetable, tables, anchors) or a fresh event
    starting at ``start_time``, placed in ``region``; it covers ``sites``, takes replies until
    ``reply_by`` and, with a ``cap``, takes that many (the rest join the waiting list).
    Audited (EVENING_ADDED)."""
    sites = list(sites)
    if template is not None:
        start_time = template.start_time
    start = timezone.make_aware(datetime.datetime.combine(date, start_time))
    _check_evening(series=series, date=date, reply_by=reply_by, start=start, sites=sites)
    if template is not None:
        event = event_services.copy_event(event=template, name=name, date=date, venue=venue, by=by)
        if event.region_id != (region.pk if region else None):
            event.region = region
            event.save(update_fields=["region", "updated_at"])
    else:
        event, _ = event_services.create_event(
            event=Event(name=name, date=date, venue=venue, start_time=start_time, region=region),
            by=by,
        )
    if Evening.objects.filter(event=event).exists():
        raise ValidationError(f"{event.name} is already an evening of a series.")
    evening = Evening.objects.create(
        series=series, event=event, reply_by=reply_by, cap=cap, template=template
    )
    evening.sites.set(sites)
    record_audit(
        actor=by,
        action=EVENING_ADDED,
        target=event.name,
        message=f"{display_name(by)} added {event.name} ({date:%-d %B %Y}, {venue}) to "
        f"{series.name}, covering {', '.join(s.name for s in sites)}"
        + (f", a copy of {template.name}'s set-up" if template else "")
        + (f", for at most {cap}" if cap else "")
        + ".",
        details={
            "series": series.pk,
            "evening": evening.pk,
            "event": event.pk,
            "sites": [s.pk for s in sites],
            "template": template.pk if template else None,
            "cap": cap,
        },
    )
    return evening


def update_evening(
    *,
    evening: Evening,
    reply_by: datetime.datetime,
    cap: int | None,
    tables: int | None,
    base_url: str,
    by: AbstractBaseUser | None,
) -> list[Invitation]:
    """Change an evening's reply deadline, cap and tables (how many the venue holds, for the
    planner; ``check_evening_tables``), in one transaction, audited (EVENING_CHANGED). A
    larger cap (or none) promotes the first on the waiting list, who get an email. Returns
    those promoted."""
    with transaction.atomic():
        locked = Evening.objects.select_for_update().select_related("event").get(pk=evening.pk)
        start = timezone.make_aware(
            datetime.datetime.combine(locked.event.date, locked.event.start_time)
        )
        if reply_by >= start:
            raise ValidationError("The reply deadline must come before the evening starts.")
        check_evening_tables(evening=locked, tables=tables)
        before = (locked.reply_by, locked.cap, locked.tables)
        locked.reply_by, locked.cap, locked.tables = reply_by, cap, tables
        locked.save(update_fields=["reply_by", "cap", "tables"])
        promoted = _promote_waiting(locked, base_url=base_url)
        if before != (reply_by, cap, tables):
            record_audit(
                actor=by,
                action=EVENING_CHANGED,
                target=locked.event.name,
                message=f"{display_name(by)} set the reply deadline of {locked.event.name} to "
                f"{timezone.localtime(reply_by):%-d %B %Y %H:%M} and its cap to "
                f"{cap if cap else 'none'}"
                + f"; the venue holds {_plural(tables, 'table') if tables else 'the tables set up'}"
                + (
                    f"; {_plural(len(promoted), 'person', 'people')} left the waiting list"
                    if promoted
                    else ""
                )
                + ".",
                details={
                    "evening": locked.pk,
                    "cap": cap,
                    "tables": tables,
                    "promoted": [i.pk for i in promoted],
                },
            )
    evening.reply_by, evening.cap, evening.tables = reply_by, cap, tables
    return promoted


# Invitations and reminders


@dataclass(frozen=True)
class InvitePlan:
    """Who an invitation send would reach: ``new`` eligible clinicians not yet invited, and
    ``unsent`` invitations whose email has not gone; ``already`` were invited before."""

    new: list[Clinician]
    unsent: list[Invitation]
    already: int

    @property
    def count(self) -> int:
        return len(self.new) + len(self.unsent)


def plan_invitations(*, evening: Evening) -> InvitePlan:
    """What ``send_invitations`` would send now (nothing is written)."""
    eligible = eligible_clinician_ids(evening)
    invitations = list(evening.invitations.select_related("clinician"))
    invited = {i.clinician_id for i in invitations}
    new = list(
        Clinician.objects.filter(pk__in=eligible - invited)
        .select_related("department", "specialty")
        .order_by("last_name", "first_name", "pk")
    )
    unsent = [i for i in invitations if i.sent_at is None]
    return InvitePlan(new=new, unsent=unsent, already=len(invitations) - len(unsent))


def _refuse_after_deadline(evening: Evening, now: datetime.datetime, what: str) -> None:
    if now >= evening.reply_by:
        raise ValidationError(
            f"The reply deadline of {evening.event.name} has passed "
            f"({timezone.localtime(evening.reply_by):%-d %B %Y %H:%M}): {what}"
        )


def send_invitations(
    *,
    evening: Evening,
    base_url: str,
    by: AbstractBaseUser | None,
    now: datetime.datetime | None = None,
) -> int:
    """Invite every eligible clinician of ``evening`` not yet invited, and email each
    invitation whose email has not gone, in one transaction with the evening's row locked:
    sending again sends nothing, and two organizers pressing at once send once. Refused after
    the reply deadline. Audited (INVITATIONS_SENT). Returns how many emails were queued."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Evening.objects.select_for_update().select_related("event", "series").get(pk=evening.pk)
        )
        _refuse_after_deadline(locked, now, "no invitation is sent.")
        plan = plan_invitations(evening=locked)
        Invitation.objects.bulk_create([Invitation(evening=locked, clinician=c) for c in plan.new])
        unsent = list(
            locked.invitations.filter(sent_at__isnull=True)
            .select_related("clinician")
            .order_by("pk")
        )
        for invitation in unsent:
            invitation.evening = locked
        emails.queue(emails.invitation_draft(i, base_url=base_url) for i in unsent)
        Invitation.objects.filter(pk__in=[i.pk for i in unsent]).update(sent_at=now)
        if unsent:
            record_audit(
                actor=by,
                action=INVITATIONS_SENT,
                target=locked.event.name,
                message=f"{display_name(by)} invited {_plural(len(unsent), 'clinician')} to "
                f"{locked.event.name} ({locked.series.name}) by email.",
                details={"evening": locked.pk, "invitations": [i.pk for i in unsent]},
            )
    return len(unsent)


def non_responders(*, evening: Evening):
    """The invitations of ``evening`` sent and not answered."""
    return evening.invitations.filter(status=Invitation.Status.INVITED, sent_at__isnull=False)


def remind_non_responders(
    *,
    evening: Evening,
    base_url: str,
    by: AbstractBaseUser | None,
    now: datetime.datetime | None = None,
    invited_before: datetime.datetime | None = None,
    reminded_before: datetime.datetime | None = None,
) -> int:
    """Email a reminder to each clinician invited to ``evening`` who has not answered (only
    those invited before ``invited_before`` and not reminded since ``reminded_before``, when
    given), in one transaction with
    the evening's row locked; each reminder is counted on its invitation and keyed by that
    count, so a retry sends none twice. Reminders respect the address's opt-out. Refused after
    the deadline. Audited (REMINDERS_SENT). Returns how many were queued."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Evening.objects.select_for_update().select_related("event", "series").get(pk=evening.pk)
        )
        _refuse_after_deadline(locked, now, "no reminder is sent.")
        waiting = non_responders(evening=locked).select_related("clinician").order_by("pk")
        if invited_before is not None:
            waiting = waiting.filter(sent_at__lte=invited_before)
        if reminded_before is not None:
            waiting = waiting.exclude(last_reminded_at__gt=reminded_before)
        waiting = list(waiting)
        for invitation in waiting:
            invitation.evening = locked
            invitation.reminders_sent += 1
            invitation.last_reminded_at = now
        emails.queue(
            emails.reminder_draft(i, base_url=base_url, number=i.reminders_sent) for i in waiting
        )
        Invitation.objects.bulk_update(waiting, ["reminders_sent", "last_reminded_at"])
        if waiting:
            record_audit(
                actor=by,
                action=REMINDERS_SENT,
                target=locked.event.name,
                message=f"{display_name(by)} reminded {_plural(len(waiting), 'clinician')} "
                f"who had not answered for {locked.event.name}.",
                details={"evening": locked.pk, "invitations": [i.pk for i in waiting]},
            )
    return len(waiting)


def send_due_reminders(*, base_url: str, now: datetime.datetime | None = None) -> int:
    """The periodic reminders: for every evening whose deadline falls within
    REMINDER_WINDOW, remind those invited more than REMINDER_AFTER_INVITATION ago and not
    reminded within REMINDER_GAP (``remind_non_responders``, one transaction an evening).
    Returns how many reminders were queued."""
    now = now or timezone.now()
    evenings = Evening.objects.filter(reply_by__gt=now, reply_by__lte=now + REMINDER_WINDOW)
    total = 0
    for evening in evenings.order_by("reply_by", "pk"):
        total += remind_non_responders(
            evening=evening,
            base_url=base_url,
            by=None,
            now=now,
            invited_before=now - REMINDER_AFTER_INVITATION,
            reminded_before=now - REMINDER_GAP,
        )
    return total


def reissue_link(*, invitation: Invitation, by: AbstractBaseUser | None) -> Invitation:
    """Give the invitation a new reply link; the old one is a 404 at once. The invitation
    counts as not sent, so the next ``send_invitations`` emails the new link. Audited
    (LINK_REISSUED), in one transaction (``events.links.reissue_token``, the rule every
    personal link follows)."""
    reissue_token(
        invitation,
        token_field="token",
        issued_at_field="token_issued_at",
        reset={"sent_at": None},
        by=by,
        action=LINK_REISSUED,
        target=str(invitation),
        message=f"{display_name(by)} reissued the reply link of "
        f"{invitation.clinician.full_name} for {invitation.evening.event.name}; the old "
        "link stopped working.",
        details={"evening": invitation.evening_id, "invitation": invitation.pk},
    )
    return invitation


# Replies


class Answer:
    """What a clinician may answer on the reply page."""

    YES = "yes"
    NO = "no"
    PARTIAL = "partial"
    OTHER_EVENING = "other-evening"
    CHOICES = [
        (YES, "Yes, I'll come"),
        (NO, "No, I can't come"),
        (PARTIAL, "I'll arrive late or leave early"),
        (OTHER_EVENING, "Not this evening — another one"),
    ]


def present_rounds(
    event: Event, arrives_at: datetime.time | None, leaves_at: datetime.time | None
) -> list[int]:
    """The rounds of ``event`` someone there from ``arrives_at`` until ``leaves_at`` (either
    may be open) sits through whole, by the event's timetable."""
    return [
        slot.number
        for slot in event.timetable()
        if (arrives_at is None or slot.start >= arrives_at)
        and (leaves_at is None or slot.end <= leaves_at)
    ]


def other_evenings(*, invitation: Invitation, now: datetime.datetime | None = None):
    """The evenings of the same series a clinician may choose instead: still taking replies."""
    now = now or timezone.now()
    return (
        Evening.objects.filter(series_id=invitation.evening.series_id, reply_by__gt=now)
        .exclude(pk=invitation.evening_id)
        .select_related("event")
        .order_by("event__date", "event__start_time", "pk")
    )


def reply(
    *,
    invitation: Invitation,
    answer: str,
    arrives_at: datetime.time | None = None,
    leaves_at: datetime.time | None = None,
    other_evening: Evening | None = None,
    base_url: str,
    now: datetime.datetime | None = None,
) -> Invitation:
    """Record a clinician's reply, in one transaction with the evening's row locked (the cap
    is counted there), and feed it into the evening's event (``bring_into_event``):

    - yes, or partial (``arrives_at`` and/or ``leaves_at``): a place, or the waiting list when
      the cap is reached; those coming attend the event (confirmed) with their presence;
    - no: their attendance is removed (unless the event's schedule is published: then the
      organizer is told), and a place they held goes to the first on the waiting list, who
      gets an email;
    - another evening of the series: this invitation is marked so, and the clinician says yes
      to ``other_evening`` (invited there if they were not).

    Refused after the deadline, and for a time range that leaves no whole round. Returns the
    invitation the clinician should see next (the other evening's, after a move)."""
    now = now or timezone.now()
    with transaction.atomic():
        evening = (
            Evening.objects.select_for_update()
            .select_related("event", "series")
            .get(pk=invitation.evening_id)
        )
        invitation = Invitation.objects.select_related("clinician").get(pk=invitation.pk)
        invitation.evening = evening
        event = evening.event
        if now >= evening.reply_by:
            raise ValidationError(
                f"Replies for {event.name} closed on "
                f"{timezone.localtime(evening.reply_by):%A %-d %B at %H:%M}."
            )
        was_coming = invitation.is_coming
        if answer in (Answer.YES, Answer.PARTIAL):
            if answer == Answer.YES:
                arrives_at = leaves_at = None
            else:
                _check_window(event, arrives_at, leaves_at)
            invitation.arrives_at, invitation.leaves_at = arrives_at, leaves_at
            invitation.moved_to = None
            _take_place(invitation, evening, now)
        elif answer == Answer.NO:
            invitation.status = Invitation.Status.NO
            invitation.arrives_at = invitation.leaves_at = invitation.moved_to = None
        elif answer == Answer.OTHER_EVENING:
            allowed = other_evenings(invitation=invitation, now=now)
            if other_evening is None or not allowed.filter(pk=other_evening.pk).exists():
                raise ValidationError("Choose another evening of the series still taking replies.")
            invitation.status = Invitation.Status.OTHER_EVENING
            invitation.arrives_at = invitation.leaves_at = None
            invitation.moved_to = other_evening
        else:
            raise ValidationError(f"Unknown answer {answer!r}.")
        invitation.replied_at = now
        invitation.attention = bring_into_event(invitation=invitation)
        invitation.save()
        if was_coming and not invitation.is_coming:
            _promote_waiting(evening, base_url=base_url)
        if answer != Answer.OTHER_EVENING:
            return invitation
    # The move: a yes at the other evening, in its own transaction and lock.
    there, created = Invitation.objects.get_or_create(
        evening=other_evening, clinician=invitation.clinician
    )
    if there.sent_at is None:
        with transaction.atomic():
            Invitation.objects.filter(pk=there.pk).update(sent_at=now)
            there.evening = Evening.objects.select_related("event", "series").get(
                pk=other_evening.pk
            )
            emails.queue([emails.invitation_draft(there, base_url=base_url)])
    return reply(invitation=there, answer=Answer.YES, base_url=base_url, now=now)


def _check_window(
    event: Event, arrives_at: datetime.time | None, leaves_at: datetime.time | None
) -> None:
    if arrives_at is None and leaves_at is None:
        raise ValidationError("Say when you arrive, when you leave, or both.")
    if arrives_at is not None and leaves_at is not None and arrives_at >= leaves_at:
        raise ValidationError("Arrive before you leave.")
    if not present_rounds(event, arrives_at, leaves_at):
        raise ValidationError(
            f"That leaves no whole round: the rounds run from {event.start_time:%H:%M} to "
            f"{event.end_time:%H:%M}, {event.round_minutes} minutes each."
        )


def _coming_count(evening: Evening) -> int:
    return evening.invitations.filter(status__in=Invitation.COMING).count()


def _take_place(invitation: Invitation, evening: Evening, now: datetime.datetime) -> None:
    """A yes or partial: keep a place held, stay on the waiting list, or take a place if the
    cap allows (else join the waiting list)."""
    coming = (
        Invitation.Status.PARTIAL
        if invitation.arrives_at or invitation.leaves_at
        else Invitation.Status.YES
    )
    if invitation.is_coming:
        invitation.status = coming
    elif invitation.status == Invitation.Status.WAITING:
        pass
    elif evening.cap is not None and _coming_count(evening) >= evening.cap:
        invitation.status = Invitation.Status.WAITING
        invitation.waitlisted_at = now
    else:
        invitation.status = coming


def _promote_waiting(evening: Evening, *, base_url: str) -> list[Invitation]:
    """Give the places free under the cap to the first on the waiting list, who each get an
    email (inside the caller's transaction, with the evening's row locked)."""
    waiting = evening.invitations.filter(status=Invitation.Status.WAITING).order_by(
        "waitlisted_at", "pk"
    )
    free = None if evening.cap is None else evening.cap - _coming_count(evening)
    promoted = list(
        (waiting if free is None else waiting[: max(free, 0)]).select_related("clinician")
    )
    for invitation in promoted:
        invitation.evening = evening
        invitation.status = (
            Invitation.Status.PARTIAL
            if invitation.arrives_at or invitation.leaves_at
            else Invitation.Status.YES
        )
        invitation.attention = bring_into_event(invitation=invitation)
        invitation.save(update_fields=["status", "attention"])
        emails.queue([emails.promotion_draft(invitation, base_url=base_url)])
    return promoted


# Feeding replies into the evening's event


def bring_into_event(*, invitation: Invitation) -> str:
    """Make the evening's event say what ``invitation``'s reply says (inside the caller's
    transaction), and return what the organizer must still do by hand ("" when nothing):

    - coming (yes or partial): the clinician attends the event, confirmed; their presence
      becomes the rounds of their time range: an anchor's present rounds
      (``events.services.set_anchors_presence``), a travelling group's rounds (a group is
      there in a round when any of its members is);
    - not coming (no, or another evening): their attendance is removed with their seat at a
      table or in a group (``events.services.remove_attendance``).

    A published schedule is never changed (``events.rules``): then the reply is recorded and
    the organizer told what to do, and the change is in the audit log
    (REPLY_NEEDS_ORGANIZER)."""
    evening = invitation.evening
    event = evening.event
    clinician = invitation.clinician
    attendance = Attendance.objects.filter(event=event, clinician=clinician).first()
    locked = rules.is_locked(event)
    todo = ""
    if invitation.is_coming:
        if attendance is None:
            Attendance.objects.create(
                event=event, clinician=clinician, status=Attendance.Status.CONFIRMED
            )
            if locked:
                todo = (
                    f"{clinician.full_name} said yes after {event.name}'s schedule was "
                    "published: seat them at a table or in a group and re-plan."
                )
        elif attendance.status == Attendance.Status.INVITED:
            attendance.status = Attendance.Status.CONFIRMED
            attendance.save(update_fields=["status"])
        if not todo:
            try:
                _set_presence(invitation)
            except ValidationError:
                todo = (
                    f"{clinician.full_name} is there {_window_words(invitation)} but "
                    f"{event.name}'s schedule is published: mark the rounds they miss on the "
                    "check-in page and re-plan."
                )
    elif (
        invitation.status in (Invitation.Status.NO, Invitation.Status.OTHER_EVENING)
        and attendance is not None
        and attendance.status != Attendance.Status.NO_SHOW
    ):
        if locked:
            todo = (
                f"{clinician.full_name} answered “{invitation.get_status_display()}” after "
                f"{event.name}'s schedule was published: mark them a no-show on the "
                "check-in page and re-plan."
            )
        else:
            event_services.remove_attendance(attendance=attendance, by=None)
    if todo and todo != invitation.attention:
        record_audit(
            actor=None,
            action=REPLY_NEEDS_ORGANIZER,
            target=f"{clinician.full_name} at {event.name}",
            message=f"A reply needs the organizer: {todo}",
            details={"evening": evening.pk, "invitation": invitation.pk},
        )
    return todo


def _window_words(invitation: Invitation) -> str:
    if invitation.arrives_at and invitation.leaves_at:
        return f"from {invitation.arrives_at:%H:%M} to {invitation.leaves_at:%H:%M}"
    if invitation.arrives_at:
        return f"from {invitation.arrives_at:%H:%M}"
    if invitation.leaves_at:
        return f"until {invitation.leaves_at:%H:%M}"
    return "the whole evening"


def _set_presence(invitation: Invitation) -> None:
    """The rounds ``invitation``'s clinician is there, on their anchor or their group (none
    yet: nothing to do; ``bring_replies_into_event`` applies them once seated)."""
    event = invitation.evening.event
    rounds = present_rounds(event, invitation.arrives_at, invitation.leaves_at)
    anchors = list(Anchor.objects.filter(event=event, clinician=invitation.clinician_id))
    if anchors and rounds:
        event_services.set_anchors_presence(
            event=event, anchors=anchors, arrives=rounds[0], leaves=rounds[-1], by=None
        )
    membership = GroupMember.objects.filter(event=event, clinician=invitation.clinician_id).first()
    if membership is not None:
        _set_group_presence(event=event, group_id=membership.group_id, current=invitation)


def _set_group_presence(*, event: Event, group_id: int, current: Invitation) -> None:
    """A travelling group is there in the rounds any of its members is (members who gave no
    time range are there throughout; ``current`` is the reply being recorded, maybe not yet
    saved). Refused by ``events.rules`` once published."""
    group = TravelGroup.objects.select_related("event").get(pk=group_id)
    members = set(GroupMember.objects.filter(group=group).values_list("clinician_id", flat=True))
    windows = {
        i.clinician_id: i
        for i in Invitation.objects.filter(
            evening__event=event, clinician_id__in=members, status__in=Invitation.COMING
        )
    }
    windows[current.clinician_id] = current
    present: set[int] = set()
    for clinician_id in members:
        window = windows.get(clinician_id)
        if window is None:
            present.update(range(1, event.rounds + 1))
        else:
            present.update(present_rounds(event, window.arrives_at, window.leaves_at))
    absent = [r for r in range(1, event.rounds + 1) if r not in present]
    if absent != list(group.absent_rounds):
        rules.check_change(obj=group, changed=["absent_rounds"])
        group.absent_rounds = absent
        group.save(update_fields=["absent_rounds"])


def apply_replies(*, evening: Evening) -> tuple[Evening, int]:
    """Apply every reply of ``evening`` to its event (``bring_into_event``), in one
    transaction (the caller's, if any), not audited: a step of a larger write that records
    its own audit entry (``bring_replies_into_event``, ``preparing.prepare_evening``).
    Returns the evening, locked, and how many replies need the organizer."""
    with transaction.atomic():
        locked = Evening.objects.select_for_update().select_related("event").get(pk=evening.pk)
        answered = locked.invitations.exclude(status=Invitation.Status.INVITED).select_related(
            "clinician"
        )
        todo = 0
        for invitation in answered.order_by("pk"):
            invitation.evening = locked
            attention = bring_into_event(invitation=invitation)
            todo += bool(attention)
            if attention != invitation.attention:
                invitation.attention = attention
                invitation.save(update_fields=["attention"])
    return locked, todo


def bring_replies_into_event(*, evening: Evening, by: AbstractBaseUser | None) -> int:
    """Apply every reply of ``evening`` to its event again (``apply_replies``), e.g. after
    anchors were seated or groups formed, in one transaction. Audited (REPLIES_BROUGHT_IN,
    one entry). Returns how many replies need the organizer."""
    with transaction.atomic():
        locked, todo = apply_replies(evening=evening)
        record_audit(
            actor=by,
            action=REPLIES_BROUGHT_IN,
            target=locked.event.name,
            message=f"{display_name(by)} brought the replies for {locked.event.name} into the "
            "event: attendance and the rounds each anchor and group is there"
            + (f"; {_plural(todo, 'reply', 'replies')} need a hand" if todo else "")
            + ".",
            details={"evening": locked.pk},
        )
    return todo
