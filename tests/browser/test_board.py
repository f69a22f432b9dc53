"""The schedule board in the browser, on the demo event (11 tables x 10 rounds) at 1366x768:
the grid fits without scrolling sideways in every layout, a visit dragged to another cell
moves, one dropped on another visit swaps with it (and a swap the rules refuse says why), undo
puts a visit back, and the keyboard moves a visit to the next round.

The moves are chosen by asking the solver's own checker which ones the rules allow, so the
test does not depend on where the solver put each group."""

import re

import pytest
from playwright.sync_api import Page, expect

from clinicians.demo import load_demo_catalogue
from events.demo import load_demo_event
from rotations import services
from rotations.models import Schedule, SolveRun
from rotations.services.adapter import group_id, table_id
from rotations.services.publishing import solver_visits, version_problem
from rotations.solver import edit_violations
from rotations.solver.problem import Visit as SolverVisit
from tests.events.scenario import make_organizer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long organizer passphrase"


@pytest.fixture
def demo():
    load_demo_catalogue()
    event, _created = load_demo_event()
    run = SolveRun.objects.create(event=event, time_limit_s=5)
    services.run_solve(run_id=run.pk)
    return Schedule.objects.select_related("event").get(solve_run=run)


class Rules:
    """The version's visits as the solver sees them, to find moves the rules allow."""

    def __init__(self, schedule):
        self.problem = version_problem(schedule=schedule)
        self.rows = list(schedule.visits.values_list("round", "group_id", "table_id"))
        self.visits = solver_visits(self.rows)

    def allows(self, removed, added) -> bool:
        def visit(row):
            return SolverVisit(round=row[0], group=group_id(row[1]), table=table_id(row[2]))

        if any(row in self.rows and row not in removed for row in added):
            return False
        return not edit_violations(
            self.problem,
            self.visits,
            removed=[visit(r) for r in removed],
            added=[visit(a) for a in added],
        )


def _login(page: Page, base: str) -> None:
    make_organizer(username="olive", password=PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 768})
    # Bootstrap scrolls smoothly otherwise: a drag must not start while the page still moves.
    page.emulate_media(reduced_motion="reduce")
    page.set_default_timeout(15_000)
    page.goto(f"{base}/login/")
    page.fill("#id_username", "olive")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def _sideways(page: Page) -> list[int]:
    return page.evaluate(
        "(() => { const w = document.querySelector('.grid-wrap');"
        " return [document.documentElement.scrollWidth - window.innerWidth,"
        " w.scrollWidth - w.clientWidth]; })()"
    )


def _open_board(page: Page, base: str, schedule) -> None:
    """The compact board scrolled to the top of the page: all ten rounds in view at 1366x768,
    so a drag never has to scroll."""
    page.goto(f"{base}{schedule.get_absolute_url()}?compact=1")
    page.locator(".grid-wrap").evaluate("w => w.scrollIntoView({behavior: 'instant'})")


def _reveal(page: Page, round_: int) -> None:
    """Scroll the grid so that ``round_``'s row is the first under the sticky header (the
    rounds after it are in view too), so a drag never has to scroll."""
    page.locator(".grid-wrap").evaluate(
        "(w, n) => { w.scrollTop = document.getElementById('r' + n).offsetTop"
        " - w.querySelector('thead').offsetHeight; }",
        round_,
    )


def _drag(page: Page, source, target, *, at_bottom: bool = False) -> None:
    """Drag ``source`` onto ``target`` with the mouse, in small steps as a hand would (one
    jump sometimes ends before Chromium has started the drag). ``at_bottom``: drop on the free
    space at the bottom of a cell, not on a visit in it (a drop on a visit swaps)."""
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(
        start["x"] + start["width"] / 2 + 10, start["y"] + start["height"] / 2 + 10, steps=4
    )
    y = end["y"] + (end["height"] - 4 if at_bottom else end["height"] / 2)
    page.mouse.move(end["x"] + (6 if at_bottom else end["width"] / 2), y, steps=8)
    page.mouse.up()


def _chip(page: Page, group: int, round_: int):
    return page.locator(f'[data-visit][data-group="{group}"][data-round="{round_}"]')


def test_demo_grid_fits_a_laptop_in_every_layout(page: Page, live_server, demo, shoot, axe):
    _login(page, live_server.url)
    url = f"{live_server.url}{demo.get_absolute_url()}"

    layouts = {}
    for name, query in [
        ("tables", ""),
        ("compact", "?compact=1"),
        ("rounds", "?view=rounds"),
        ("rounds-compact", "?view=rounds&compact=1"),
    ]:
        page.goto(url + query)
        page.locator(".board-toolbar").scroll_into_view_if_needed()
        layouts[name] = _sideways(page)
        shoot(f"board-{name}")
        axe(page)

    assert layouts == {name: [0, 0] for name in layouts}
    # The header row stays in view while the grid scrolls down.
    page.goto(url)
    page.locator(".grid-wrap").evaluate("w => w.scrollTop = 600")
    header = page.locator(".schedule-grid thead th").first
    wrap_top = page.locator(".grid-wrap").bounding_box()["y"]
    assert abs(header.bounding_box()["y"] - wrap_top) < 3


def test_drag_moves_swaps_refuses_and_undo_puts_back(page: Page, live_server, demo, shoot):
    rules = Rules(demo)
    tables = list(demo.event.tables.values_list("pk", flat=True))
    tracks = dict(demo.event.groups.values_list("pk", "track"))
    # (Every group already meets each of its tables once, so a move changes round.)
    move = next(
        ((r, g, t), (other_round, g, other))
        for r, g, t in rules.rows
        for other_round in range(1, demo.event.rounds + 1)
        for other in tables
        if 0 < other_round - r <= 2 and rules.allows([(r, g, t)], [(other_round, g, other)])
    )
    (round_, group, from_table), (to_round, _g, to_table) = move
    swap = next(
        (a, b)
        for a in rules.rows
        for b in rules.rows
        if 0 < b[0] - a[0] <= 2
        and not {a[0], b[0]} & {round_, to_round}
        and group not in (a[1], b[1])
        and a[1] < b[1]
        and a[2] == b[2]
        and rules.allows([a, b], [(b[0], a[1], b[2]), (a[0], b[1], a[2])])
    )
    refused = next(
        (a, b)
        for a in rules.rows
        for b in rules.rows
        if a[0] == b[0] and tracks[a[1]] == "adult" and tracks[b[1]] == "pediatric"
    )
    _login(page, live_server.url)
    _open_board(page, live_server.url, demo)
    status = page.locator("[data-board-status]")

    # Drag a visit to a cell of a later round.
    _reveal(page, round_)
    _drag(
        page,
        _chip(page, group, round_),
        page.locator(f"#cell-r{to_round}-t{to_table}"),
        at_bottom=True,
    )
    expect(
        page.locator(f"#cell-r{to_round}-t{to_table}").locator(f'[data-group="{group}"]')
    ).to_be_visible()
    expect(status).to_contain_text("Moved")
    shoot("board-after-drag")
    assert demo.visits.filter(round=to_round, group_id=group).values_list(
        "table_id", "pinned"
    ).get() == (to_table, True)
    assert not demo.visits.filter(round=round_, group_id=group).exists()

    # Drop a visit on another to swap the two. (In the demo's optimal schedule every group
    # already meets each table it can, so the swap found is two rounds of one table.)
    a, b = swap
    _reveal(page, a[0])
    _drag(page, _chip(page, a[1], a[0]), _chip(page, b[1], b[0]))
    expect(page.locator(f"#cell-r{b[0]}-t{b[2]}").locator(f'[data-group="{a[1]}"]')).to_be_visible()
    expect(page.locator(f"#cell-r{a[0]}-t{a[2]}").locator(f'[data-group="{b[1]}"]')).to_be_visible()
    expect(status).to_contain_text("Swapped")

    # A swap the track rule refuses: the rule's words, nothing moved.
    a2, b2 = refused
    _reveal(page, a2[0])
    _drag(page, _chip(page, a2[1], a2[0]), _chip(page, b2[1], b2[0]))
    expect(page.locator("[data-board-alert]")).to_contain_text(
        re.compile(r"follows the (adult|pediatric) track")
    )
    shoot("board-refused")
    assert set(demo.visits.filter(round=a2[0]).values_list("group_id", "table_id")) >= {
        (a2[1], a2[2]),
        (b2[1], b2[2]),
    }

    # Undo the swap, then the move: each visit is back where the solver put it.
    page.get_by_role("button", name="Undo").click()
    expect(status).to_contain_text("Undone")
    page.get_by_role("button", name="Undo").click()
    expect(
        page.locator(f"#cell-r{round_}-t{from_table}").locator(f'[data-group="{group}"]')
    ).to_be_visible()
    expect(page.get_by_role("button", name="Undo")).to_be_disabled()
    assert set(demo.visits.values_list("round", "group_id", "table_id")) == set(rules.rows)

    # Redo brings the move back.
    page.get_by_role("button", name="Redo").click()
    expect(
        page.locator(f"#cell-r{to_round}-t{to_table}").locator(f'[data-group="{group}"]')
    ).to_be_visible()


def test_keyboard_moves_a_visit_to_the_next_round(page: Page, live_server, demo, shoot, axe):
    rules = Rules(demo)
    round_, group, table = next(
        (r, g, t)
        for r, g, t in rules.rows
        if r < demo.event.rounds and rules.allows([(r, g, t)], [(r + 1, g, t)])
    )
    _login(page, live_server.url)
    _open_board(page, live_server.url, demo)
    link = _chip(page, group, round_).locator(".chip-name")
    name = demo.event.groups.get(pk=group).name
    table_row = demo.event.tables.get(pk=table)

    assert link.get_attribute("aria-label").startswith(
        f"Group {name}, round {round_}, table {table_row.number} {table_row.specialty.name}"
    )
    link.focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-board-status]")).to_contain_text(f"Picked up {name}")
    page.keyboard.press("ArrowDown")
    expect(page.locator(f"#cell-r{round_ + 1}-t{table}")).to_have_class(re.compile("is-target"))
    page.keyboard.press("Enter")

    expect(
        page.locator(f"#cell-r{round_ + 1}-t{table}").locator(f'[data-group="{group}"]')
    ).to_be_visible()
    expect(page.locator("[data-board-status]")).to_contain_text(
        f"Moved {name} from table {table_row.number}"
    )
    shoot("board-after-keyboard")
    assert demo.visits.filter(group_id=group, round__in=[round_, round_ + 1]).values_list(
        "round", "table_id"
    ).get() == (round_ + 1, table)
    # Focus stays on the moved visit, so the next move needs no search.
    assert page.evaluate("document.activeElement.closest('[data-visit]').dataset.round") == str(
        round_ + 1
    )
    # The board while a visit is picked up, and the move form (the board without
    # JavaScript) with the group's itinerary and free seats, pass axe too.
    page.keyboard.press("Space")
    axe(page)
    page.keyboard.press("Escape")
    page.get_by_role(
        "link", name=re.compile(f"^Group {re.escape(name)}, round {round_ + 1},")
    ).click()
    expect(page.locator("[data-itinerary]")).to_contain_text(f"{table_row.number}")
    expect(page.locator("[data-free-seats]")).to_be_visible()
    shoot("board-move-form")
    axe(page)
