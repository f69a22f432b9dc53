"""Facilitated Dinners: a season of small-group dinners between the evenings.

A ``DinnerSeason`` has a cadence (a first date, every N weeks, a count), group sizes, a budget
per person per dinner, the regions taking part and a sign-up deadline. Each invited clinician
holds a ``SignUp`` with a personal link (``/d/<token>/``): the weekday evenings that suit,
the sites they can reach, whether they would host, and people they should not be grouped with
(private: admins only). Group formation makes ``DinnerGroup`` rows (members, a weekday, a host
with their own link ``/dh/<token>/``) and one ``Dinner`` per group and date, each with a
question from the bank (``DinnerQuestion``) never repeated within a group. The host records
RSVPs and attendance (``DinnerSeat``) and the stipend claim (receipt amount) on the dinner.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from clinicians.models import Clinician, Region, Site
from events.models import new_link_token

WEEKDAYS = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
]
WEEKDAY_CODES = [code for code, _ in WEEKDAYS]
WEEKDAY_NAMES = dict(WEEKDAYS)


def default_weekdays() -> list[str]:
    return ["tue", "wed", "thu"]


class DinnerQuestion(models.Model):
    """A question that opens a dinner's conversation; admins keep the bank."""

    class Topic(models.TextChoices):
        MEANING = "meaning", "Meaning in work"
        BALANCE = "balance", "Work–life balance"
        MISTAKES = "mistakes", "Medical mistakes"
        RESILIENCE = "resilience", "Resilience"

    text = models.TextField(unique=True)
    topic = models.CharField(max_length=20, choices=Topic.choices)
    is_active = models.BooleanField("in use", default=True)

    class Meta:
        ordering = ["topic", "pk"]

    def __str__(self) -> str:
        return self.text


def _percent(part: int | None, whole: int | None) -> int | None:
    if part is None or not whole:
        return None
    return round(100 * part / whole)


class DinnerSeason(models.Model):
    class Status(models.TextChoices):
        SIGN_UP = "sign-up", "Sign-up"
        FORMED = "formed", "Groups formed"
        FINISHED = "finished", "Finished"

    name = models.CharField(max_length=200)
    starts_on = models.DateField("first dinner week")
    every_weeks = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    dinners_count = models.PositiveSmallIntegerField(
        "dinners per group", default=12, validators=[MinValueValidator(1), MaxValueValidator(52)]
    )
    weekdays = models.JSONField(
        "weekday evenings offered", default=default_weekdays, help_text="e.g. tue, wed, thu"
    )
    min_size = models.PositiveSmallIntegerField(
        "smallest group", default=6, validators=[MinValueValidator(2), MaxValueValidator(30)]
    )
    max_size = models.PositiveSmallIntegerField(
        "largest group", default=8, validators=[MinValueValidator(2), MaxValueValidator(30)]
    )
    budget_per_person = models.DecimalField(
        "budget per person per dinner",
        max_digits=7,
        decimal_places=2,
        default=Decimal("20.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    regions = models.ManyToManyField(Region, related_name="dinner_seasons")
    sign_up_by = models.DateTimeField("sign-up deadline")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SIGN_UP)
    # The figures of the last group formation.
    formed_at = models.DateTimeField(null=True, blank=True)
    pairs = models.PositiveIntegerField(null=True, blank=True)
    new_pairs = models.PositiveIntegerField(null=True, blank=True)
    random_new_pairs = models.PositiveIntegerField(null=True, blank=True)
    # A random valid grouping's pairs, beside its new pairs: groups of other sizes hold
    # another number of pairs, so the page compares shares, not counts alone.
    random_pairs = models.PositiveIntegerField(null=True, blank=True)
    unplaced = models.JSONField(default=list, blank=True)
    forming = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        permissions = [("view_private_wishes", "See who asked not to dine with whom")]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_size__gte=models.F("min_size")),
                name="dinner_season_sizes_in_order",
                violation_error_message="The largest group cannot be smaller than the smallest.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("dinners:detail", kwargs={"pk": self.pk})

    @property
    def new_pairs_percent(self) -> int | None:
        """The share of the groups' pairs who are new colleagues, in whole percent."""
        return _percent(self.new_pairs, self.pairs)

    @property
    def random_new_pairs_percent(self) -> int | None:
        """The same share for a random valid grouping of the same people."""
        return _percent(self.random_new_pairs, self.random_pairs)

    def dinner_weeks(self) -> list[datetime.date]:
        """The first day of each dinner week: ``starts_on`` every ``every_weeks`` weeks."""
        step = datetime.timedelta(weeks=self.every_weeks)
        return [self.starts_on + step * i for i in range(self.dinners_count)]

    def weekday_labels(self) -> list[str]:
        return [WEEKDAY_NAMES.get(code, code) for code in self.weekdays]


def date_in_week(week: datetime.date, weekday: str) -> datetime.date:
    """The first ``weekday`` on or after ``week``."""
    return week + datetime.timedelta(days=(WEEKDAY_CODES.index(weekday) - week.weekday()) % 7)


class SignUp(models.Model):
    """One clinician invited to a season, with their personal link and their answers."""

    class Status(models.TextChoices):
        INVITED = "invited", "Not answered"
        JOINED = "joined", "Signed up"
        DECLINED = "declined", "Not this season"

    class Host(models.TextChoices):
        YES = "yes", "Yes, I will host"
        IF_NEEDED = "if-needed", "If nobody else does"
        NO = "no", "I would rather not"

    season = models.ForeignKey(DinnerSeason, on_delete=models.CASCADE, related_name="sign_ups")
    clinician = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=new_link_token, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INVITED)
    weekdays = models.JSONField(default=list, blank=True)
    reach = models.ManyToManyField(Site, related_name="+", blank=True)
    host = models.CharField(max_length=10, choices=Host.choices, default=Host.IF_NEEDED)
    # Private: only admins (dinners.view_private_wishes) see it.
    not_with = models.ManyToManyField(Clinician, related_name="+", blank=True)
    sent_at = models.DateTimeField("invitation sent", null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    # The reminder before the sign-up deadline (one per sign-up: services.send_sign_up_reminders).
    reminded_at = models.DateTimeField("reminded to sign up", null=True, blank=True)

    class Meta:
        ordering = ["clinician__last_name", "clinician__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["season", "clinician"],
                name="sign_up_once_per_season",
                violation_error_message="This clinician is already invited to this season.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clinician} for {self.season}"

    def get_absolute_url(self) -> str:
        return reverse("dinners:signup", kwargs={"token": self.token})


class DinnerGroup(models.Model):
    """A group that dines together through the season, on one weekday, with a host."""

    season = models.ForeignKey(DinnerSeason, on_delete=models.CASCADE, related_name="groups")
    number = models.PositiveSmallIntegerField()
    weekday = models.CharField(max_length=3, choices=WEEKDAYS)
    members = models.ManyToManyField(Clinician, related_name="dinner_groups")
    host = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.SET_NULL, null=True, blank=True)
    host_token = models.CharField(
        max_length=64, unique=True, default=new_link_token, editable=False
    )

    class Meta:
        ordering = ["season", "number"]
        constraints = [
            models.UniqueConstraint(fields=["season", "number"], name="dinner_group_number"),
        ]

    def __str__(self) -> str:
        return f"Group {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("dinners:host", kwargs={"token": self.host_token})


class Dinner(models.Model):
    """One dinner of a group on one date, with its question and the host's stipend claim."""

    group = models.ForeignKey(DinnerGroup, on_delete=models.CASCADE, related_name="dinners")
    date = models.DateField()
    question = models.ForeignKey(
        DinnerQuestion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)
    receipt_amount = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["date", "group__number"]
        constraints = [
            models.UniqueConstraint(fields=["group", "date"], name="dinner_once_per_group_date"),
            models.UniqueConstraint(
                fields=["group", "question"],
                name="dinner_question_once_per_group",
                violation_error_message="A group never gets the same question twice.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} on {self.date:%A %-d %B}"


class DinnerSeat(models.Model):
    """A member's place at one dinner: their RSVP and, afterwards, whether they came."""

    class Rsvp(models.TextChoices):
        UNKNOWN = "unknown", "Not known"
        YES = "yes", "Coming"
        NO = "no", "Not coming"

    dinner = models.ForeignKey(Dinner, on_delete=models.CASCADE, related_name="seats")
    clinician = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="+")
    rsvp = models.CharField(max_length=8, choices=Rsvp.choices, default=Rsvp.UNKNOWN)
    attended = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["clinician__last_name", "clinician__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["dinner", "clinician"], name="dinner_seat_once"),
        ]

    def __str__(self) -> str:
        return f"{self.clinician} at {self.dinner}"
