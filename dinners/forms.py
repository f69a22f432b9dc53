"""The dinners' forms: a season, the clinician's sign-up, the host's record of a dinner and a
question of the bank."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.db.models import Q
from django.utils import timezone

from events.permissions import allowed_regions

from .models import WEEKDAYS, DinnerQuestion, DinnerSeason, SignUp
from .queries import eligible_clinicians, season_sites

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class SeasonForm(forms.ModelForm):
    weekdays = forms.MultipleChoiceField(
        label="Weekday evenings offered",
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        initial=["tue", "wed", "thu"],
    )

    class Meta:
        model = DinnerSeason
        fields = [
            "name",
            "starts_on",
            "every_weeks",
            "dinners_count",
            "weekdays",
            "min_size",
            "max_size",
            "budget_per_person",
            "regions",
            "sign_up_by",
        ]
        widgets = {
            "starts_on": DATE,
            "sign_up_by": DATETIME,
            "regions": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user, fixed=(), **kwargs):
        """``instance`` given: the edit of a season, where ``fixed`` names the fields that can
        no longer change (``services.fixed_fields``): shown, not editable."""
        super().__init__(*args, **kwargs)
        self.editing = self.instance.pk is not None
        allowed = allowed_regions(user)
        self.fields["regions"].queryset = allowed
        self.kept_regions = []
        if self.editing:
            # Regions of the season outside the user's stay as they are.
            self.kept_regions = list(self.instance.regions.exclude(pk__in=allowed.values("pk")))
            if self.kept_regions:
                self.fields["regions"].help_text = "Also taking part (not yours to change): " + (
                    ", ".join(r.name for r in self.kept_regions)
                )
        for name in fixed:
            self.fields[name].disabled = True
            if name == "regions":
                self.fields[name].queryset = self.instance.regions.all()
        self.fields["name"].widget.attrs["placeholder"] = "e.g. Facilitated Dinners, spring 2027"
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "name",
            Row(
                Column("starts_on", css_class="col-md-4"),
                Column("every_weeks", css_class="col-md-4"),
                Column("dinners_count", css_class="col-md-4"),
            ),
            "weekdays",
            Row(
                Column("min_size", css_class="col-md-4"),
                Column("max_size", css_class="col-md-4"),
                Column("budget_per_person", css_class="col-md-4"),
            ),
            "regions",
            "sign_up_by",
            Submit("save", "Save changes" if self.editing else "Create season"),
        )

    def clean_sign_up_by(self):
        value = self.cleaned_data["sign_up_by"]
        old = self.instance.sign_up_by if self.editing else None
        minute = {"second": 0, "microsecond": 0}
        if old and value and value.replace(**minute) == old.replace(**minute):
            # The form shows minutes: the same minute is the deadline unchanged.
            return old
        if value and value <= timezone.now():
            raise forms.ValidationError("The sign-up deadline must be in the future.")
        return value

    def clean(self):
        data = super().clean()
        if "regions" in data and not self.fields["regions"].disabled:
            data["regions"] = list(data["regions"]) + self.kept_regions
        starts_on, sign_up_by = data.get("starts_on"), data.get("sign_up_by")
        if starts_on and sign_up_by and starts_on < timezone.localdate(sign_up_by):
            self.add_error("starts_on", "The dinners start after the sign-up deadline.")
        return data


class SignUpForm(forms.Form):
    """The clinician's answer. A search among colleagues re-renders the form with matches
    (no script): the chosen ones stay ticked."""

    joining = forms.TypedChoiceField(
        label="Will you join the dinners this season?",
        choices=[("yes", "Yes, count me in"), ("no", "Not this season")],
        widget=forms.RadioSelect,
        coerce=lambda value: value == "yes",
    )
    weekdays = forms.MultipleChoiceField(
        label="Which evenings suit you?", widget=forms.CheckboxSelectMultiple, required=False
    )
    reach = forms.ModelMultipleChoiceField(
        label="Which sites can you get to for dinner?",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Leave all empty if any site of your region is fine.",
    )
    host = forms.ChoiceField(
        label="Would you host a group (book the table, claim the stipend)?",
        choices=SignUp.Host.choices,
        widget=forms.RadioSelect,
        initial=SignUp.Host.IF_NEEDED,
    )
    not_with = forms.ModelMultipleChoiceField(
        label="Anyone you should not be grouped with?",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="For example someone you supervise. Only the program's admins see this.",
    )
    q = forms.CharField(label="Find a colleague", required=False, max_length=100)

    def __init__(self, *args, sign_up: SignUp, **kwargs):
        super().__init__(*args, **kwargs)
        season = sign_up.season
        self.fields["weekdays"].choices = [
            (code, label) for code, label in WEEKDAYS if code in season.weekdays
        ]
        self.fields["reach"].queryset = season_sites(season)
        colleagues = eligible_clinicians(season).exclude(pk=sign_up.clinician_id)
        self.fields["not_with"].queryset = colleagues
        chosen = set(self.data.getlist("not_with")) if self.is_bound else set()
        if not self.is_bound:
            chosen = {str(pk) for pk in sign_up.not_with.values_list("pk", flat=True)}
        query = (self.data.get("q") or "").strip() if self.is_bound else ""
        matches = Q(pk__in=[int(pk) for pk in chosen if pk.isdigit()])
        if len(query) >= 2:
            for word in query.split()[:3]:
                matches |= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        # Only the chosen and the matches of a search are listed (never the whole roster).
        self.fields["not_with"].widget.choices = [
            (c.pk, f"{c.full_name}, {c.credentials}")
            for c in colleagues.filter(matches).order_by("last_name", "first_name")[:30]
        ]
        self.searched = bool(query)


class HostDinnerForm(forms.Form):
    coming = forms.MultipleChoiceField(
        label="Who is coming?", widget=forms.CheckboxSelectMultiple, required=False
    )
    record_attendance = forms.BooleanField(
        label="The dinner took place: record who came", required=False
    )
    attended = forms.MultipleChoiceField(
        label="Who came?", widget=forms.CheckboxSelectMultiple, required=False
    )
    receipt_amount = forms.DecimalField(
        label="Receipt amount ($)", min_value=0, max_digits=8, decimal_places=2, required=False
    )

    def __init__(self, *args, dinner, members, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(c.pk), c.full_name) for c in members]
        self.fields["coming"].choices = choices
        self.fields["attended"].choices = choices
        self.past = dinner.date <= timezone.localdate()
        if not self.past:
            del self.fields["record_attendance"]
            del self.fields["attended"]
            del self.fields["receipt_amount"]


class QuestionForm(forms.ModelForm):
    class Meta:
        model = DinnerQuestion
        fields = ["text", "topic", "is_active"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Save question"))
