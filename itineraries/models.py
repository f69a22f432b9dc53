from django.conf import settings
from django.db import models
from django.db.models import Q

from events.models import Attendance
from rotations.models import Schedule


class LinkEmail(models.Model):
    """One email of a personal link, sent to one attendee for one published version: what makes
    sending the same links twice send nothing the second time."""

    class Audience(models.TextChoices):
        CHANGED = "changed", "Those whose itinerary changed"
        EVERYONE = "everyone", "Everyone"

    attendance = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="+")
    # The version published when the email went; none before the first publish.
    schedule = models.ForeignKey(
        Schedule, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    audience = models.CharField(max_length=10, choices=Audience.choices)
    sent_at = models.DateTimeField(auto_now_add=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["attendance", "schedule"], name="link_email_once_per_version"
            ),
            models.UniqueConstraint(
                fields=["attendance"],
                condition=Q(schedule__isnull=True),
                name="link_email_once_before_publishing",
            ),
        ]

    def __str__(self) -> str:
        return f"Link email to {self.attendance} for version {self.schedule_id}"
