import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.utils import timezone

from events.models import Event

from .models import Schedule

TIME_LIMITS = [(10, "10 seconds"), (30, "30 seconds"), (60, "1 minute"), (180, "3 minutes")]


class SolveForm(forms.Form):
    time_limit_s = forms.TypedChoiceField(
        label="Time limit",
        choices=TIME_LIMITS,
        coerce=int,
        initial=30,
        help_text="The solver stops by then with the best schedule it has found.",
    )
    # Posted by a version's "Re-solve keeping the pins" (a hidden input of the template).
    pinned_from = forms.ModelChoiceField(
        queryset=Schedule.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": "There is no such version of this event's schedule to keep the "
            "pins of; no solve was started."
        },
    )

    def __init__(self, *args, event: Event | None = None, submit_label="Solve", **kwargs):
        super().__init__(*args, **kwargs)
        if event is not None:
            self.fields["pinned_from"].queryset = Schedule.objects.filter(event=event)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("time_limit_s", Submit("solve", submit_label))


class MoveForm(forms.Form):
    """Put a group at a table in a round, or take it out of the round."""

    group = forms.ModelChoiceField(queryset=None, label="Group", empty_label="Choose a group")
    from_round = forms.TypedChoiceField(
        coerce=int,
        label="Its visit from",
        required=False,
        empty_value=None,
        help_text="Leave as it is to change the group's table in the round below; choose "
        "another round to move that round's visit there (the slot it leaves stays empty).",
    )
    round = forms.TypedChoiceField(coerce=int, label="Round")
    table = forms.ModelChoiceField(
        queryset=None,
        label="To table",
        required=False,
        empty_label="— No table (take the group out of this round)",
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = event.groups.order_by("name")
        self.fields["round"].choices = [
            (slot.number, f"Round {slot.number} ({slot.start:%H:%M})") for slot in event.timetable()
        ]
        self.fields["from_round"].choices = [("", "The same round")] + [
            (slot.number, f"Round {slot.number}") for slot in event.timetable()
        ]
        self.fields["table"].queryset = event.tables.select_related("specialty").order_by("number")
        self.fields["table"].label_from_instance = lambda t: (
            f"{t.number} · {t.specialty.name} ({t.specialty.get_track_display().lower()})"
        )
        self.helper = FormHelper()
        self.helper.layout = Layout("group", "from_round", "round", "table", Submit("move", "Move"))


class ReplanForm(forms.Form):
    """On the day: the round from which to plan again around who is missing."""

    from_round = forms.TypedChoiceField(
        coerce=int,
        label="Re-plan from round",
        help_text="Rounds before it stay as they happened.",
    )

    def __init__(self, *args, event: Event, now: datetime.datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        now = now or timezone.localtime().replace(tzinfo=None)
        self.next_round = event.round_after(now)
        field = self.fields["from_round"]
        field.choices = [
            (slot.number, f"Round {slot.number} ({slot.start:%H:%M})") for slot in event.timetable()
        ]
        field.initial = self.next_round or event.rounds
        self.helper = FormHelper()
        # rotations/includes/replan_box.html wraps it in a <form> posting to the re-plan URL.
        self.helper.form_tag = False
        self.helper.layout = Layout("from_round", Submit("replan", "Re-plan"))
