import pytest

from events.models import Attendance
from itineraries.documents import (
    itineraries_document,
    qr_code_data_uri,
    render_itineraries_pdf,
    render_table_signs_pdf,
    table_signs_document,
    write_itineraries_pdf,
)
from itineraries.tasks import get_pdf_progress, itineraries_pdf_path, render_itineraries_pdf_task
from tests.itineraries.factories import (
    make_busy_table_event,
    make_demo_shaped_event,
    make_small_event,
)

pytestmark = pytest.mark.django_db


def absolute(path: str) -> str:
    return f"https://rounds.example.org{path}"


def page_texts(document) -> list[str]:
    """The text on each page of a rendered WeasyPrint document."""

    def text(box):
        own = getattr(box, "text", "") or ""
        return own + " ".join(text(child) for child in getattr(box, "children", []))

    return [" ".join(text(page._page_box).split()) for page in document.pages]


def rows_by_page(document) -> dict:
    """For each round's row of a rendered document, the pages it is drawn on."""
    pages: dict = {}

    def walk(box, number):
        element = getattr(box, "element", None)
        if getattr(box, "element_tag", None) == "tr" and "sheet-round" in (
            element.get("class") or ""
        ):
            pages.setdefault(id(box.element), set()).add(number)
        for child in getattr(box, "children", []):
            walk(child, number)

    for number, page in enumerate(document.pages):
        walk(page._page_box, number)
    return pages


def test_itineraries_document_one_page_per_attendee():
    small = make_small_event()

    document = itineraries_document(event=small.event)

    texts = page_texts(document)
    assert len(document.pages) == 8
    assert [text.split(" · Main Hall ")[1].split(",")[0] for text in texts] == [
        "Dana Able",
        "Eli Baker",
        "Lee Chief",
        "Fay Cole",
        "Ann Heart",
        "Cara Pulse",
        "Bob Skin",
        "Gus Sugar",
    ]
    assert "Break — no table this round" in texts[3]


def test_itineraries_document_demo_shaped_event_one_page_per_clinician():
    event = make_demo_shaped_event()
    names = [
        attendance.clinician.full_name
        for attendance in Attendance.objects.filter(event=event)
        .select_related("clinician")
        .order_by("clinician__last_name", "clinician__first_name", "pk")
    ]

    document = itineraries_document(event=event)

    texts = page_texts(document)
    assert (len(names), len(document.pages)) == (142, 142)
    assert [name in text for name, text in zip(names, texts, strict=True)] == [True] * 142


@pytest.mark.slow  # 109 pages
def test_itineraries_document_twenty_rounds_fit_a_traveller_page():
    event = make_demo_shaped_event(rounds=20, tables=23, anchors_attend=False)

    document = itineraries_document(event=event)

    assert (event.attendances.count(), len(document.pages)) == (109, 109)


def test_table_signs_document_demo_shaped_event_one_page_per_table():
    event = make_demo_shaped_event()

    document = table_signs_document(event=event, absolute_url=absolute)

    texts = page_texts(document)
    assert len(document.pages) == 11
    assert [text.split(" ")[1] for text in texts] == [str(n) for n in range(1, 12)]


def test_itineraries_and_sign_of_a_table_with_three_groups_every_round_fit_a_page():
    event = make_busy_table_event()

    itineraries = itineraries_document(event=event)
    signs = table_signs_document(event=event, absolute_url=absolute)

    assert (len(itineraries.pages), len(signs.pages)) == (3, 1)


def test_itineraries_document_too_long_for_a_page_runs_on_without_cutting_a_row():
    event = make_busy_table_event(rounds=20)

    document = itineraries_document(event=event)

    pages_of_rows = rows_by_page(document)
    assert len(document.pages) == 6
    assert sorted(len(pages) for pages in pages_of_rows.values()) == [1] * 60


def test_render_itineraries_pdf_is_a_pdf():
    small = make_small_event()

    pdf = render_itineraries_pdf(event=small.event)

    assert pdf[:5] == b"%PDF-"


def test_table_signs_document_one_page_per_table_with_qr_code():
    small = make_small_event()

    document = table_signs_document(event=small.event, absolute_url=absolute)

    texts = page_texts(document)
    assert len(document.pages) == 3
    assert [t.split(" Spring Rounds")[0] for t in texts] == [
        "TABLE 1 Cardiology Hall A Ann Heart, MD Cara Pulse, MD Scan for this table's rounds",
        "TABLE 2 Dermatology Hall B Bob Skin, DO Scan for this table's rounds",
        "TABLE 3 Endocrinology Gus Sugar, MD Scan for this table's rounds",
    ]
    assert (
        "1 18:00–18:10 Braintree FM Fay Cole 2 18:12–18:22 Quincy IM Dana Able, Eli Baker"
        in texts[1]
    )
    assert render_table_signs_pdf(event=small.event, absolute_url=absolute)[:5] == b"%PDF-"


def test_qr_code_data_uri_is_svg():
    uri = qr_code_data_uri("https://rounds.example.org/i/table/abc/")

    assert uri.startswith("data:image/svg+xml;base64,")


def test_render_itineraries_pdf_task_writes_file_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    small = make_small_event()
    path = itineraries_pdf_path(event_id=small.event.pk, schedule_id=small.schedule.pk)

    first = render_itineraries_pdf_task(small.event.pk, small.schedule.pk)
    stamp = path.stat().st_mtime_ns
    second = render_itineraries_pdf_task(small.event.pk, small.schedule.pk)

    assert (
        first
        == second
        == str(tmp_path / "itineraries" / f"{small.event.pk}-{small.schedule.pk}.pdf")
    )
    assert path.read_bytes()[:5] == b"%PDF-"
    assert path.stat().st_mtime_ns == stamp
    assert list(path.parent.iterdir()) == [path]


def test_render_itineraries_pdf_task_unpublished_or_gone_does_nothing(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    small = make_small_event()
    small.schedule.is_published = False
    small.schedule.save()

    assert render_itineraries_pdf_task(small.event.pk, small.schedule.pk) is None
    assert render_itineraries_pdf_task(small.event.pk, 999999) is None
    assert list(tmp_path.iterdir()) == []


def test_write_itineraries_pdf_in_chunks_joins_them_in_print_order(tmp_path):
    from pypdf import PdfReader

    small = make_small_event()
    path = tmp_path / "all.pdf"
    progress = []

    count = write_itineraries_pdf(
        event=small.event,
        path=path,
        chunk_size=3,
        on_progress=lambda done, total: progress.append((done, total)),
    )

    texts = [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]
    names = ["Dana Able", "Eli Baker", "Lee Chief", "Fay Cole"]
    names += ["Ann Heart", "Cara Pulse", "Bob Skin", "Gus Sugar"]
    assert (count, progress) == (8, [(3, 8), (6, 8), (8, 8)])
    assert [name in text for name, text in zip(names, texts, strict=True)] == [True] * 8
    assert list(tmp_path.iterdir()) == [path]


def test_render_itineraries_pdf_task_reports_progress_in_the_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    small = make_small_event()

    render_itineraries_pdf_task(small.event.pk, small.schedule.pk)

    assert get_pdf_progress(event_id=small.event.pk, schedule_id=small.schedule.pk) == (8, 8)


def test_render_itineraries_pdf_task_changed_only_writes_its_own_file(settings, tmp_path):
    from pypdf import PdfReader

    settings.MEDIA_ROOT = tmp_path
    small = make_small_event()

    written = render_itineraries_pdf_task(small.event.pk, small.schedule.pk, True)

    path = itineraries_pdf_path(
        event_id=small.event.pk, schedule_id=small.schedule.pk, changed=True
    )
    # A first publish changes everyone's itinerary who has a visit.
    assert (written, path.name, len(PdfReader(path).pages) > 0) == (
        str(path),
        f"{small.event.pk}-{small.schedule.pk}-changed.pdf",
        True,
    )
