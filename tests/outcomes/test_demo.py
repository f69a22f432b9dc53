"""The demo's past evening: the outcomes page has real figures on a fresh install."""

import pytest
from django.core.management import call_command

from events.models import Event
from outcomes import figures
from outcomes.demo import PAST_EVENT_NAME


@pytest.mark.django_db
def test_load_demo_adds_a_finished_evening_with_ledger_and_answers_once(capsys):
    call_command("load_demo")
    call_command("load_demo")

    event = Event.objects.get(name=PAST_EVENT_NAME)
    result = figures.compute(figures.scope_for())
    assert event.status == Event.Status.FINISHED
    assert (len(result.events), result.answers_shown) == (1, True)
    assert result.new_connections == result.meetings > 0
    assert "already there" in capsys.readouterr().out
