import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import make_attendance, make_clinician
from tests.itineraries.factories import make_large_event, make_small_event

pytestmark = pytest.mark.django_db

HEADER = ["Name", "Credentials", "Role", "Email", "Group or table", "Personal link"]


@pytest.fixture
def viewer(organizer):
    organizer.user_permissions.add(Permission.objects.get(codename="view_event"))
    return organizer


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def small(db):
    return make_small_event()


def export_url(event, kind):
    return reverse("itineraries:export", kwargs={"event_pk": event.pk}) + f"?format={kind}"


def expected_rows(small):
    def row(clinician, credentials, role, where):
        token = small.attendance(clinician).link_token
        return [
            clinician.full_name,
            credentials,
            role,
            clinician.email,
            where,
            f"http://testserver/i/{token}/",
        ]

    return [
        row(small.dana, "MD", "Primary care", "Quincy IM"),
        row(small.eli, "NP", "Primary care", "Quincy IM"),
        row(small.leader, "MD", "Leader", ""),
        row(small.fay, "PA-C", "Primary care", "Braintree FM"),
        row(small.ann, "MD", "Specialist", "Table 1 (Cardiology)"),
        row(small.cara, "MD", "Specialist", "Table 1 (Cardiology)"),
        row(small.bob, "DO", "Specialist", "Table 2 (Dermatology)"),
        row(small.gus, "MD", "Specialist", "Table 3 (Endocrinology)"),
    ]


def test_attendee_export_csv_lists_everyone_with_their_link(viewer_client, small):
    response = viewer_client.get(export_url(small.event, "csv"))

    text = b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")
    assert response["Content-Disposition"] == 'attachment; filename="spring-rounds-attendees.csv"'
    assert list(csv.reader(io.StringIO(text))) == [HEADER, *expected_rows(small)]


def test_attendee_export_xlsx_lists_everyone_with_their_link(viewer_client, small):
    response = viewer_client.get(export_url(small.event, "xlsx"))

    sheet = load_workbook(io.BytesIO(response.content))["Attendees"]
    assert response["Content-Disposition"] == (
        'attachment; filename="spring-rounds-attendees.xlsx"'
    )
    assert list(sheet.values) == [
        tuple(HEADER),
        *(tuple(None if value == "" else value for value in row) for row in expected_rows(small)),
    ]
    assert sheet.freeze_panes == "B2"


def test_attendee_export_is_never_cached(viewer_client, small):
    response = viewer_client.get(export_url(small.event, "xlsx"))

    assert response["Cache-Control"] == "private, no-store"


def test_attendee_export_neutralizes_formulas(viewer_client, small):
    evil = make_clinician(first_name="=cmd|' /C calc'!A0", last_name="Doe", credentials="MD")
    make_attendance(event=small.event, clinician=evil)

    csv_response = viewer_client.get(export_url(small.event, "csv"))
    xlsx_response = viewer_client.get(export_url(small.event, "xlsx"))

    text = b"".join(csv_response.streaming_content).decode("utf-8").removeprefix("\ufeff")
    csv_names = [row[0] for row in csv.reader(io.StringIO(text))]
    sheet = load_workbook(io.BytesIO(xlsx_response.content))["Attendees"]
    xlsx_cells = [(c.value, c.data_type) for c in sheet["A"] if c.value.startswith("'")]
    assert "'=cmd|' /C calc'!A0 Doe" in csv_names
    assert xlsx_cells == [("'=cmd|' /C calc'!A0 Doe", "s")]


def test_attendee_export_unknown_format_is_404(viewer_client, small):
    assert viewer_client.get(export_url(small.event, "pdf")).status_code == 404


def test_attendee_export_without_permission_is_403(organizer_client, small):
    assert organizer_client.get(export_url(small.event, "csv")).status_code == 403


def test_attendee_export_queries_do_not_grow_with_the_event(viewer_client):
    small_event = make_large_event(groups=2, tables=4)[0]
    large_event = make_large_event(groups=12, tables=8)[0]

    def count(event):
        with CaptureQueriesContext(connection) as queries:
            viewer_client.get(export_url(event, "xlsx"))
            response = viewer_client.get(export_url(event, "csv"))
            b"".join(response.streaming_content)
        return len(queries)

    assert count(small_event) == count(large_event)


def test_attendee_list_page_links_to_the_exports(viewer_client, small):
    response = viewer_client.get(reverse("itineraries:list", kwargs={"event_pk": small.event.pk}))

    assert [export_url(small.event, "xlsx"), export_url(small.event, "csv")] == [
        url
        for url in (export_url(small.event, "xlsx"), export_url(small.event, "csv"))
        if url in response.content.decode()
    ]
