"""Signals events sends so that the apps above it can look after what refers to its objects,
without events knowing them.

``objects_leaving`` is sent (sender ``Event``) inside the writing transaction, before tables or
travelling groups of ``event`` are deleted, with ``tables`` and ``groups`` (lists of the objects
leaving) and ``dry_run``. A receiver that keeps rows referring to them (rotations' schedule
versions) raises ``ValidationError`` when something published refers to them; otherwise,
unless ``dry_run``, it clears its references. It returns what it clears (or would clear), as a
phrase such as "deletes schedule version 2, which uses them", or "" when nothing.

``events_finished`` is sent (sender ``Event``) inside the transaction that marks events
finished, with ``events`` (the events that have just become finished). Receivers record what
the events' history means to them (rotations writes who met whom into the connection ledger);
an exception rolls the finishing back.

``demo_loaded`` is sent (sender ``Event``) by ``manage.py load_demo`` once the demo catalogue
and event are there, with ``seed`` and ``created_by``. Receivers add their own demo data
(outcomes: a finished past evening with its ledger and survey answers), idempotently, and
return lines for the command to print.
"""

from django.dispatch import Signal

objects_leaving = Signal()
events_finished = Signal()
demo_loaded = Signal()


def send_objects_leaving(*, event, tables=(), groups=(), dry_run: bool = False) -> list[str]:
    """Send ``objects_leaving`` and return the receivers' phrases (empty ones left out).
    A receiver's ``ValidationError`` propagates to the caller."""
    responses = objects_leaving.send(
        sender=type(event), event=event, tables=list(tables), groups=list(groups), dry_run=dry_run
    )
    return [phrase for _, phrase in responses if phrase]


def send_demo_loaded(*, seed: int, created_by) -> list[str]:
    """Send ``demo_loaded``; returns the receivers' lines, in order."""
    from .models import Event

    responses = demo_loaded.send(sender=Event, seed=seed, created_by=created_by)
    return [line for _, lines in responses for line in lines or ()]
