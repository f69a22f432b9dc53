import datetime

import pytest
from django.utils import timezone

from events.models import Anchor
from tests.browser.conftest import SCREENSHOTS
from tests.itineraries.factories import (
    make_demo_shaped_event,
    make_small_event,
    make_visit,
    replan_with_no_shows,
    republish,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_itinerary_on_phone_is_readable_and_prints_one_person(live_server, page, shoot):
    small = make_small_event()
    url = f"{live_server.url}/i/{small.attendance(small.dana).link_token}/"
    page.set_viewport_size(PHONE)
    page.add_init_script("window.print = () => { window.__printed = true; };")

    page.goto(url)
    shoot("itinerary-traveller-phone")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    table_numbers = page.locator(".it-round-table").all_inner_texts()
    table_font_px = page.locator(".it-round-table").first.evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)"
    )
    page.get_by_role("link", name="Print").click()
    printed = page.evaluate("window.__printed === true")
    page.emulate_media(media="print")
    shoot("itinerary-traveller-print")
    hidden_in_print = [
        page.locator(selector).is_hidden() for selector in (".it-bar", ".it-actions", ".it-rounds")
    ]
    printed_rows = page.locator(".sheet-round").all_inner_texts()

    assert scroll_width <= PHONE["width"]
    assert [" ".join(text.split()) for text in table_numbers] == [
        "TABLE 1",
        "TABLE 2",
        "TABLE 3",
    ]
    assert table_font_px >= 40
    assert (printed, page.url) == (True, url)
    assert hidden_in_print == [True, True, True]
    assert [" ".join(text.split()) for text in printed_rows] == [
        "1 18:00–18:10 1 Cardiology Hall A Ann Heart, MD; Cara Pulse, MD",
        "2 18:12–18:22 2 Dermatology Hall B Bob Skin, DO",
        "3 18:24–18:34 3 Endocrinology Gus Sugar, MD",
    ]


def test_itinerary_anchor_on_phone_lists_groups(live_server, page, shoot):
    small = make_small_event()
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/i/{small.attendance(small.ann).link_token}/")
    shoot("itinerary-anchor-phone")
    groups = page.locator(".it-group-name").all_inner_texts()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")

    assert groups == ["Quincy IM", "Braintree FM"]
    assert scroll_width <= PHONE["width"]


def test_itinerary_print_view_without_javascript_fallback(live_server, page, shoot):
    small = make_small_event()
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/i/{small.attendance(small.fay).link_token}/print/")
    page.emulate_media(media="print")
    shoot("itinerary-print-view")
    rounds = page.locator(".sheet-round").count()

    assert rounds == 3
    assert page.locator(".it-print-bar").is_hidden()


def pdf_pages(pdf: bytes) -> int:
    return pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")


def test_itinerary_printed_from_the_browser_is_one_letter_page(live_server, page, shoot):
    event = make_demo_shaped_event()
    traveller = event.attendances.filter(clinician__role="primary-care").first()
    busiest = Anchor.objects.filter(event=event, table__number=1).first()
    anchor = event.attendances.get(clinician=busiest.clinician)
    pages = {}

    for name, attendance in (("traveller", traveller), ("anchor", anchor)):
        page.goto(f"{live_server.url}/i/{attendance.link_token}/")
        page.emulate_media(media="print")
        shoot(f"itinerary-demo-{name}-print")
        pdf = page.pdf(format="Letter", print_background=True)
        (SCREENSHOTS / f"itinerary-demo-{name}-print.pdf").write_bytes(pdf)
        pages[name] = pdf_pages(pdf)

    assert pages == {"traveller": 1, "anchor": 1}


def test_itinerary_changed_on_phone_says_when_and_which_rounds(live_server, page, shoot):
    first = timezone.make_aware(datetime.datetime(2030, 5, 10, 17, 0))
    small = make_small_event(published_at=first)
    new = republish(old=small.schedule, published_at=first + datetime.timedelta(minutes=92))
    for round_, group, table in [
        (1, small.braintree, small.dermatology),
        (3, small.braintree, small.cardiology),
    ]:
        make_visit(schedule=new, round=round_, group=group, table=table)
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/i/{small.attendance(small.fay).link_token}/")
    shoot("itinerary-changed-phone")
    notice = " ".join(page.locator(".it-changes").inner_text().split())
    flagged = page.locator(".it-round-changed .it-round-number").all_inner_texts()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")

    assert notice == (
        "Changed on 10 May at 18:32: your rounds 2–3 are different from the printed version. "
        "Round 2 is now a break; round 3 is now Table 1 (Cardiology)."
    )
    assert flagged == ["Round 2", "Round 3"]
    assert scroll_width <= PHONE["width"]


def test_itinerary_of_a_no_show_on_phone_says_absent(live_server, page, shoot):
    small = make_small_event()
    replan_with_no_shows(small, no_shows=[small.cara], from_round=2)
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/i/{small.attendance(small.cara).link_token}/")
    shoot("itinerary-no-show-phone")
    heading = page.locator(".it-absent h2").inner_text()
    page.goto(f"{live_server.url}/i/{small.attendance(small.ann).link_token}/")
    co_anchor = page.locator(".it-header").inner_text()

    assert heading == "You were marked absent"
    assert "Cara Pulse" not in co_anchor
