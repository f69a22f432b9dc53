"""The one rule for reissuing a personal link (events.links), used by itineraries, series and
dinners."""

import pytest
from django.db import transaction

from accounts.models import AuditEntry
from events.links import link_email_key, reissue_token
from events.models import Attendance
from tests.factories import make_attendance

pytestmark = pytest.mark.django_db


def _reissue(attendance, **extra):
    return reissue_token(
        attendance,
        token_field="link_token",
        issued_at_field="link_issued_at",
        by=None,
        action="link.reissued",
        target=str(attendance),
        message="Rounds reissued a link.",
        details={"attendance": attendance.pk},
        **extra,
    )


def test_a_reissued_token_replaces_the_old_one_and_is_audited():
    attendance = make_attendance()
    old_token, old_issued = attendance.link_token, attendance.link_issued_at

    token = _reissue(attendance)

    stored = Attendance.objects.get(pk=attendance.pk)
    assert (stored.link_token, stored.link_token != old_token) == (token, True)
    assert stored.link_issued_at > old_issued
    assert not Attendance.objects.filter(link_token=old_token).exists()
    assert AuditEntry.objects.filter(action="link.reissued", details__attendance=attendance.pk)


def test_a_reissue_inside_a_rolled_back_transaction_leaves_the_old_link():
    attendance = make_attendance()
    old_token = attendance.link_token

    with pytest.raises(RuntimeError), transaction.atomic():
        _reissue(attendance)
        raise RuntimeError("the caller failed")

    assert Attendance.objects.get(pk=attendance.pk).link_token == old_token
    assert not AuditEntry.objects.filter(action="link.reissued").exists()


def test_the_email_key_changes_with_the_link():
    assert (
        link_email_key("dinners:sign-up", 7, "abcdefghijklmnopq")
        == "dinners:sign-up:7:abcdefghijkl"
    )
    assert link_email_key("dinners:sign-up", 7, "abcdefghijkl") != link_email_key(
        "dinners:sign-up", 7, "zbcdefghijkl"
    )
