"""Set up every evening of a season from its plan, so that "Solve every evening" can run.

The plan (``planning``) says which evening each specialist anchors. Preparing an evening
turns that and the replies into the event's set-up, with the services of ``events``:

1. the replies come into the event (``services.apply_replies``): attendance;
2. each specialist the plan puts at this evening is seated at the table of their specialty,
   made if the event has none (``events.services.add_table``, ``add_anchor``); specialists
   who said yes here but are planned at another evening are not seated (they still attend);
3. the travelling groups are formed from the attending primary-care clinicians
   (``events.services.form_groups``, the event's own size range);
4. the replies come in again (``services.bring_replies_into_event``, the one audit entry
   of the replies for the evening), now that anchors and groups exist: late arrivals and
   early departures become the rounds each anchor and group is there.

Each evening is prepared in its own transaction; an evening whose schedule is published is
left as it is (its set-up is in clinicians' hands) and said so.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.services import display_name, record_audit
from events import rules
from events import services as events
from events.models import Anchor, Attendance

from . import planning, services
from .models import Evening, PlannedPlace, Series, SeriesPlan

EVENINGS_PREPARED = "series.evenings_prepared"


@dataclass(frozen=True)
class PreparedEvening:
    """What preparing one evening did, in words for the organizer."""

    evening: Evening
    tables_added: int
    anchors_seated: int
    groups: int
    skipped: str = ""

    def __str__(self) -> str:
        name = self.evening.event.name
        if self.skipped:
            return f"{name}: {self.skipped}"
        return (
            f"{name}: {self.tables_added} tables added, {self.anchors_seated} anchors seated, "
            f"{self.groups} groups formed"
        )


def prepare_evening(
    *, evening: Evening, plan: SeriesPlan, by: AbstractBaseUser | None
) -> PreparedEvening:
    """Prepare ``evening``'s event from ``plan`` and the replies (see the module), in one
    transaction: all of it or, on a refusal, nothing. A published evening is skipped."""
    event = evening.event
    if rules.is_locked(event):
        return PreparedEvening(
            evening, 0, 0, 0, skipped="its schedule is published, so it was left as it is"
        )
    with transaction.atomic():
        # Attendance first, so the groups are formed from who is coming; the audit entry
        # comes with the second pass below (one REPLIES_BROUGHT_IN per evening).
        services.apply_replies(evening=evening)
        tables = {table.specialty_id: table for table in event.tables.all()}
        anchored = set(Anchor.objects.filter(event=event).values_list("clinician_id", flat=True))
        planned = (
            PlannedPlace.objects.filter(plan=plan, evening=evening, clinician__isnull=False)
            .select_related("clinician__specialty")
            .order_by("clinician__specialty__name", "clinician__last_name", "clinician__pk")
        )
        tables_added = seated = 0
        for place in planned:
            clinician = place.clinician
            if clinician.pk in anchored or not clinician.is_active:
                continue
            table = tables.get(clinician.specialty_id)
            if table is None:
                table = events.add_table(event=event, specialty=clinician.specialty, by=by)
                tables[clinician.specialty_id] = table
                tables_added += 1
            events.add_anchor(
                table=table, clinician=clinician, present_rounds=range(1, event.rounds + 1), by=by
            )
            anchored.add(clinician.pk)
            seated += 1
        travellers = Attendance.objects.filter(event=event, clinician__role="primary-care").exclude(
            status=Attendance.Status.NO_SHOW
        )
        groups = []
        if travellers.exists():
            groups = events.form_groups(
                event=event,
                min_size=event.group_min_size,
                max_size=event.group_max_size,
                by=by,
            )
        services.bring_replies_into_event(evening=evening, by=by)
    return PreparedEvening(evening, tables_added, seated, len(groups))


def prepare_evenings(*, series: Series, by: AbstractBaseUser | None) -> list[PreparedEvening]:
    """Prepare every evening of ``series`` from the plan in force (``prepare_evening``), each
    in its own transaction, and record what was done in the audit log. Raises
    ``ValidationError`` when the season has no finished plan yet."""
    plan = planning.plan_in_force(series)
    if plan is None:
        raise ValidationError("Plan the season first: the plan says who anchors which evening.")
    evenings = series.evenings.select_related("event").order_by("event__date", "pk")
    done = [prepare_evening(evening=evening, plan=plan, by=by) for evening in evenings]
    record_audit(
        actor=by,
        action=EVENINGS_PREPARED,
        target=series.name,
        message=f"{display_name(by)} set up the evenings of {series.name} from its plan: "
        + "; ".join(str(item) for item in done)
        + ".",
        details={"plan": plan.pk},
    )
    return done
