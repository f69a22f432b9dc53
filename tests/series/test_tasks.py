import datetime

import pytest
from django.core import mail
from django.test import TestCase

from series.models import Evening
from series.tasks import send_due_reminders_task

pytestmark = pytest.mark.django_db


def test_reminders_task_reminds_those_who_have_not_answered_near_the_deadline(world, invite):
    invite(world.north_evening)
    Evening.objects.filter(pk=world.north_evening.pk).update(
        reply_by=world.north_evening.reply_by - datetime.timedelta(days=8)
    )
    # Invited more than a day ago.
    world.north_evening.invitations.update(
        sent_at=world.north_evening.reply_by - datetime.timedelta(days=12)
    )
    mail.outbox.clear()

    with TestCase.captureOnCommitCallbacks(execute=True):
        sent = send_due_reminders_task()

    assert (sent, len(mail.outbox), mail.outbox[0].subject.startswith("Reminder")) == (
        5,
        5,
        True,
    )
