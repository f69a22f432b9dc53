from django.conf import settings
from django.db import models


def action_label(action: str) -> str:
    """ "schedule.published" -> "Schedule published"."""
    return action.replace(".", " ").replace("_", " ").capitalize()


class AuditEntry(models.Model):
    """Who did what, when, in a sentence an organizer can read: publishes, re-plans and
    changes to published schedules, refused deletes, link reissues, imports, catalogue edits
    and roles.

    ``action`` is a dotted code chosen by the app that writes the entry (``"schedule.published"``);
    accounts knows no app above it, so it keeps no list of them.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=40, db_index=True)
    # What was acted on, in words that stay readable after the object is gone.
    target = models.CharField(max_length=200)
    # What happened, as a sentence: "Ann Lee published version 3 of North, spring (12
    # itineraries changed)." Entries written before sentences existed have none.
    message = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action_label}: {self.target}"

    @property
    def action_label(self) -> str:
        return action_label(self.action)


class OrganizerProfile(models.Model):
    """An account's own settings beyond Django's user, and the home of the permission to
    manage every region (``accounts.manage_all_regions``, part of the Admins role).

    Which regions a limited organizer manages is kept by the app that owns events: accounts
    knows no app above it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organizer_profile"
    )

    class Meta:
        permissions = [
            ("manage_all_regions", "Can manage the events of every region"),
        ]

    def __str__(self) -> str:
        return f"Organizer profile of {self.user}"
