"""The connection ledger: which clinicians met whom, at which gathering, and whether it was
their first meeting.

A row is one meeting of two clinicians at one gathering: a speed-networking evening (a
traveller and an anchor at the same table in the same round) and, later, other kinds such as
the Facilitated Dinners. connections sits just above clinicians, so it names no gathering's
table: a gathering is its ``kind`` and the id it has in the app that writes it (an evening's
event id). The apps above write the ledger through ``connections.services`` and read it
through ``connections.queries``.
"""

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest, Least

from clinicians.models import Clinician


class Meeting(models.Model):
    """Two clinicians who met at one gathering. The pair is stored with the lower clinician id
    first (``connections.services`` normalises it); a merge of clinicians may leave a pair the
    other way round, so reads treat it as unordered, and so does the unique rule."""

    class Kind(models.TextChoices):
        EVENING = "evening", "Evening"
        DINNER = "dinner", "Dinner"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The gathering's id in the app that writes it: for an evening, the event's id.
    gathering = models.PositiveIntegerField()
    date = models.DateField()
    # The round they sat together in, at a gathering that has rounds.
    round = models.PositiveSmallIntegerField(null=True, blank=True)
    clinician_a = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="+")
    clinician_b = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="+")
    # No earlier meeting of this pair in the ledger (earlier: by date, then gathering).
    first = models.BooleanField(default=False)

    class Meta:
        ordering = ["date", "kind", "gathering", "clinician_a", "clinician_b"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                "kind",
                "gathering",
                Least("clinician_a", "clinician_b"),
                Greatest("clinician_a", "clinician_b"),
                name="meeting_pair_once_per_gathering",
            ),
            models.CheckConstraint(
                condition=~Q(clinician_a=F("clinician_b")), name="meeting_two_clinicians"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "gathering"], name="meeting_gathering"),
            models.Index(fields=["clinician_a", "date"], name="meeting_a_date"),
            models.Index(fields=["clinician_b", "date"], name="meeting_b_date"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.clinician_a} met {self.clinician_b} ({self.get_kind_display()} "
            f"{self.gathering}, {self.date:%Y-%m-%d})"
        )
