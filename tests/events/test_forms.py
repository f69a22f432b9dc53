import datetime

import pytest

from events.forms import EventForm, TableForm
from tests.factories import make_event, make_specialty, make_user

pytestmark = pytest.mark.django_db


def _event_data(**fields):
    return {
        "name": "Regional rounds",
        "date": (datetime.date.today() + datetime.timedelta(days=10)).isoformat(),
        "venue": "Hall",
        "start_time": "18:00",
        "rounds": "4",
        "round_minutes": "10",
        "transition_minutes": "2",
        **fields,
    }


@pytest.mark.parametrize("value", ["-3", "0"])
def test_event_form_negative_or_zero_rounds_name_the_real_minimum(value):
    form = EventForm(_event_data(rounds=value, round_minutes=value), user=make_user())

    assert form.errors == {
        "rounds": ["Enter a number of at least 1."],
        "round_minutes": ["Enter a number of at least 1."],
    }


def test_event_form_above_the_maximum_names_it():
    form = EventForm(_event_data(rounds="61", transition_minutes="61"), user=make_user())

    assert form.errors == {
        "rounds": ["Enter a number of at most 60."],
        "transition_minutes": ["Enter a number of at most 60."],
    }


def test_event_form_inputs_carry_the_model_limits():
    form = EventForm(user=make_user())

    assert [
        (form.fields[name].widget.attrs["min"], form.fields[name].widget.attrs["max"])
        for name in ("rounds", "round_minutes", "transition_minutes")
    ] == [(1, 60), (1, 120), (0, 60)]


def test_table_form_negative_number_and_capacity_name_the_real_minimum():
    event = make_event()
    data = {"number": "-1", "specialty": make_specialty().pk, "capacity": "-2"}

    form = TableForm(data, event=event)

    assert form.errors == {
        "number": ["Enter a number of at least 1."],
        "capacity": ["Enter a number of at least 1."],
    }
