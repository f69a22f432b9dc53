"""The series' forms: a series and its planning settings, an evening, the evening's
deadline, cap and tables, and the reply."""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinicians.models import Region, Site
from events.permissions import allowed_regions, events_for_user, may_leave_region_empty

from .models import Evening, Invitation, Series
from .services import Answer, check_evening_tables, check_specialist_max_evenings

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _specialist_max_evenings_field() -> forms.IntegerField:
    field = Series._meta.get_field("specialist_max_evenings")
    return forms.IntegerField(
        label="Most evenings a specialist anchors",
        initial=field.default,
        min_value=1,
        help_text=field.help_text,
        error_messages={"min_value": "A specialist anchors at least 1 evening."},
    )


def _clean_specialist_max_evenings(form: forms.Form) -> int:
    value = form.cleaned_data["specialist_max_evenings"]
    if value is None and not form.fields["specialist_max_evenings"].required:
        return form.fields["specialist_max_evenings"].initial
    try:
        check_specialist_max_evenings(value)
    except ValidationError as error:
        raise ValidationError(error.message_dict["specialist_max_evenings"]) from None
    return value


class SeriesForm(forms.ModelForm):
    specialist_max_evenings = _specialist_max_evenings_field()

    class Meta:
        model = Series
        fields = ["name", "starts_on", "ends_on", "regions", "specialist_max_evenings"]
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "regions": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions"].queryset = allowed_regions(user)
        # Left out (or empty) on creation: the default, one evening.
        self.fields["specialist_max_evenings"].required = False
        # An organizer limited to regions must place the series in theirs, or lose it.
        self.fields["regions"].required = not may_leave_region_empty(user)
        self.fields["name"].widget.attrs["placeholder"] = "e.g. Regional evenings 2026"
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "name",
            Row(Column("starts_on", css_class="col-6"), Column("ends_on", css_class="col-6")),
            "regions",
            "specialist_max_evenings",
            Submit("save", "Create series"),
        )

    def clean_specialist_max_evenings(self):
        return _clean_specialist_max_evenings(self)

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise forms.ValidationError("A series ends on or after the day it starts.")
        return data


class EveningForm(forms.Form):
    """A new evening: its event (a copy of a template event, or fresh), the sites it covers
    (whole regions, or sites one by one), its reply deadline and cap."""

    name = forms.CharField(max_length=200)
    date = forms.DateField(widget=DATE)
    venue = forms.CharField(max_length=200)
    start_time = forms.TimeField(
        widget=TIME, initial=datetime.time(18, 0), help_text="Ignored when copying a template."
    )
    region = forms.ModelChoiceField(
        Region.objects.none(), required=False, help_text="Whose organizers manage the evening."
    )
    template = forms.ModelChoiceField(
        None,
        required=False,
        label="Copy the set-up of",
        help_text="Tables, anchors and timetable of an earlier event (optional).",
    )
    cover_regions = forms.ModelMultipleChoiceField(
        Region.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Cover every site of these regions",
    )
    sites = forms.ModelMultipleChoiceField(
        Site.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="… and these sites",
    )
    reply_by = forms.DateTimeField(widget=DATETIME, label="Reply deadline")
    cap = forms.IntegerField(
        min_value=1,
        required=False,
        label="Cap",
        help_text="How many may come; yes beyond it joins the waiting list. Empty: no cap.",
    )

    def __init__(self, *args, user, series: Series, **kwargs):
        super().__init__(*args, **kwargs)
        self.series = series
        regions = allowed_regions(user)
        self.fields["region"].queryset = regions
        if not may_leave_region_empty(user):
            self.fields["region"].required = True
        self.fields["cover_regions"].queryset = regions
        self.fields["sites"].queryset = Site.objects.filter(region__in=regions).select_related(
            "region"
        )
        self.fields["sites"].label_from_instance = lambda s: f"{s.name} ({s.region.name})"
        self.fields["template"].queryset = events_for_user(user=user).order_by("-date", "name")
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "name",
            Row(Column("date", css_class="col-md-4"), Column("venue", css_class="col-md-8")),
            Row(Column("start_time", css_class="col-md-4"), Column("region", css_class="col-md-8")),
            "template",
            Row(
                Column("cover_regions", css_class="col-md-4"), Column("sites", css_class="col-md-8")
            ),
            Row(Column("reply_by", css_class="col-md-6"), Column("cap", css_class="col-md-6")),
            Submit("save", "Add evening"),
        )

    def clean(self):
        data = super().clean()
        sites = set(data.get("sites") or [])
        for region in data.get("cover_regions") or []:
            sites.update(self.fields["sites"].queryset.filter(region=region))
        if not sites:
            raise forms.ValidationError(
                "Choose the sites the evening covers: a region, or sites one by one."
            )
        data["all_sites"] = sorted(sites, key=lambda s: s.name)
        date = data.get("date")
        if date and not self.series.starts_on <= date <= self.series.ends_on:
            self.add_error(
                "date",
                f"Choose a date within the series: {self.series.starts_on:%-d %B %Y} to "
                f"{self.series.ends_on:%-d %B %Y}.",
            )
        return data


class SeriesUpdateForm(forms.ModelForm):
    """A series' name and planning settings."""

    specialist_max_evenings = _specialist_max_evenings_field()

    class Meta:
        model = Series
        fields = ["name", "specialist_max_evenings"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout("name", "specialist_max_evenings", Submit("save", "Save"))

    def clean_specialist_max_evenings(self):
        return _clean_specialist_max_evenings(self)


class EveningUpdateForm(forms.ModelForm):
    tables = forms.IntegerField(
        required=False,
        label="Tables",
        help_text=Evening._meta.get_field("tables").help_text,
    )

    class Meta:
        model = Evening
        fields = ["reply_by", "cap", "tables"]
        widgets = {"reply_by": DATETIME}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.reply_by:
            self.initial["reply_by"] = timezone.localtime(self.instance.reply_by)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("reply_by", css_class="col-md-6"), Column("cap", css_class="col-md-6")),
            "tables",
            Submit("save", "Save"),
        )

    def clean_tables(self):
        tables = self.cleaned_data["tables"]
        # The real minimum (at least 1, and the tables the event already has) in words.
        try:
            check_evening_tables(evening=self.instance, tables=tables)
        except ValidationError as error:
            raise ValidationError(error.message_dict["tables"]) from None
        return tables


class ReplyForm(forms.Form):
    """The reply page: one choice, with a time range or another evening when it needs one."""

    answer = forms.ChoiceField(choices=Answer.CHOICES, widget=forms.RadioSelect)
    arrives_at = forms.TimeField(widget=TIME, required=False, label="I arrive at")
    leaves_at = forms.TimeField(widget=TIME, required=False, label="I leave at")
    other_evening = forms.ModelChoiceField(
        Evening.objects.none(), required=False, label="The evening I choose", empty_label=None
    )

    def __init__(self, *args, invitation: Invitation, others, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other_evening"].queryset = others
        self.fields["other_evening"].label_from_instance = lambda e: (
            f"{e.event.name}: {e.event.date:%a %-d %b}, {e.event.start_time:%H:%M}, {e.event.venue}"
        )
        if not others:
            self.fields["answer"].choices = Answer.CHOICES[:3]
        status = invitation.status
        initial = {
            Invitation.Status.YES: Answer.YES,
            Invitation.Status.NO: Answer.NO,
            Invitation.Status.PARTIAL: Answer.PARTIAL,
            Invitation.Status.OTHER_EVENING: Answer.OTHER_EVENING,
        }.get(status)
        if status == Invitation.Status.WAITING:
            initial = (
                Answer.PARTIAL if invitation.arrives_at or invitation.leaves_at else Answer.YES
            )
        self.initial.update(
            answer=initial,
            arrives_at=invitation.arrives_at,
            leaves_at=invitation.leaves_at,
            other_evening=invitation.moved_to_id,
        )

    def clean(self):
        data = super().clean()
        answer = data.get("answer")
        if answer == Answer.PARTIAL and not (data.get("arrives_at") or data.get("leaves_at")):
            self.add_error("arrives_at", "Say when you arrive, when you leave, or both.")
        if answer == Answer.OTHER_EVENING and not data.get("other_evening"):
            self.add_error("other_evening", "Choose the evening you will come to instead.")
        return data
