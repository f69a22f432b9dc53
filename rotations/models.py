from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from events.models import Event, Table, TravelGroup


def replan_note(from_round: int | None) -> str:
    """How a version re-planned from ``from_round`` says what it kept."""
    if from_round is None:
        return ""
    if from_round == 1:
        return "Re-planned from round 1: every round planned again."
    if from_round == 2:
        return "Re-planned from round 2: round 1 kept as it happened."
    return f"Re-planned from round {from_round}: rounds 1–{from_round - 1} kept as they happened."


class Strategy(models.TextChoices):
    """How a re-plan treats the rounds still to come; the values are the solver's
    ``rotations.solver.Strategy``."""

    FEWEST_CHANGES = "fewest-changes", "Fewest changes"
    BEST = "best", "Best schedule"


class SolveRun(models.Model):
    """One run of the solver for an event, from queued to finished, watched by the browser."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        INFEASIBLE = "infeasible", "Infeasible"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="solve_runs")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=200, blank=True)
    # Solver settings for this run.
    time_limit_s = models.PositiveIntegerField(default=60)
    seed = models.PositiveIntegerField(default=0)
    # What the solver reports: the schedule's figures and the bounds it proved.
    visits = models.PositiveIntegerField(null=True, blank=True)
    visits_upper_bound = models.PositiveIntegerField(null=True, blank=True)
    min_share = models.FloatField(null=True, blank=True)
    min_share_upper_bound = models.FloatField(null=True, blank=True)
    optimal = models.BooleanField(default=False)
    reasons = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    cancel_requested = models.BooleanField(default=False)
    # The schedule whose pinned visits this run keeps (a re-plan from an edited version).
    pinned_from = models.ForeignKey(
        "Schedule", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A re-plan on the day: rounds before this one are kept as published (they happened),
    # and no-shows are left out of the rounds from this one on.
    replan_from_round = models.PositiveSmallIntegerField(null=True, blank=True)
    # The re-plan strategies this run solves, in order (each writes one version); empty for a
    # plain solve.
    strategies = models.JSONField(default=list, blank=True)
    # Which worker is solving, so a redelivered message or a late worker cannot write twice.
    claimed_by = models.CharField(max_length=200, blank=True)
    # What would make the evening better (``rotations.advice.Advice.to_json``), written by the
    # rotations.advise task after a successful solve; None until then.
    advice = models.JSONField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One solve at a time per event, enforced by the database so two starts cannot race.
            models.UniqueConstraint(
                fields=["event"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_solve_per_event",
                violation_error_message="A solve is already running for this event.",
            ),
        ]

    def __str__(self) -> str:
        return f"Solve {self.pk} of {self.event} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("rotations:run", kwargs={"event_pk": self.event_id, "pk": self.pk})

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class Schedule(models.Model):
    """A version of an event's plan: from a solve run, or edited by hand from another version.

    At most one version per event is published; clinicians only ever see that one.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="schedules")
    version = models.PositiveIntegerField()
    solve_run = models.OneToOneField(
        SolveRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="schedule"
    )
    based_on = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    # Set on a version re-planned on the day: rounds before it are kept as they happened,
    # and from it on the no-shows are gone (see services.adapter.Availability).
    replan_from_round = models.PositiveSmallIntegerField(null=True, blank=True)
    # A re-plan's option: its strategy, and the run that wrote it beside the other options.
    strategy = models.CharField(max_length=16, choices=Strategy.choices, blank=True)
    replan_run = models.ForeignKey(
        SolveRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replan_options",
    )
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["event", "version"], name="schedule_version_unique"),
            models.UniqueConstraint(
                fields=["event"],
                condition=Q(is_published=True),
                name="one_published_schedule_per_event",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event.name}, version {self.version}"

    def get_absolute_url(self) -> str:
        return reverse(
            "rotations:version", kwargs={"event_pk": self.event_id, "version": self.version}
        )

    @property
    def replan_note(self) -> str:
        return replan_note(self.replan_from_round)


class Visit(models.Model):
    """One travelling group at one table in one round of a schedule."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="visits")
    round = models.PositiveSmallIntegerField()
    # A published version never changes, so nothing cascades into visits from the event's
    # tables and groups: deleting one that a visit uses is refused. RESTRICT rather than
    # PROTECT so that deleting a whole event (whose versions go with it) still works when no
    # version was published (rotations.receivers refuses that otherwise); events' services
    # clear the unpublished versions' visits first (events.signals.objects_leaving).
    group = models.ForeignKey(TravelGroup, on_delete=models.RESTRICT, related_name="visits")
    table = models.ForeignKey(Table, on_delete=models.RESTRICT, related_name="visits")
    pinned = models.BooleanField(default=False)

    class Meta:
        ordering = ["schedule", "round", "table__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "round", "group"], name="visit_group_once_per_round"
            ),
            models.UniqueConstraint(
                fields=["schedule", "group", "table"], name="visit_table_once_per_group"
            ),
        ]

    def __str__(self) -> str:
        return f"Round {self.round}: {self.group} at {self.table}"
