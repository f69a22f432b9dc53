import itertools

import pytest

from clinicians.models import Track, track_allows
from rotations.solver import problem


@pytest.mark.parametrize(
    ("group_track", "table_track"), list(itertools.product(Track.values, repeat=2))
)
def test_track_allows_agrees_with_the_solvers_rule(group_track, table_track):
    app = track_allows(group_track, table_track)

    solver = problem.track_allows(problem.Track(group_track), problem.Track(table_track))

    assert app == solver


def test_track_allows_on_all_nine_combinations():
    allowed = {
        (group, table)
        for group, table in itertools.product(Track.values, repeat=2)
        if track_allows(group, table)
    }

    assert allowed == {
        ("adult", "adult"),
        ("adult", "all-ages"),
        ("pediatric", "pediatric"),
        ("pediatric", "all-ages"),
        ("all-ages", "adult"),
        ("all-ages", "pediatric"),
        ("all-ages", "all-ages"),
    }
