"""The outcomes figures (``outcomes.figures``) against a hand-computed example (the world of
conftest.py), and the five-answer threshold."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from outcomes import figures
from tests.accounts.helpers import make_organizer
from tests.outcomes.conftest import answer, days_ago


@pytest.fixture
def answered(world):
    p, spring = world.people, world.spring.event
    answer(spring, p.ann, 10, comment="More time at cardiology.")
    answer(spring, p.abe, 10)
    answer(spring, p.bea, 9, tables=[world.spring.tables[0]])
    answer(spring, p.bob, 7, contacts=[p.cara, p.nora])
    answer(spring, p.cara, 2, comment='=HYPERLINK("http://x")')
    return world


def dined(world, *people, days=20, attended=True):
    """A dinner ``days`` ago at which ``people`` sat, attended or not."""
    from dinners.models import Dinner, DinnerGroup, DinnerSeat
    from tests.dinners.conftest import make_season

    season = make_season([world.north], starts_on=days_ago(days))
    group = DinnerGroup.objects.create(season=season, number=1, weekday="tue", host=people[0])
    dinner = Dinner.objects.create(group=group, date=days_ago(days))
    for person in people:
        DinnerSeat.objects.create(dinner=dinner, clinician=person, attended=attended)


def test_figures_of_a_region_match_the_hand_computed_example(answered):
    p = answered.people
    dined(answered, p.ann, p.bob)
    dined(answered, p.ann, p.cara, days=400)  # before the period
    dined(answered, p.nora, attended=False)  # did not come
    result = figures.compute(figures.scope_for(region=answered.north))

    assert result.as_json() == {
        "since": days_ago(365).isoformat(),
        "until": days_ago(0).isoformat(),
        "events": 2,
        "eligible": 7,  # five active in Internal Medicine, Cara and Nora; not retired Dot
        "attended": 6,  # Ann, Abe, Bea, Bob, Cara, Nora; Cal was a no-show
        "reach": round(6 / 7, 4),
        "dinner_participants": 2,  # Ann and Bob at a dinner in the period
        "dinner_reach": round(2 / 7, 4),
        "meetings": 9,  # Winter: Ann–Cara; Spring: 4 travellers × 2 anchors
        "new_connections": 8,  # Ann–Cara had met at Winter
        "responses": 5,
        "response_rate": round(5 / 8, 4),  # 2 were there at Winter, 6 at Spring
        "recommend_share": 0.8,  # 10, 10, 9, 7 of 10, 10, 9, 7, 2
        "nps": 40,  # promoters 3, detractors 1, of 5
    }
    assert [(r.label, r.eligible, r.attended) for r in result.by_role] == [
        ("Primary care", 5, 4),
        ("Specialist", 2, 2),
    ]
    assert [(r.label, r.eligible, r.attended) for r in result.by_site] == [("Quincy", 7, 6)]
    assert [(r.name, r.attended, r.new_connections, r.cumulative_new) for r in result.events] == [
        (answered.winter.event.name, 2, 1, 1),
        (answered.spring.event.name, 6, 7, 8),
    ]
    assert result.useful_specialties == [("Cardiology", 1)]
    assert result.contacts == 2
    assert result.comments == []  # not asked for


def test_report_json_for_every_region_since_a_date(answered):
    out = StringIO()

    call_command("outcomes_report", "--json", "--since", days_ago(30).isoformat(), stdout=out)

    figures_ = json.loads(out.getvalue())
    assert {k: figures_[k] for k in ("events", "eligible", "attended", "reach")} == {
        "events": 2,  # Spring and the South evening
        "eligible": 8,
        "attended": 7,
        "reach": 0.875,
    }
    assert (figures_["new_connections"], figures_["responses"], figures_["nps"]) == (7, 5, 40)


def test_report_refuses_an_unknown_region_by_name(world):
    with pytest.raises(CommandError, match="No region is named 'East' \\(regions: North, South\\)"):
        call_command("outcomes_report", "--region", "East")


def test_survey_figures_are_hidden_under_five_answers(world):
    p, spring = world.people, world.spring.event
    for person, score in ((p.ann, 10), (p.abe, 9), (p.bea, 3), (p.bob, 8)):
        answer(spring, person, score, comment="Too short.")

    result = figures.compute(figures.scope_for(region=world.north), comments=True)

    assert (result.responses, result.recommend_share, result.nps) == (4, None, None)
    assert (result.scores, result.useful_specialties, result.contacts, result.comments) == (
        {},
        [],
        None,
        [],
    )
    assert result.events[1].recommend_share is None


def test_survey_figures_show_from_the_fifth_answer_with_comments_when_asked(answered):
    result = figures.compute(figures.scope_for(region=answered.north), comments=True)

    assert [text for _, _, text in result.comments] == [
        "More time at cardiology.",
        '=HYPERLINK("http://x")',
    ]
    assert result.events[1].nps == 40


def test_an_organizer_of_one_region_counts_only_its_events_and_clinicians(answered):
    organizer = make_organizer(answered.south)

    result = figures.compute(figures.scope_for(user=organizer))

    assert (len(result.events), result.eligible, result.attended, result.responses) == (1, 1, 1, 0)


def test_coverage_names_the_departments_that_never_met_a_specialty(world):
    result = figures.compute(figures.scope_for())

    coverage = result.coverage
    # Most gaps first: Pediatrics (an adult-track department here) met neither; Internal
    # Medicine met both at Spring.
    assert [name for _, name in coverage.departments] == [
        "Pediatrics, Hingham",
        "Internal Medicine, Quincy",
    ]
    assert [name for _, name in coverage.specialties] == ["Cardiology", "Neurology"]
    assert coverage.never() == 2
    assert coverage.last_met[(world.im.pk, world.cardiology.pk)] == days_ago(20)


def test_coverage_marks_pairs_the_track_rule_keeps_apart_as_not_applicable(tracks):
    coverage = figures.compute(figures.scope_for(region=tracks.region)).coverage

    t = tracks
    cells = {
        (d, s): coverage.state(d, s)
        for d in (t.im.pk, t.peds.pk, t.family.pk)
        for s in (t.cardiology.pk, t.neonatology.pk, t.allergy.pk)
    }
    assert cells == {
        (t.im.pk, t.cardiology.pk): ("met", days_ago(30)),
        (t.im.pk, t.neonatology.pk): ("n/a", None),  # adult department, pediatric table
        (t.im.pk, t.allergy.pk): ("never", None),
        (t.peds.pk, t.cardiology.pk): ("n/a", None),  # pediatric department, adult table
        (t.peds.pk, t.neonatology.pk): ("never", None),
        (t.peds.pk, t.allergy.pk): ("never", None),
        (t.family.pk, t.cardiology.pk): ("never", None),  # all ages: every table applies
        (t.family.pk, t.neonatology.pk): ("never", None),
        (t.family.pk, t.allergy.pk): ("never", None),
    }
    assert (coverage.never(), coverage.not_applicable()) == (6, 2)
    # Most gaps first: Family Medicine 3, Pediatrics 2, Internal Medicine 1.
    assert [(name, coverage.gaps(pk)) for pk, name in coverage.departments] == [
        ("Family Medicine, Milton", 3),
        ("Pediatrics, Milton", 2),
        ("Internal Medicine, Milton", 1),
    ]


def test_coverage_first_keeps_the_departments_with_the_most_gaps(tracks):
    coverage = figures.compute(figures.scope_for(region=tracks.region)).coverage

    top = coverage.first(2)

    assert [name for _, name in top.departments] == [
        "Family Medicine, Milton",
        "Pediatrics, Milton",
    ]
    assert (top.specialties, coverage.first(3), coverage.first(None)) == (
        coverage.specialties,
        coverage,
        coverage,
    )


def test_net_promoter_score_and_recommend_share_on_plain_counts():
    from collections import Counter

    scores = Counter({10: 2, 8: 1, 6: 1})

    assert (figures.net_promoter_score(scores), figures.recommend_share(scores)) == (25, 0.75)
