import pytest

from tests.rotations.itinerary_factories import make_small_event

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
        page.locator(selector).is_hidden() for selector in (".it-bar", ".it-actions")
    ]

    assert scroll_width <= PHONE["width"]
    assert [" ".join(text.split()) for text in table_numbers] == [
        "TABLE 1",
        "TABLE 2",
        "TABLE 3",
    ]
    assert table_font_px >= 40
    assert (printed, page.url) == (True, url)
    assert hidden_in_print == [True, True]


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
    rounds = page.locator(".it-round").count()

    assert rounds == 3
    assert page.locator(".it-print-bar").is_hidden()
