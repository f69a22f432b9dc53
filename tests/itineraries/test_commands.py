import io

import pytest
from django.core.management import CommandError, call_command

from tests.factories import make_event
from tests.itineraries.factories import make_small_event

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("itinerary_links", *args, stdout=out)
    return out.getvalue()


def test_itinerary_links_by_id_prints_name_role_link(monkeypatch):
    monkeypatch.delenv("ROUNDS_BASE_URL", raising=False)
    small = make_small_event()
    token = {a.clinician_id: a.link_token for a in small.event.attendances.all()}

    output = run(str(small.event.pk))

    lines = output.splitlines()
    assert len(lines) == 8
    assert lines[0] == f"Dana Able\tPrimary care\thttp://127.0.0.1:8000/i/{token[small.dana.pk]}/"
    assert lines[2] == f"Lee Chief\tLeader\thttp://127.0.0.1:8000/i/{token[small.leader.pk]}/"
    assert lines[4] == f"Ann Heart\tSpecialist\thttp://127.0.0.1:8000/i/{token[small.ann.pk]}/"


def test_itinerary_links_by_name_with_base_url_option():
    small = make_small_event()
    token = small.attendance(small.dana).link_token

    output = run("Spring Rounds", "--base-url", "https://rounds.example.org/")

    assert (
        output.splitlines()[0] == f"Dana Able\tPrimary care\thttps://rounds.example.org/i/{token}/"
    )


def test_itinerary_links_base_url_from_environment(monkeypatch):
    monkeypatch.setenv("ROUNDS_BASE_URL", "https://env.example.org")
    small = make_small_event()

    output = run(str(small.event.pk))

    assert output.splitlines()[0].split("\t")[2].startswith("https://env.example.org/i/")


def test_itinerary_links_unknown_event_fails():
    with pytest.raises(CommandError, match="No event with the id or name 'Nope'."):
        run("Nope")


def test_itinerary_links_ambiguous_name_fails():
    make_event(name="Twice")
    make_event(name="Twice")

    with pytest.raises(CommandError, match="Several events match 'Twice': give its id."):
        run("Twice")
