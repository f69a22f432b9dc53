from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """Who did what, when: schedule changes after publishing, link reissues, imports, roles."""

    class Action(models.TextChoices):
        SCHEDULE_PUBLISHED = "schedule.published", "Schedule published"
        SCHEDULE_CHANGED = "schedule.changed", "Published schedule changed"
        LINK_REISSUED = "link.reissued", "Personal link reissued"
        ROSTER_IMPORTED = "roster.imported", "Roster imported"
        ROLE_CHANGED = "role.changed", "Role changed"
        CLINICIAN_RETIRED = "clinician.retired", "Clinician retired"
        CLINICIANS_MERGED = "clinicians.merged", "Clinicians merged"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=40, choices=Action.choices)
    # What was acted on, in words that stay readable after the object is gone.
    target = models.CharField(max_length=200)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}: {self.target}"


class OrganizerProfile(models.Model):
    """What an organizer may manage beyond their permissions: the regions of their events.

    No regions means every region (a small installation with one organizer team); with
    regions, only events in those regions. Events without a region are for unrestricted
    organizers and admins only.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organizer_profile"
    )
    regions = models.ManyToManyField(
        "clinicians.Region",
        blank=True,
        related_name="organizers",
        help_text="Leave empty for every region.",
    )

    class Meta:
        permissions = [
            ("manage_all_regions", "Can manage the events of every region"),
        ]

    def __str__(self) -> str:
        return f"Organizer profile of {self.user}"
