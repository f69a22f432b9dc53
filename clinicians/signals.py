"""Signals clinicians sends so that the apps above it can object to a change they depend on,
without clinicians knowing them.

``clinician_retiring`` is sent (sender ``Clinician``) before a clinician is retired, with
``clinician``. Each receiver returns a list of objections in words ("Ann Lee anchors table 5
(Cardiology) at North, spring on 10 December 2026 (published)."); any objection refuses the
retirement.

``catalogue_change_objections`` is sent (sender the model) before an edit of a catalogue entry
(a region, site, specialty, department or clinician) is saved, with ``instance`` (the stored
row, as it is before the edit), ``changes`` (``{field name: (old value, new value)}``; foreign
keys as objects, the clinician's sites as lists of sites) and ``merge_into`` (for a clinician
about to be merged: the clinician kept; ``changes`` is then empty). Each receiver returns a
list of objections in words, as above; any objection refuses the edit or the merge.
"""

from django.dispatch import Signal

clinician_retiring = Signal()
catalogue_change_objections = Signal()


def objections_to_retiring(clinician) -> list[str]:
    """Every receiver's objections to retiring ``clinician``, in order."""
    responses = clinician_retiring.send(sender=type(clinician), clinician=clinician)
    return [objection for _, objections in responses for objection in objections or ()]


def objections_to_change(instance, *, changes: dict | None = None, merge_into=None) -> list[str]:
    """Every receiver's objections to changing the stored ``instance`` by ``changes``, or to
    merging it into ``merge_into``, in order."""
    responses = catalogue_change_objections.send(
        sender=type(instance), instance=instance, changes=changes or {}, merge_into=merge_into
    )
    return [objection for _, objections in responses for objection in objections or ()]
