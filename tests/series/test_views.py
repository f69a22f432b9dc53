import datetime

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import AuditEntry
from series import services
from series.models import Evening, Invitation, Series
from tests.accounts.helpers import make_organizer
from tests.factories import make_clinician, make_department

from .conftest import in_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer_client(client, world):
    client.force_login(make_organizer(username="org"))
    return client


def test_creating_a_series_is_audited(organizer_client, world):
    response = organizer_client.post(
        reverse("series:create"),
        {
            "name": "Autumn evenings",
            "starts_on": "2027-09-01",
            "ends_on": "2027-11-30",
            "regions": [world.north.pk],
        },
    )

    series = Series.objects.get(name="Autumn evenings")
    assert (response.status_code, response.url) == (302, series.get_absolute_url())
    assert AuditEntry.objects.filter(action=services.SERIES_CREATED, target=series.name).exists()


def test_adding_an_evening_by_region_covers_its_sites(organizer_client, world):
    date = world.series.starts_on + datetime.timedelta(days=50)

    response = organizer_client.post(
        reverse("series:evening_create", kwargs={"series_pk": world.series.pk}),
        {
            "name": "North autumn",
            "date": date.isoformat(),
            "venue": "Milton Hall",
            "start_time": "18:30",
            "region": world.north.pk,
            "cover_regions": [world.north.pk],
            "sites": [world.hingham.pk],
            "reply_by": (date - datetime.timedelta(days=7)).isoformat() + "T12:00",
        },
    )

    evening = Evening.objects.get(event__name="North autumn")
    assert response.status_code == 302
    assert sorted(s.name for s in evening.sites.all()) == ["Hingham", "Milton", "Quincy"]


def test_adding_an_evening_without_sites_says_so(organizer_client, world):
    date = world.series.starts_on + datetime.timedelta(days=50)

    response = organizer_client.post(
        reverse("series:evening_create", kwargs={"series_pk": world.series.pk}),
        {
            "name": "Nowhere",
            "date": date.isoformat(),
            "venue": "Hall",
            "start_time": "18:30",
            "region": world.north.pk,
            "reply_by": (date - datetime.timedelta(days=7)).isoformat() + "T12:00",
        },
    )

    assert "Choose the sites the evening covers" in response.content.decode()


def test_invite_preview_then_send(organizer_client, world, django_capture_on_commit_callbacks):
    kwargs = {"series_pk": world.series.pk, "pk": world.north_evening.pk}

    preview = organizer_client.get(reverse("series:invite_preview", kwargs=kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        organizer_client.post(reverse("series:invite", kwargs=kwargs))
        organizer_client.post(reverse("series:invite", kwargs=kwargs))

    assert "5 people" in preview.content.decode()
    assert (len(mail.outbox), world.north_evening.invitations.count()) == (5, 5)
    assert (
        mail.outbox == []
        or AuditEntry.objects.filter(action=services.INVITATIONS_SENT).count() == 1
    )


def test_series_page_shows_progress_and_gaps(organizer_client, world, invite, answer):
    invitations = invite(world.north_evening)
    answer(invitations[world.heart], services.Answer.YES)
    answer(invitations[world.ann], services.Answer.YES)

    response = organizer_client.get(world.series.get_absolute_url())

    page = response.content.decode()
    assert "No one in Neonatology has said yes for North evening yet (1 invited)." in page
    assert "No one in Cardiology has said yes for North evening" not in page
    assert "No one in Dermatology is invited to South evening yet." in page


def test_reply_page_records_a_yes(client, world, invite):
    invitation = invite(world.north_evening)[world.ann]
    url = reverse("series:reply", kwargs={"token": invitation.token})

    form = client.get(url)
    response = client.post(url, {"answer": "yes"}, follow=True)

    invitation.refresh_from_db()
    assert (form.status_code, invitation.status) == (200, "yes")
    assert "you are coming" in response.content.decode()
    assert response["Referrer-Policy"] == "same-origin"


def test_reply_page_records_a_time_range(client, world, invite):
    invitation = invite(world.north_evening)[world.ann]
    url = reverse("series:reply", kwargs={"token": invitation.token})

    client.post(url, {"answer": "partial", "arrives_at": "18:20", "leaves_at": ""})

    invitation.refresh_from_db()
    assert (invitation.status, invitation.arrives_at, invitation.leaves_at) == (
        "partial",
        datetime.time(18, 20),
        None,
    )


def test_reply_page_asks_for_a_time_when_late_or_early(client, world, invite):
    invitation = invite(world.north_evening)[world.ann]
    url = reverse("series:reply", kwargs={"token": invitation.token})

    response = client.post(url, {"answer": "partial"})

    invitation.refresh_from_db()
    assert "Say when you arrive, when you leave, or both." in response.content.decode()
    assert invitation.status == "invited"


def test_reply_page_after_the_deadline_says_so_and_changes_nothing(client, world, invite):
    invitation = invite(world.north_evening)[world.ann]
    Evening.objects.filter(pk=world.north_evening.pk).update(reply_by=in_days(-1))
    url = reverse("series:reply", kwargs={"token": invitation.token})

    response = client.post(url, {"answer": "yes"})

    invitation.refresh_from_db()
    page = response.content.decode()
    assert ("Replies are closed" in page, "<form" in page, invitation.status) == (
        True,
        False,
        "invited",
    )


def test_reply_page_offers_the_other_evenings(client, world, invite):
    invitation = invite(world.north_evening)[world.ann]
    url = reverse("series:reply", kwargs={"token": invitation.token})

    response = client.post(
        url, {"answer": "other-evening", "other_evening": world.south_evening.pk}
    )

    moved = Invitation.objects.get(evening=world.south_evening, clinician=world.ann)
    assert (response.status_code, response.url) == (302, moved.get_absolute_url())


@pytest.mark.parametrize("size", [1, 4])
def test_series_page_queries_fixed_whatever_the_size(
    organizer_client, world, invite, size, django_assert_max_num_queries
):
    for number in range(size):
        department = make_department(name=f"Family {number}", site=world.quincy)
        make_clinician(department=department)
    for number in range(size):
        services.add_evening(
            series=world.series,
            name=f"Extra {number}",
            date=world.series.starts_on + datetime.timedelta(days=60 + number),
            venue="Hall",
            start_time=datetime.time(18, 0),
            region=world.north,
            sites=[world.quincy, world.milton],
            reply_by=in_days(9),
            cap=5,
            template=None,
            by=world.user,
        )
    for evening in world.series.evenings.all():
        invite(evening)

    # 14 for the evenings and replies, 4 for the season's plan and the evenings' solves.
    with django_assert_max_num_queries(18) as counted:
        organizer_client.get(world.series.get_absolute_url())

    assert len(counted) == 18
