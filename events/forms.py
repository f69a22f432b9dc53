import datetime

from crispy_forms.bootstrap import InlineCheckboxes
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Layout, Row, Submit
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinicians.models import Clinician, Region, Site, Specialty, Track

from .models import Anchor, Attendance, Event, Table, TravelGroup
from .permissions import allowed_regions, may_leave_region_empty
from .queries import round_ranges
from .rules import GUARDED_FIELDS, is_locked


def formfield_with_model_limits(db_field: models.Field, **kwargs) -> forms.Field | None:
    """A model form's field whose number limits are the model's own. Django gives a
    PositiveSmallIntegerField's form field a minimum of 0 whatever the model's
    MinValueValidator says, so -1 was refused with "greater than or equal to 0" although 0
    is refused too; here the input's min and max and the messages name the real limits."""
    if isinstance(db_field, models.IntegerField) and not db_field.choices:
        lows = [v.limit_value for v in db_field.validators if type(v) is MinValueValidator]
        highs = [v.limit_value for v in db_field.validators if type(v) is MaxValueValidator]
        if lows:
            kwargs.setdefault("min_value", max(lows))
        if highs:
            kwargs.setdefault("max_value", min(highs))
        kwargs.setdefault(
            "error_messages",
            {
                "min_value": "Enter a number of at least %(limit_value)s.",
                "max_value": "Enter a number of at most %(limit_value)s.",
            },
        )
    return db_field.formfield(**kwargs)


class EventForm(forms.ModelForm):
    # A one-time token of the page the form came from: submitting the same page again (a
    # double click, or Back and submit) finds the event it already created.
    submission = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Event
        formfield_callback = formfield_with_model_limits
        fields = [
            "name",
            "date",
            "venue",
            "region",
            "start_time",
            "rounds",
            "round_minutes",
            "transition_minutes",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "round_minutes": "Each round's length.",
            "transition_minutes": "Time to move between tables.",
            "region": "The region whose clinicians this event is for (optional).",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # An organizer limited to regions places events only in theirs, and must place them
        # (an event without a region would vanish from their own list).
        region = self.fields["region"]
        region.queryset = allowed_regions(user)
        if not may_leave_region_empty(user):
            region.required = True
            region.empty_label = "Choose a region"
            region.help_text = "The region whose clinicians this event is for."
        if not self.instance.pk and not self.is_bound:
            # A new event: with one region to choose from, it is the one.
            only = list(region.queryset[:2])
            if len(only) == 1:
                self.initial.setdefault("region", only[0].pk)
        self.fields["name"].widget.attrs["placeholder"] = "e.g. South Shore spring rounds"
        self.fields["venue"].widget.attrs["placeholder"] = "e.g. Quincy Medical Center, Hall B"
        for name in ("start_time", "rounds", "round_minutes", "transition_minutes"):
            self.fields[name].widget.attrs["data-timetable-input"] = name
        if self.instance.pk and is_locked(self.instance):
            # The services refuse these anyway; shown locked, nobody types a change in vain.
            for name in sorted(GUARDED_FIELDS[Event][0] & set(self.fields)):
                self.fields[name].disabled = True
                self.fields[name].help_text = "Locked: the schedule is published."
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "submission",
            "name",
            Row(Column("date", css_class="col-md-4"), Column("venue", css_class="col-md-8")),
            "region",
            Row(
                Column("start_time", css_class="col-6 col-md-3"),
                Column("rounds", css_class="col-6 col-md-3"),
                Column("round_minutes", css_class="col-6 col-md-3"),
                Column("transition_minutes", css_class="col-6 col-md-3"),
            ),
            HTML('<p class="text-body-secondary small" id="timetable-preview"></p>'),
            Submit("save", "Save event" if self.instance.pk else "Create event"),
        )

    def clean_date(self):
        date = self.cleaned_data["date"]
        unchanged = self.instance.pk and self.instance.date == date
        if date and not unchanged and date < timezone.localdate():
            raise forms.ValidationError(
                f"{date:%-d %B %Y} is in the past: choose today or a later date."
            )
        return date


def _not_past(date: datetime.date) -> datetime.date:
    if date and date < timezone.localdate():
        raise forms.ValidationError(
            f"{date:%-d %B %Y} is in the past: choose today or a later date."
        )
    return date


class EventCopyForm(forms.Form):
    """The new name, date and venue of a copy of an event's set-up."""

    name = forms.CharField(max_length=200)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    venue = forms.CharField(max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "name",
            Row(Column("date", css_class="col-md-4"), Column("venue", css_class="col-md-8")),
            Submit("copy", "Copy the set-up"),
        )

    def clean_date(self):
        return _not_past(self.cleaned_data["date"])


class OrganizerRegionsForm(forms.Form):
    """The regions whose events an organizer manages (none: every region)."""

    regions = forms.ModelMultipleChoiceField(
        queryset=Region.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The regions whose events this organizer manages. None: every region.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout("regions", Submit("save", "Save regions"))


class AttendeeSearchForm(forms.Form):
    """Search the catalogue for clinicians to add to an event (in the query string); not the
    catalogue's own filters (clinicians.forms.ClinicianFilterForm), which also show retired
    clinicians."""

    q = forms.CharField(label="Search", required=False)
    region = forms.ModelChoiceField(Region.objects.all(), required=False, empty_label="Any region")
    site = forms.ModelChoiceField(
        Site.objects.select_related("region"), required=False, empty_label="Any site"
    )
    role = forms.ChoiceField(choices=[("", "Any role"), *Clinician.Role.choices], required=False)
    specialty = forms.ModelChoiceField(
        Specialty.objects.all(), required=False, empty_label="Any specialty"
    )
    track = forms.ChoiceField(choices=[("", "Any track"), *Track.choices], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = "Name or email"
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_tag = True
        self.helper.disable_csrf = True
        self.helper.form_class = "catalogue-filters"
        self.helper.layout = Layout(
            Row(
                Column("q", css_class="col-md-4"),
                Column("region", css_class="col-6 col-md-2"),
                Column("site", css_class="col-6 col-md-2"),
                Column("role", css_class="col-6 col-md-2"),
                Column("specialty", css_class="col-6 col-md-2"),
            ),
            Row(
                Column("track", css_class="col-6 col-md-2"),
                Column(
                    Submit("filter", "Filter", css_class="btn-secondary"),
                    HTML('<a class="btn btn-link" href="?">Clear</a>'),
                    css_class="col-6 col-md-4 d-flex align-items-end mb-3",
                ),
            ),
        )

    def filter(self, clinicians):
        if not self.is_valid():
            return clinicians
        data = self.cleaned_data
        if data["q"]:
            for word in data["q"].split():
                clinicians = clinicians.filter(
                    Q(first_name__icontains=word)
                    | Q(last_name__icontains=word)
                    | Q(email__icontains=word)
                )
        if data["region"]:
            clinicians = clinicians.filter(
                Q(department__site__region=data["region"]) | Q(sites__region=data["region"])
            )
        if data["site"]:
            clinicians = clinicians.filter(Q(department__site=data["site"]) | Q(sites=data["site"]))
        if data["role"]:
            clinicians = clinicians.filter(role=data["role"])
        if data["specialty"]:
            clinicians = clinicians.filter(specialty=data["specialty"])
        if data["track"]:
            clinicians = clinicians.filter(
                Q(role=Clinician.Role.PRIMARY_CARE, department__track=data["track"])
                | Q(role=Clinician.Role.SPECIALIST, specialty__track=data["track"])
            )
        return clinicians.distinct()


class AttendanceStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Attendance.Status.choices)


class TableForm(forms.ModelForm):
    class Meta:
        model = Table
        formfield_callback = formfield_with_model_limits
        fields = ["number", "specialty", "capacity", "location"]
        help_texts = {
            "specialty": "The table's track (adult, pediatric, all ages) follows its specialty.",
            "location": 'Where it stands, printed on signs: e.g. "Hall B, table 4".',
        }

    def __init__(self, *args, event, **kwargs):
        self.event = event
        super().__init__(*args, **kwargs)
        self.fields["specialty"].label_from_instance = lambda s: (
            f"{s.name} ({s.get_track_display().lower()})"
        )
        # Retired specialties are offered only to the table that already has one.
        self.fields["specialty"].queryset = Specialty.objects.filter(
            Q(is_active=True) | Q(pk=self.instance.specialty_id)
        )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(
                Column("number", css_class="col-4 col-md-2"),
                Column("specialty", css_class="col-8 col-md-6"),
                Column("capacity", css_class="col-4 col-md-2"),
            ),
            "location",
            Submit("save", "Save table"),
        )

    def clean_number(self):
        number = self.cleaned_data["number"]
        clash = self.event.tables.filter(number=number).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(f"Table {number} already exists at this event.")
        return number

    def save(self, commit=True):
        self.instance.event = self.event
        return super().save(commit)


class RoundsField(forms.TypedMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, rounds: int, **kwargs):
        super().__init__(choices=[(r, str(r)) for r in range(1, rounds + 1)], coerce=int, **kwargs)


def _rounds_layout(name: str):
    return InlineCheckboxes(name, css_class="rounds-checkboxes")


class AnchorForm(forms.Form):
    clinician = forms.ModelChoiceField(
        Clinician.objects.none(),
        label="Specialist",
        help_text="Specialists of this table's specialty; attendees first.",
    )

    def __init__(self, *args, table: Table, **kwargs):
        super().__init__(*args, **kwargs)
        event = table.event
        self.fields["present_rounds"] = RoundsField(
            rounds=event.rounds,
            label="Present in rounds",
            initial=list(range(1, event.rounds + 1)),
            required=False,
        )
        attending = set(event.attendances.values_list("clinician_id", flat=True))
        seated = Anchor.objects.filter(event=event).values("clinician")
        candidates = (
            Clinician.objects.active()
            .specialists()
            .filter(specialty=table.specialty_id)
            .exclude(pk__in=seated)
        )
        ordered = sorted(candidates, key=lambda c: (c.pk not in attending, c.last_name, c.pk))
        field = self.fields["clinician"]
        field.queryset = candidates
        field.choices = [("", "Choose a specialist")] + [
            (c.pk, f"{c}{' — attending' if c.pk in attending else ''}") for c in ordered
        ]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "clinician", _rounds_layout("present_rounds"), Submit("save", "Add anchor")
        )


class AnchorRoundsForm(forms.Form):
    def __init__(self, *args, anchor: Anchor, **kwargs):
        super().__init__(*args, **kwargs)
        rounds = anchor.event.rounds
        self.fields["present_rounds"] = RoundsField(
            rounds=rounds,
            label="Present in rounds",
            initial=anchor.present_rounds(rounds),
            required=False,
        )
        self.helper = FormHelper()
        self.helper.layout = Layout(_rounds_layout("present_rounds"), Submit("save", "Save"))


class AnchorPresenceForm(forms.Form):
    """When each anchor is at their table, as a range: the round they arrive at and the round
    they leave after, one row an anchor, all saved at once. Only the rows changed are
    written, so an anchor away in the middle of the evening (set on their own page) keeps
    those rounds unless their row is changed."""

    def __init__(self, *args, event: Event, anchors, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.anchors = list(anchors)
        rounds = [(r, f"Round {r}") for r in range(1, event.rounds + 1)]
        for anchor in self.anchors:
            present = anchor.present_rounds(event.rounds) or [1, event.rounds]
            name = anchor.clinician.full_name
            self.fields[f"arrives_{anchor.pk}"] = forms.TypedChoiceField(
                choices=rounds, coerce=int, label=f"{name} arrives at", initial=present[0]
            )
            self.fields[f"leaves_{anchor.pk}"] = forms.TypedChoiceField(
                choices=rounds, coerce=int, label=f"{name} leaves after", initial=present[-1]
            )

    def rows(self):
        """(anchor, its "arrives" field, its "leaves" field, its rounds now in words) for the
        template."""
        for anchor in self.anchors:
            present = anchor.present_rounds(self.event.rounds)
            now = f"rounds {round_ranges(present)}" if anchor.absent_rounds else "every round"
            if not present:
                now = "no round"
            yield anchor, self[f"arrives_{anchor.pk}"], self[f"leaves_{anchor.pk}"], now

    def clean(self):
        data = super().clean()
        for anchor in self.anchors:
            arrives, leaves = data.get(f"arrives_{anchor.pk}"), data.get(f"leaves_{anchor.pk}")
            if arrives and leaves and arrives > leaves:
                self.add_error(
                    f"leaves_{anchor.pk}",
                    f"{anchor.clinician.full_name} must arrive before they leave.",
                )
        return data

    def changed_ranges(self) -> dict[Anchor, tuple[int, int]]:
        """The anchors whose row was changed, with their new range."""
        changed = set(self.changed_data)
        return {
            anchor: (
                self.cleaned_data[f"arrives_{anchor.pk}"],
                self.cleaned_data[f"leaves_{anchor.pk}"],
            )
            for anchor in self.anchors
            if {f"arrives_{anchor.pk}", f"leaves_{anchor.pk}"} & changed
        }


class FormGroupsForm(forms.Form):
    min_size = forms.IntegerField(label="Smallest group", min_value=1, max_value=50)
    max_size = forms.IntegerField(label="Largest group", min_value=1, max_value=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        # The group list wraps it in its own <form> (with a confirmation when groups exist).
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(
                Column("min_size", css_class="col-6"),
                Column("max_size", css_class="col-6"),
            ),
            Submit("form", "Form groups automatically"),
        )

    def clean(self):
        data = super().clean()
        if data.get("min_size") and data.get("max_size") and data["min_size"] > data["max_size"]:
            raise forms.ValidationError("The smallest group cannot be larger than the largest.")
        return data


class GroupForm(forms.ModelForm):
    class Meta:
        model = TravelGroup
        fields = ["name", "track"]
        help_texts = {"track": "Which tables the group may visit: adult, pediatric or all."}

    def __init__(self, *args, event: Event, **kwargs):
        self.event = event
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("name", css_class="col-md-8"), Column("track", css_class="col-md-4")),
            Submit("save", "Save group"),
        )

    def clean_name(self):
        name = self.cleaned_data["name"]
        if self.event.groups.filter(name=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"There is already a group called {name}.")
        return name


class MoveMemberForm(forms.Form):
    clinician = forms.ModelChoiceField(Clinician.objects.primary_care())
    group = forms.ModelChoiceField(TravelGroup.objects.none(), label="Move to")

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = event.groups.all()


def default_event_date() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=28)
