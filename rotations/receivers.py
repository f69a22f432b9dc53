"""Rotations' answers to the signals of the apps below it and to deletes of its versions:
a version that was ever published never changes; unpublished versions give way.

Connected in ``RotationsConfig.ready``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count, ProtectedError, Q

from events.models import Event
from events.rules import describe

from .models import Schedule, Visit


def _versions_words(versions: list[int]) -> str:
    words = [str(v) for v in versions]
    if len(words) == 1:
        return f"version {words[0]}"
    return "versions " + ", ".join(words[:-1]) + " and " + words[-1]


def clear_leaving_objects(
    sender, *, event: Event, tables=(), groups=(), dry_run: bool = False, **kwargs
) -> str:
    """Receiver of ``events.signals.objects_leaving``: refuse (``ValidationError``) when a
    version of ``event`` that was ever published has a visit at one of ``tables`` or of one
    of ``groups``; otherwise (unless ``dry_run``) delete the unpublished versions whose every
    visit uses them and drop those visits from the other unpublished versions. Returns what
    it clears, in words ("deletes schedule version 2, which uses them")."""
    uses = Q(table__in=[t.pk for t in tables]) | Q(group__in=[g.pk for g in groups])
    visits = Visit.objects.filter(schedule__event=event).filter(uses)
    leaving = [*tables, *groups]
    # Published now, or published before and replaced by a newer version: both were promises.
    published = sorted(
        set(
            visits.filter(
                Q(schedule__is_published=True) | Q(schedule__published_at__isnull=False)
            ).values_list("schedule__version", flat=True)
        )
    )
    if published:
        what = describe(leaving[0]) if len(leaving) == 1 else "they"
        what = what[:1].upper() + what[1:]
        raise ValidationError(
            f"{what} {'is' if len(leaving) == 1 else 'are'} in published schedule "
            f"{_versions_words(published)} of {event.name}: clinicians hold itineraries with "
            f"{'it' if len(leaving) == 1 else 'them'}. Mark the people concerned a no-show on "
            "the check-in page and re-plan instead."
        )
    drafts = (
        Schedule.objects.filter(event=event, is_published=False, published_at__isnull=True)
        .annotate(
            used=Count("visits", filter=Q(visits__in=visits)),
            total=Count("visits"),
        )
        .filter(used__gt=0)
        .order_by("version")
    )
    emptied = [s for s in drafts if s.used == s.total]
    partial = [s for s in drafts if s.used < s.total]
    if not dry_run:
        Visit.objects.filter(schedule__in=partial).filter(uses).delete()
        Schedule.objects.filter(pk__in=[s.pk for s in emptied]).delete()
    one = len(leaving) == 1
    phrases = []
    if emptied:
        uses_word = "uses" if len(emptied) == 1 else "use"
        phrases.append(
            f"deletes schedule {_versions_words([s.version for s in emptied])}, which "
            f"{uses_word} {'it' if one else 'them'}"
        )
    if partial:
        phrases.append(
            f"removes {'its' if one else 'their'} visits from schedule "
            f"{_versions_words([s.version for s in partial])}"
        )
    return " and ".join(phrases)


def refuse_deleting_published(sender, *, instance: Schedule, **kwargs) -> None:
    """Receiver of ``pre_delete`` for ``Schedule`` (also when its event is deleted): a version
    that was ever published is refused with ``ProtectedError``, inside the delete's
    transaction, so nothing is deleted (a caller inside its own ``atomic`` block should wrap
    the delete in one more, as after any database error)."""
    if instance.is_published or instance.published_at is not None:
        raise ProtectedError(
            f"Version {instance.version} of {instance.event.name} was published: clinicians "
            "hold itineraries with it, so it and its event are kept.",
            {instance},
        )


def record_finished_events(sender, *, events, **kwargs) -> None:
    """Receiver of ``events.signals.events_finished``: who met whom at each event goes into the
    connection ledger, inside the finishing transaction (``services.ledger``)."""
    from .services.ledger import record_event_connections

    for event in events:
        record_event_connections(event=event)
