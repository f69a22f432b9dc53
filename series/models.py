"""A season of evenings over sites, the invitations to each evening and the replies.

An evening *is* an event (``Evening.event``, one to one): the event is solved, published and
checked in like any other, and the series only adds who was invited and what they answered.
Replies feed the event's attendance and presence (``services.reply``).

The series planner (which evening each multi-site specialist anchors, and which evening a
department spanning sites attends) stores its result as a ``SeriesPlan`` with one
``PlannedPlace`` per specialist or department and evening; each evening's event is then
solved by the existing solver.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from clinicians.models import Clinician, Department, Region, Site
from events.models import Event, new_link_token


class Series(models.Model):
    """A season: a name, a period and its evenings."""

    name = models.CharField(max_length=200)
    starts_on = models.DateField("from")
    ends_on = models.DateField("until")
    regions = models.ManyToManyField(
        Region,
        related_name="series",
        blank=True,
        help_text="Organizers limited to regions see the series of their regions.",
    )
    # The planner's limit for every specialist of the season (``planning``).
    specialist_max_evenings = models.PositiveSmallIntegerField(
        "most evenings a specialist anchors",
        default=1,
        validators=[MinValueValidator(1, "A specialist anchors at least 1 evening.")],
        help_text="The planner seats each specialist at no more evenings than this, among "
        "those they said yes to.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name_plural = "series"
        constraints = [
            models.CheckConstraint(
                condition=Q(specialist_max_evenings__gte=1),
                name="series_specialist_anchors_an_evening",
                violation_error_message="A specialist anchors at least 1 evening.",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="series_ends_after_it_starts",
                violation_error_message="A series ends on or after the day it starts.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("series:detail", kwargs={"pk": self.pk})


class Evening(models.Model):
    """One evening of a series: an event covering some sites, with a reply deadline and an
    optional cap (those who say yes beyond it join the waiting list)."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="evenings")
    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="evening")
    sites = models.ManyToManyField(Site, related_name="evenings")
    reply_by = models.DateTimeField("reply deadline")
    cap = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How many may come; those who say yes beyond it join the waiting list.",
    )
    # The planner's tables for the evening (``planning.build_series_problem``); empty: the
    # event's tables, or as many as the specialists who may come.
    tables = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1, "The venue holds at least 1 table.")],
        help_text="How many tables the venue holds: the planner seats at most this many "
        "specialists here, one per table. Empty: the event's tables, or as many as the "
        "specialists who may come.",
    )
    # The event whose set-up this evening's event was copied from, if any.
    template = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event__date", "event__start_time", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tables__isnull=True) | Q(tables__gte=1),
                name="evening_holds_a_table",
                violation_error_message="The venue holds at least 1 table.",
            ),
        ]

    def __str__(self) -> str:
        return self.event.name

    def get_absolute_url(self) -> str:
        return reverse("series:evening", kwargs={"series_pk": self.series_id, "pk": self.pk})


class Invitation(models.Model):
    """One clinician invited to one evening, with their personal reply link and their answer."""

    class Status(models.TextChoices):
        INVITED = "invited", "Not answered"
        YES = "yes", "Yes"
        NO = "no", "No"
        PARTIAL = "partial", "Late or early"
        OTHER_EVENING = "other-evening", "Another evening"
        WAITING = "waiting", "Waiting list"

    # Statuses that hold a place at the evening (counted against its cap).
    COMING = (Status.YES, Status.PARTIAL)

    evening = models.ForeignKey(Evening, on_delete=models.CASCADE, related_name="invitations")
    clinician = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="invitations")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INVITED)
    # The personal reply link: unguessable; reissuing it makes the old one a 404 at once.
    token = models.CharField(max_length=64, unique=True, default=new_link_token, editable=False)
    token_issued_at = models.DateTimeField(auto_now_add=True)
    # A partial reply: from when to when they are there (the evening's local time).
    arrives_at = models.TimeField(null=True, blank=True)
    leaves_at = models.TimeField(null=True, blank=True)
    # "Not this evening, another one": the evening they chose instead.
    moved_to = models.ForeignKey(
        Evening, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField("invitation sent", null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    # What the organizer must do by hand because of this reply (e.g. a "no" after the
    # evening's schedule was published); cleared by the next reply that needs nothing.
    attention = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["clinician__last_name", "clinician__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["evening", "clinician"],
                name="invitation_once_per_evening",
                violation_error_message="This clinician is already invited to this evening.",
            ),
            models.CheckConstraint(
                condition=Q(arrives_at__isnull=True)
                | Q(leaves_at__isnull=True)
                | Q(arrives_at__lt=models.F("leaves_at")),
                name="invitation_arrives_before_leaving",
                violation_error_message="Arrive before leaving.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clinician} invited to {self.evening}"

    def get_absolute_url(self) -> str:
        return reverse("series:reply", kwargs={"token": self.token})

    @property
    def is_coming(self) -> bool:
        return self.status in self.COMING


class SeriesPlan(models.Model):
    """A plan of the whole season: which evening each multi-site specialist anchors and which
    evening each department spanning sites attends (its ``places``), with the planner's
    figures (``figures``: e.g. shared_patient_pairs, pairs_meeting, upper_bound). The newest
    succeeded plan of a series is the one in force."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Planning"
        SUCCEEDED = "succeeded", "Planned"
        FAILED = "failed", "Failed"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="plans")
    # The plan is worked out by the ``series.plan`` task: queued, running, then succeeded
    # (its places and figures written in one transaction) or failed (``error``).
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    time_limit_s = models.PositiveIntegerField(default=30)
    # Which worker is planning, and when it last said so (rotations.services.jobs: a plan
    # whose worker died is planned again by the next one, once).
    claimed_by = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    figures = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["series"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_plan_per_series",
                violation_error_message="The season is already being planned.",
            ),
        ]

    def __str__(self) -> str:
        return f"Plan of {self.series} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class PlannedPlace(models.Model):
    """One line of a plan: a specialist who anchors at an evening, or a department that
    attends an evening."""

    plan = models.ForeignKey(SeriesPlan, on_delete=models.CASCADE, related_name="places")
    evening = models.ForeignKey(Evening, on_delete=models.CASCADE, related_name="+")
    clinician = models.ForeignKey(
        Clinician, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(clinician__isnull=False, department__isnull=True)
                | Q(clinician__isnull=True, department__isnull=False),
                name="planned_place_is_a_specialist_or_a_department",
            ),
            models.UniqueConstraint(
                fields=["plan", "evening", "clinician"], name="planned_anchor_once_per_evening"
            ),
            models.UniqueConstraint(
                fields=["plan", "evening", "department"],
                name="planned_department_once_per_evening",
            ),
        ]

    def __str__(self) -> str:
        who = self.clinician or self.department
        return f"{who} at {self.evening}"
