import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from rotations.exports import master_grid_document
from tests.events.scenario import make_organizer
from tests.factories import make_anchor, make_event, make_group, make_table
from tests.itineraries.factories import make_demo_shaped_event
from tests.rotations.helpers import make_schedule

pytestmark = pytest.mark.django_db

HEADER = ["Round 1 (18:00)", "Round 2 (18:12)", "Round 3 (18:24)", "Round 4 (18:36)"]


@pytest.fixture
def organizer_client(client):
    client.force_login(make_organizer(username="olive"))
    return client


@pytest.fixture
def version(small):
    """A draft version of the small event: IM Quincy and Peds Braintree share table 2 in
    round 3; Peds Braintree comes from round 3."""
    t1, t2, t3 = small.tables
    im, peds, walk = small.im, small.peds, small.walk
    return make_schedule(
        small.event,
        [
            (1, im, t1),
            (1, walk, t3),
            (2, im, t3),
            (2, walk, t1),
            (3, im, t2),
            (3, peds, t2),
            (4, peds, t3),
            (4, walk, t2),
        ],
        version=2,
    )


def _bigger_version(*, tables: int = 9, groups: int = 14, rounds: int = 8):
    """A version of a larger event: each group at a different table each round."""
    event = make_event(name="Larger", rounds=rounds)
    table_rows = [make_anchor(table=make_table(event=event)).table for _ in range(tables)]
    group_rows = [make_group(event=event, name=f"Group {n}") for n in range(groups)]
    return make_schedule(
        event,
        [
            (r, group, table_rows[(g + r) % tables])
            for r in range(1, rounds + 1)
            for g, group in enumerate(group_rows)
        ],
    )


def _url(name, schedule, query=""):
    return reverse(name, kwargs={"event_pk": schedule.event_id, "pk": schedule.pk}) + query


def _csv(response):
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_schedule_export_xlsx_has_both_views(organizer_client, version):
    response = organizer_client.get(_url("rotations:schedule_export", version, "?format=xlsx"))

    book = load_workbook(io.BytesIO(response.content))
    groups, tables = book["Groups by round"], book["Tables by round"]
    assert response["Content-Disposition"] == 'attachment; filename="north-spring-version-2.xlsx"'
    assert book.sheetnames == ["Groups by round", "Tables by round"]
    assert list(groups.values) == [
        ("Group", *HEADER),
        (
            "IM Quincy",
            "Table 1 (Cardiology)",
            "Table 3 (Dermatology)",
            "Table 2 (Neonatology)",
            None,
        ),
        ("Peds Braintree", None, None, "Table 2 (Neonatology)", "Table 3 (Dermatology)"),
        (
            "Walk-ins",
            "Table 3 (Dermatology)",
            "Table 1 (Cardiology)",
            None,
            "Table 2 (Neonatology)",
        ),
    ]
    assert list(tables.values) == [
        ("Table", *HEADER),
        ("Table 1 (Cardiology)", "IM Quincy", "Walk-ins", None, None),
        ("Table 2 (Neonatology)", None, None, "IM Quincy, Peds Braintree", "Walk-ins"),
        ("Table 3 (Dermatology)", "Walk-ins", "IM Quincy", None, "Peds Braintree"),
    ]
    assert (groups.freeze_panes, tables.freeze_panes) == ("B2", "B2")
    assert (groups["A1"].font.b, groups.column_dimensions["B"].width) == (True, 23)


def test_schedule_export_csv_tables_view(organizer_client, version):
    response = organizer_client.get(
        _url("rotations:schedule_export", version, "?format=csv&view=tables")
    )

    assert response["Content-Disposition"] == (
        'attachment; filename="north-spring-version-2-tables.csv"'
    )
    assert _csv(response) == [
        ["Table", *HEADER],
        ["Table 1 (Cardiology)", "IM Quincy", "Walk-ins", "", ""],
        ["Table 2 (Neonatology)", "", "", "IM Quincy, Peds Braintree", "Walk-ins"],
        ["Table 3 (Dermatology)", "Walk-ins", "IM Quincy", "", "Peds Braintree"],
    ]


def test_schedule_export_csv_groups_view(organizer_client, version):
    response = organizer_client.get(
        _url("rotations:schedule_export", version, "?format=csv&view=groups")
    )

    assert _csv(response) == [
        ["Group", *HEADER],
        ["IM Quincy", "Table 1 (Cardiology)", "Table 3 (Dermatology)", "Table 2 (Neonatology)", ""],
        ["Peds Braintree", "", "", "Table 2 (Neonatology)", "Table 3 (Dermatology)"],
        ["Walk-ins", "Table 3 (Dermatology)", "Table 1 (Cardiology)", "", "Table 2 (Neonatology)"],
    ]


@pytest.mark.parametrize("query", ["?format=pdf", "?format=csv&view=rooms"])
def test_schedule_export_unknown_format_or_view_is_404(organizer_client, version, query):
    response = organizer_client.get(_url("rotations:schedule_export", version, query))

    assert response.status_code == 404


def test_schedule_export_neutralizes_formulas(organizer_client, small):
    evil = make_group(event=small.event, name='=HYPERLINK("http://x","y")')
    plus = make_group(event=small.event, name="+1")
    tab = make_group(event=small.event, name="\tcmd")
    schedule = make_schedule(
        small.event, [(1, evil, small.t3), (2, plus, small.t3), (3, tab, small.t3)]
    )

    xlsx = organizer_client.get(_url("rotations:schedule_export", schedule, "?format=xlsx"))
    text = organizer_client.get(
        _url("rotations:schedule_export", schedule, "?format=csv&view=tables")
    )

    sheet = load_workbook(io.BytesIO(xlsx.content))["Groups by round"]
    assert [(cell.value, cell.data_type) for cell in sheet["A"][1:4]] == [
        ("'\tcmd", "s"),
        ("'+1", "s"),
        ('\'=HYPERLINK("http://x","y")', "s"),
    ]
    assert _csv(text)[3][1:4] == ['\'=HYPERLINK("http://x","y")', "'+1", "'\tcmd"]


def test_schedule_export_queries_do_not_grow_with_the_event(organizer_client, version):
    big_version = _bigger_version()

    def count(schedule):
        with CaptureQueriesContext(connection) as queries:
            for query in ("?format=xlsx", "?format=csv&view=groups"):
                response = organizer_client.get(_url("rotations:schedule_export", schedule, query))
                if response.streaming:
                    b"".join(response.streaming_content)
        return len(queries)

    assert count(version) == count(big_version)


def test_schedule_master_pdf_queries_do_not_grow_with_the_event(organizer_client, version):
    big_version = _bigger_version()

    def count(schedule):
        with CaptureQueriesContext(connection) as queries:
            organizer_client.get(_url("rotations:schedule_master_pdf", schedule))
        return len(queries)

    assert count(version) == count(big_version)


def test_schedule_master_pdf_is_a_pdf(organizer_client, version):
    response = organizer_client.get(_url("rotations:schedule_master_pdf", version))

    assert (response["Content-Type"], response.content[:5]) == ("application/pdf", b"%PDF-")
    assert response["Content-Disposition"] == 'inline; filename="north-spring-version-2-grid.pdf"'


def test_master_grid_of_a_demo_sized_event_is_one_page(db):
    event = make_demo_shaped_event()

    document = master_grid_document(schedule=event.schedules.get())

    assert len(document.pages) == 1


def test_master_grid_marks_rounds_without_an_anchor(version):
    from rotations.exports import master_grid

    grid = master_grid(schedule=version)

    assert [(table.number, cells) for table, cells in grid.rows] == [
        (1, [["IM Quincy"], ["Walk-ins"], [], None]),
        (2, [[], None, ["IM Quincy", "Peds Braintree"], ["Walk-ins"]]),
        (3, [["Walk-ins"], ["IM Quincy"], [], ["Peds Braintree"]]),
    ]


def test_schedule_detail_shows_the_export_buttons(organizer_client, version):
    response = organizer_client.get(_url("rotations:schedule", version))

    assert [
        _url("rotations:schedule_export", version, "?format=xlsx").encode(),
        _url("rotations:schedule_master_pdf", version).encode(),
    ] == [
        url
        for url in (
            _url("rotations:schedule_export", version, "?format=xlsx").encode(),
            _url("rotations:schedule_master_pdf", version).encode(),
        )
        if url in response.content
    ]
