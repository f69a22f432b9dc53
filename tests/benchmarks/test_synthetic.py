"""Synthetic events: the same seed gives the same event; windows are consecutive rounds."""

from benchmarks.synthetic import large_event, windowed_event


def test_windowed_event_is_the_same_for_a_seed():
    first = windowed_event(4, n_tables=10, n_groups=20)

    second = windowed_event(4, n_tables=10, n_groups=20)

    assert first == second


def test_windowed_event_has_the_sizes_asked_for():
    p = windowed_event(1, n_tables=7, n_groups=13, rounds=9)

    assert (p.name, len(p.tables), len(p.groups), p.rounds) == ("windowed-7x13-1", 7, 13, 9)


def test_windowed_event_windows_are_consecutive_rounds_of_the_event():
    p = windowed_event(2, n_tables=30, n_groups=60, rounds=10)
    windows = [
        sorted(item.available_rounds)
        for item in p.tables + p.groups
        if item.available_rounds is not None
    ]

    assert windows
    assert all(w == list(range(w[0], w[-1] + 1)) and 1 <= w[0] <= w[-1] <= 10 for w in windows)


def test_large_event_has_the_shape_of_its_clinicians():
    p = large_event(1_600)

    sizes = {len(g.id) for g in p.groups} | {len(t.id) for t in p.tables}
    clinicians = len(p.tables) + sum(g.size for g in p.groups)
    assert (p.name, len(p.tables), len(p.groups), p.rounds) == ("large-1600-0", 100, 250, 20)
    assert (clinicians, sizes) == (1_600, {6})


def test_large_event_is_the_same_for_a_seed():
    assert large_event(800, 3) == large_event(800, 3)
