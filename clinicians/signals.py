"""Signals clinicians sends so that the apps above it can object to a change they depend on,
without clinicians knowing them.

``clinician_retiring`` is sent (sender ``Clinician``) before a clinician is retired, with
``clinician``. Each receiver returns a list of objections in words ("Ann Lee anchors table 5
(Cardiology) at North, spring on 10 December 2026 (published)."); any objection refuses the
retirement.
"""

from django.dispatch import Signal

clinician_retiring = Signal()


def objections_to_retiring(clinician) -> list[str]:
    """Every receiver's objections to retiring ``clinician``, in order."""
    responses = clinician_retiring.send(sender=type(clinician), clinician=clinician)
    return [objection for _, objections in responses for objection in objections or ()]
