"""Reads of the connection ledger used by the apps above (the solver's adapter, outcomes)."""

from __future__ import annotations

import datetime
from collections.abc import Collection

from django.db.models import Max

from .models import Meeting


def last_met_by_department_and_specialty(
    *,
    departments: Collection[int],
    specialties: Collection[int],
    before: datetime.date,
) -> dict[tuple[int, int], datetime.date]:
    """(department id, specialty id) -> the last date before ``before`` on which a clinician
    of the department met a clinician of the specialty, at a gathering of any kind; pairs
    that never met are left out. Departments and specialties are the clinicians' own in the
    catalogue today. One query, whatever the size of the ledger."""
    if not departments or not specialties:
        return {}
    earlier = Meeting.objects.filter(date__lt=before).order_by()

    def side(one: str, other: str):
        return (
            earlier.filter(
                **{f"{one}__department__in": departments, f"{other}__specialty__in": specialties}
            )
            .values_list(f"{one}__department", f"{other}__specialty")
            .annotate(last=Max("date"))
        )

    last: dict[tuple[int, int], datetime.date] = {}
    for department, specialty, date in side("clinician_a", "clinician_b").union(
        side("clinician_b", "clinician_a"), all=True
    ):
        key = (department, specialty)
        if key not in last or last[key] < date:
            last[key] = date
    return last
