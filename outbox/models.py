from django.db import models


class Email(models.Model):
    """One email Rounds sends, from the moment it is queued: what it says, to whom, and what
    became of it. ``key`` names the send once and for all ("invite:evening-12:clinician-40"):
    queueing the same key again returns this row and sends nothing more."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped: opted out of reminders"

    key = models.CharField(max_length=200, unique=True)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    # What the email is for, in the sending app's words ("invitation", "reminder",
    # "itinerary-link"); the list page filters on it.
    kind = models.CharField(max_length=40, db_index=True)
    # A reminder is skipped for an address that opted out of reminders.
    reminder = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When a worker should have taken the row (queued, or a retry's backoff over), and when
    # the last attempt started: the watchdog's clocks (services.requeue_stalled_emails).
    due_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="outbox_email_status_due"),
            models.Index(fields=["to"], name="outbox_email_to"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to} ({self.get_status_display().lower()})"

    def get_kind_display(self) -> str:
        """ "itinerary-link" -> "Itinerary link"."""
        return self.kind.replace("-", " ").replace("_", " ").capitalize()


class OptOut(models.Model):
    """An address that asked for no more reminders (invitations and personal links still go).
    Addresses are kept in lower case."""

    address = models.EmailField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["address"]
        verbose_name = "opt-out"

    def __str__(self) -> str:
        return self.address
