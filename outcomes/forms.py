"""The survey a clinician answers through their link, the close date an organizer chooses for
an event's survey, and the filters of the outcomes page."""

import datetime

from django import forms

from clinicians.models import Region
from series.models import Series

from .survey import validate_close_date

SCORES = [(score, str(score)) for score in range(11)]


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, person):
        what = person.specialty or (person.department.name if person.department else "")
        return f"{person.full_name}, {person.credentials}" + (f" · {what}" if what else "")


class TableChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, table):
        return f"Table {table.number} · {table.specialty}"


class SurveyForm(forms.Form):
    """Four questions, under two minutes on a phone. The people and tables offered are the
    ones the ledger and the published schedule give for this attendee (``outcomes.survey``)."""

    recommend = forms.TypedChoiceField(
        label="How likely are you to recommend this evening to a colleague?",
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a number from 0 to 10."},
    )
    contacts = PersonChoiceField(
        label="Whom did you meet that you will contact again?",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    useful_tables = TableChoiceField(
        label="Which tables were the most useful?",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        label="What would make the next evening more useful to you?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )

    def __init__(self, *args, people, tables, **kwargs):
        super().__init__(*args, **kwargs)
        from clinicians.models import Clinician
        from events.models import Table

        self.fields["contacts"].queryset = Clinician.objects.filter(
            pk__in=[p.pk for p in people]
        ).select_related("specialty", "department")
        self.fields["useful_tables"].queryset = Table.objects.filter(
            pk__in=[t.pk for t in tables]
        ).select_related("specialty")
        # The choices in the order the page lists them, without another query.
        self.fields["contacts"].choices = [
            (p.pk, self.fields["contacts"].label_from_instance(p)) for p in people
        ]
        self.fields["useful_tables"].choices = [
            (t.pk, self.fields["useful_tables"].label_from_instance(t)) for t in tables
        ]
        if not people:
            del self.fields["contacts"]
        if not tables:
            del self.fields["useful_tables"]


class SurveyCloseForm(forms.Form):
    """The last day an event's survey takes answers (``survey.validate_close_date``)."""

    closes_on = forms.DateField(
        label="The survey closes at the end of",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
        error_messages={
            "required": "Choose the day the survey closes.",
            "invalid": "Enter the day the survey closes as a date, e.g. 2026-12-06.",
        },
    )

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.fields["closes_on"].widget.attrs["min"] = event.date.isoformat()

    def clean_closes_on(self):
        value = self.cleaned_data["closes_on"]
        validate_close_date(self.event, value)
        return value


class OutcomesFilterForm(forms.Form):
    """Region, series and period of the outcomes page; the choices are the user's own."""

    region = forms.ModelChoiceField(
        queryset=Region.objects.none(), required=False, empty_label="All my regions"
    )
    series = forms.ModelChoiceField(
        queryset=Series.objects.none(), required=False, empty_label="All series"
    )
    since = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From"
    )
    until = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Until"
    )

    def __init__(self, *args, regions, series, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["series"].queryset = series
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class",
                "form-select" if isinstance(field, forms.ModelChoiceField) else "form-control",
            )

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError("The period starts after it ends: swap the dates.")
        if until and until > datetime.date.today() + datetime.timedelta(days=366):
            raise forms.ValidationError("The period ends more than a year from today.")
        return data
