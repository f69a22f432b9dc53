"""What attendees said after an evening: one survey answer per attendance.

The survey opens when the event is over (finished, or past its last round) and closes at the
end of the day the organizer chose (``SurveySettings``), by default ``SURVEY_OPEN_DAYS`` after
the event's day (``outcomes.survey``); until then the clinician may change or delete
their answer through their personal link (``outcomes.views``). Answers are read only in
aggregates of at least ``outcomes.figures.MIN_ANSWERS`` (DESIGN: "Survey answers are shown only
in aggregates of at least five"); the free text only by admins (``view_comments``).
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from clinicians.models import Clinician
from events.models import Attendance, Event, Table


class SurveyAnswer(models.Model):
    """One attendee's answer to the survey of the event they attended."""

    attendance = models.OneToOneField(
        Attendance, on_delete=models.CASCADE, related_name="survey_answer"
    )
    recommend = models.PositiveSmallIntegerField(
        "how likely are you to recommend this evening to a colleague",
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    # People the ledger says they met at the event and will contact again.
    contacts = models.ManyToManyField(Clinician, related_name="+", blank=True)
    # Tables they visited that were the most useful to them.
    useful_tables = models.ManyToManyField(Table, related_name="+", blank=True)
    comment = models.TextField("anything else", max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        permissions = [("view_comments", "Can read the survey's free-text answers")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recommend__lte=10), name="survey_recommend_0_to_10"
            ),
        ]

    def __str__(self) -> str:
        return f"Survey answer of {self.attendance}"


class SurveySettings(models.Model):
    """What the organizer chose for an event's survey: the last day it takes answers. An
    event without a row keeps the default (``outcomes.survey.SURVEY_OPEN_DAYS`` after it)."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="survey_settings")
    closes_on = models.DateField("the survey closes at the end of")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "survey settings"
        verbose_name_plural = "survey settings"

    def __str__(self) -> str:
        return f"Survey of {self.event}: closes {self.closes_on:%Y-%m-%d}"
