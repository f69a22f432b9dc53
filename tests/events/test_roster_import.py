"""A roster imported from an event's attendance: everyone in the file attends, in one step."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clinicians.models import Clinician, Track
from events.views import roster_import_url
from tests.clinicians.helpers import PCP_ROW, SPECIALIST_ROW, roster_csv
from tests.factories import make_department, make_event, make_region, make_site, make_specialty

pytestmark = pytest.mark.django_db


@pytest.fixture
def importer(organizer_client, organizer_with_perms):
    organizer_with_perms.user_permissions.add(Permission.objects.get(codename="add_clinician"))
    quincy = make_site(name="Quincy", region=make_region(name="South Shore"))
    make_site(name="Salem", region=make_region(name="North Shore"))
    make_specialty(name="Cardiology", track=Track.ADULT)
    make_department(name="Internal Medicine", site=quincy, track=Track.ADULT)
    return organizer_client


def _upload(client, event, *rows):
    response = client.post(
        roster_import_url(event),
        {"file": SimpleUploadedFile("roster.csv", roster_csv(*rows))},
    )
    return re.search(r"/import/(\w+)/$", response.url).group(1)


def test_the_preview_offers_to_add_everyone_to_the_event(importer):
    event = make_event()
    token = _upload(importer, event, PCP_ROW, SPECIALIST_ROW)

    page = importer.get(reverse("clinicians:import_preview", kwargs={"token": token}))

    then = parse_qs(urlsplit(roster_import_url(event)).query)["then"][0]
    assert then == reverse("events:attendance_import", kwargs={"event_pk": event.pk})
    assert page.context["then_url"] == then
    assert "Import 2 clinicians and add them to the event" in page.content.decode()


def test_import_and_add_writes_both_then_back_is_explained(importer):
    event = make_event(name="South Shore rounds")
    token = _upload(importer, event, PCP_ROW, SPECIALIST_ROW)
    url = reverse("events:attendance_import", kwargs={"event_pk": event.pk})

    response = importer.post(url, {"token": token}, follow=True)
    again = importer.post(url, {"token": token})

    assert response.redirect_chain[-1][0] == reverse(
        "events:attendance_list", kwargs={"event_pk": event.pk}
    )
    assert sorted(event.attendances.values_list("clinician__email", flat=True)) == sorted(
        Clinician.objects.values_list("email", flat=True)
    )
    assert [str(m) for m in response.context["messages"]][-1] == (
        "2 clinicians added to South Shore rounds. Next: the tables."
    )
    # Back and Import again: a page that says it is done and where to look, not a bare 404.
    assert again.status_code == 404
    assert "already imported" in again.content.decode()
    assert event.attendances.count() == 2


def test_import_and_add_of_a_file_with_errors_writes_nothing(importer):
    event = make_event()
    bad = list(SPECIALIST_ROW)
    bad[5] = "Cardiolgy"
    token = _upload(importer, event, PCP_ROW, bad)

    response = importer.post(
        reverse("events:attendance_import", kwargs={"event_pk": event.pk}), {"token": token}
    )

    assert response.url == reverse("clinicians:import_preview", kwargs={"token": token})
    assert (Clinician.objects.count(), event.attendances.count()) == (0, 0)


def test_the_preview_filters_to_the_rows_with_errors(importer):
    event = make_event()
    bad = list(SPECIALIST_ROW)
    bad[5] = "Cardiolgy"
    token = _upload(importer, event, PCP_ROW, bad)
    url = reverse("clinicians:import_preview", kwargs={"token": token})

    every, errors = importer.get(url), importer.get(f"{url}?show=errors")

    assert [row.number for row in every.context["rows"]] == [2, 3]
    assert [row.number for row in errors.context["rows"]] == [3]
    assert "Errors only (1)" in errors.content.decode()
