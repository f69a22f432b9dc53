import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from clinicians.models import Clinician, Department, Region, Specialty, Track


def new_link_token() -> str:
    """An unguessable token for a clinician's personal itinerary link."""
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class RoundSlot:
    """One round of an event's timetable."""

    number: int
    start: datetime.time
    end: datetime.time


class Event(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"
        FINISHED = "finished", "Finished"

    name = models.CharField(max_length=200)
    date = models.DateField()
    venue = models.CharField(max_length=200)
    start_time = models.TimeField(default=datetime.time(18, 0))
    rounds = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    round_minutes = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    transition_minutes = models.PositiveSmallIntegerField(
        default=2, validators=[MaxValueValidator(60)]
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    # The size range the organizer asked for when forming groups; groups outside it are flagged.
    group_min_size = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    group_max_size = models.PositiveSmallIntegerField(
        default=8, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="events",
        null=True,
        blank=True,
        help_text="Organizers limited to regions see only their regions' events.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Archived events leave the event list (a filter shows them); nothing else changes.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-date", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(rounds__gte=1), name="event_rounds_positive"),
            models.CheckConstraint(
                condition=models.Q(round_minutes__gte=1), name="event_round_minutes_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("events:detail", kwargs={"pk": self.pk})

    def timetable(self) -> list[RoundSlot]:
        """Each round's start and end: rounds follow each other with a transition between."""
        start = datetime.datetime.combine(self.date, self.start_time)
        slots = []
        for number in range(1, self.rounds + 1):
            end = start + datetime.timedelta(minutes=self.round_minutes)
            slots.append(RoundSlot(number=number, start=start.time(), end=end.time()))
            start = end + datetime.timedelta(minutes=self.transition_minutes)
        return slots

    def round_after(self, moment: datetime.datetime) -> int | None:
        """The first round that has not started at ``moment`` (naive, the event's local
        time): round 1 before the event's day, None once every round has started."""
        first = datetime.datetime.combine(self.date, self.start_time)
        step = datetime.timedelta(minutes=self.round_minutes + self.transition_minutes)
        for number in range(1, self.rounds + 1):
            if first + (number - 1) * step > moment:
                return number
        return None

    @property
    def end_time(self) -> datetime.time:
        minutes = self.rounds * self.round_minutes + (self.rounds - 1) * self.transition_minutes
        end = datetime.datetime.combine(self.date, self.start_time)
        return (end + datetime.timedelta(minutes=minutes)).time()


def validate_round_list(value) -> None:
    if not isinstance(value, list) or not all(
        isinstance(item, int) and item >= 1 for item in value
    ):
        raise ValidationError("Rounds must be a list of round numbers, e.g. [1, 2, 5].")


class Table(models.Model):
    """A specialty table; its anchors stay there while groups come round."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="tables")
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    specialty = models.ForeignKey(Specialty, on_delete=models.PROTECT, related_name="tables")
    capacity = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="How many groups the table hosts in one round.",
    )
    location = models.CharField(max_length=100, blank=True, help_text='e.g. "Hall B, table 4"')

    class Meta:
        ordering = ["event", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "number"], name="table_number_unique_per_event"
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="table_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Table {self.number} ({self.specialty.name})"

    @property
    def track(self) -> str:
        return self.specialty.track


class Anchor(models.Model):
    """A specialist at a table. Absent rounds cover late arrivals and early departures."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="anchors")
    table = models.ForeignKey(Table, on_delete=models.CASCADE, related_name="anchors")
    clinician = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="anchorings")
    absent_rounds = models.JSONField(default=list, blank=True, validators=[validate_round_list])

    class Meta:
        ordering = ["table__number", "clinician__last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "clinician"],
                name="anchor_one_table_per_event",
                violation_error_message="This specialist already anchors a table at this event.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clinician} at {self.table}"

    def save(self, *args, **kwargs):
        self.event_id = self.table.event_id
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.clinician_id and self.clinician.role != Clinician.Role.SPECIALIST:
            raise ValidationError({"clinician": "Only specialists anchor a table."})

    def present_rounds(self, rounds: int) -> list[int]:
        absent = set(self.absent_rounds)
        return [number for number in range(1, rounds + 1) if number not in absent]


class TravelGroup(models.Model):
    """Primary-care clinicians who travel together from table to table."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=150)
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    track = models.CharField(max_length=10, choices=Track.choices, default=Track.ADULT)
    absent_rounds = models.JSONField(default=list, blank=True, validators=[validate_round_list])
    members = models.ManyToManyField(
        Clinician, through="GroupMember", related_name="travel_groups", blank=True
    )

    class Meta:
        ordering = ["event", "name"]
        constraints = [
            models.UniqueConstraint(fields=["event", "name"], name="group_name_unique_per_event"),
        ]

    def __str__(self) -> str:
        return self.name


class GroupMember(models.Model):
    """A clinician in a travelling group; a clinician is in one group per event."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(TravelGroup, on_delete=models.CASCADE, related_name="memberships")
    clinician = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["clinician__last_name", "clinician__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "clinician"],
                name="member_one_group_per_event",
                violation_error_message="This clinician is already in a group at this event.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clinician} in {self.group}"

    def save(self, *args, **kwargs):
        self.event_id = self.group.event_id
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.clinician_id and self.clinician.role != Clinician.Role.PRIMARY_CARE:
            raise ValidationError({"clinician": "Only primary-care clinicians travel in groups."})


class Attendance(models.Model):
    """A clinician invited to an event, with their personal itinerary link."""

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        CONFIRMED = "confirmed", "Confirmed"
        CHECKED_IN = "checked-in", "Checked in"
        NO_SHOW = "no-show", "No-show"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendances")
    clinician = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="attendances")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.INVITED)
    link_token = models.CharField(
        max_length=64, unique=True, default=new_link_token, editable=False
    )
    link_issued_at = models.DateTimeField(auto_now_add=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["clinician__last_name", "clinician__first_name"]
        verbose_name_plural = "attendance"
        constraints = [
            models.UniqueConstraint(fields=["event", "clinician"], name="attendance_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.clinician} at {self.event}"


class OrganizerRegion(models.Model):
    """A region whose events an organizer manages: events owns who may manage which event.

    An organizer with no rows manages every region (a small installation with one team);
    with rows, only the events in those regions. Events without a region are for unrestricted
    organizers and admins only. No permissions of its own: only those who may change accounts
    (``auth.change_user``) set it, so an organizer cannot widen their own regions.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organizer_regions"
    )
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="organizer_regions")

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["user", "region"], name="unique_organizer_region")
        ]

    def __str__(self) -> str:
        return f"{self.user} manages {self.region}"
