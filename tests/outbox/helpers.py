import smtplib

from django.core import mail


class FlakyBackend:
    """An email backend whose first ``failures`` sends raise ``error``, then deliver to
    django.core.mail.outbox like the locmem backend."""

    failures = 0
    error: Exception = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    calls = 0

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise type(self).error
        mail.outbox.extend(messages)
        return len(messages)
