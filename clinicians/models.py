from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from .validators import validate_credentials


class Track(models.TextChoices):
    """The patients a specialty serves or a primary-care department sees."""

    ADULT = "adult", "Adult"
    PEDIATRIC = "pediatric", "Pediatric"
    ALL_AGES = "all-ages", "All ages"


def track_allows(group_track: str, table_track: str) -> bool:
    """The track rule, on the app side (the solver's own copy is
    ``rotations.solver.problem.track_allows``; a test keeps them equal): adult groups visit
    adult and all-ages tables, pediatric groups pediatric and all-ages tables, all-ages groups
    any table."""
    if Track.ALL_AGES in (group_track, table_track):
        return True
    return group_track == table_track


class Region(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """A practice site (a clinic or hospital campus) in a region."""

    name = models.CharField(max_length=100, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="sites")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def tidy_name(name: str) -> str:
    """A catalogue name as stored: no leading, trailing or repeated spaces."""
    return " ".join(name.split())


def name_key(name: str) -> str:
    """What makes two catalogue names the same: case and spaces aside ("cardiology " and
    "CARDIOLOGY" are both "cardiology")."""
    return tidy_name(name).casefold()


class SpecialtyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Specialty(models.Model):
    name = models.CharField(max_length=100, unique=True)
    # The name without case or repeated spaces, filled on save: unique, so "cardiology"
    # cannot stand beside "Cardiology".
    name_key = models.CharField(max_length=100, unique=True, editable=False)
    track = models.CharField(
        "patients served", max_length=10, choices=Track.choices, default=Track.ADULT
    )
    description = models.TextField(blank=True)
    # Retired specialties keep their clinicians and past tables but are offered for no new
    # table, anchor or import.
    is_active = models.BooleanField("active", default=True)

    objects = SpecialtyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "specialties"

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name = tidy_name(self.name)
        self.name_key = name_key(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_key"}
        super().save(*args, **kwargs)

    def clean(self):
        self.name = tidy_name(self.name)
        clash = Specialty.objects.filter(name_key=name_key(self.name)).exclude(pk=self.pk).first()
        if clash is not None:
            raise ValidationError({"name": f"A specialty named “{clash.name}” already exists."})


class Department(models.Model):
    """A primary-care department at a site, e.g. Internal Medicine at Quincy."""

    name = models.CharField(max_length=100)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="departments")
    track = models.CharField(max_length=10, choices=Track.choices, default=Track.ADULT)

    class Meta:
        ordering = ["name", "site__name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "site"], name="department_unique_per_site"),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.site.name}"


class ClinicianQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def specialists(self):
        return self.filter(role=Clinician.Role.SPECIALIST)

    def primary_care(self):
        return self.filter(role=Clinician.Role.PRIMARY_CARE)


class Clinician(models.Model):
    class Role(models.TextChoices):
        PRIMARY_CARE = "primary-care", "Primary care"
        SPECIALIST = "specialist", "Specialist"
        LEADER = "leader", "Leader"

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    credentials = models.CharField(
        max_length=60, validators=[validate_credentials], help_text="e.g. MD, DO, NP, PA-C"
    )
    email = models.EmailField(unique=True)
    role = models.CharField(max_length=20, choices=Role.choices)
    specialty = models.ForeignKey(
        Specialty,
        on_delete=models.PROTECT,
        related_name="clinicians",
        null=True,
        blank=True,
        help_text="Required for specialists.",
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="clinicians",
        null=True,
        blank=True,
        help_text="Required for primary-care clinicians.",
    )
    sites = models.ManyToManyField(Site, related_name="clinicians", blank=True)
    # Retired clinicians stay for the history of past events but are not offered any more.
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClinicianQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="specialist") | Q(specialty__isnull=False),
                name="specialist_has_specialty",
                violation_error_message="A specialist needs a specialty.",
            ),
            models.CheckConstraint(
                condition=~Q(role="primary-care") | Q(department__isnull=False),
                name="primary_care_has_department",
                violation_error_message="A primary-care clinician needs a department.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name}, {self.credentials}"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"
