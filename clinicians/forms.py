from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from .models import Clinician, Department, Region, Site, Specialty
from .roster import MAX_FILE_BYTES, RosterFileError, check_upload
from .validators import normalize_credentials


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="Roster file",
        help_text=f"A .csv or .xlsx file of at most {MAX_FILE_BYTES // 1024 // 1024} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(Field("file"), Submit("upload", "Check the file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            check_upload(name=upload.name, size=upload.size)
        except RosterFileError as error:
            raise ValidationError(str(error)) from error
        return upload


class ClinicianFilterForm(forms.Form):
    """The clinician list's filters, read from the query string."""

    STATUS_ACTIVE, STATUS_RETIRED, STATUS_ALL = "active", "retired", "all"

    q = forms.CharField(label="Name", required=False)
    region = forms.ModelChoiceField(Region.objects.all(), required=False, empty_label="Any region")
    site = forms.ModelChoiceField(Site.objects.all(), required=False, empty_label="Any site")
    role = forms.ChoiceField(choices=[("", "Any role"), *Clinician.Role.choices], required=False)
    specialty = forms.ModelChoiceField(
        Specialty.objects.all(), required=False, empty_label="Any specialty"
    )
    status = forms.ChoiceField(
        choices=[(STATUS_ACTIVE, "Active"), (STATUS_RETIRED, "Retired"), (STATUS_ALL, "All")],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("q", css_class="col-md-2"),
                Column("region", css_class="col-md-2"),
                Column("site", css_class="col-md-2"),
                Column("role", css_class="col-md-2"),
                Column("specialty", css_class="col-md-2"),
                Column("status", css_class="col-md-1"),
                Column(
                    Submit("", "Filter", css_class="btn-secondary mt-md-4"), css_class="col-md-1"
                ),
            ),
        )

    def filter(self, clinicians: QuerySet) -> QuerySet:
        """The clinicians matching the filters (all active ones when the form is invalid)."""
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status") or self.STATUS_ACTIVE
        if status != self.STATUS_ALL:
            clinicians = clinicians.filter(is_active=status == self.STATUS_ACTIVE)
        for word in (data.get("q") or "").split():
            clinicians = clinicians.filter(
                Q(first_name__icontains=word) | Q(last_name__icontains=word)
            )
        if data.get("region"):
            clinicians = clinicians.filter(
                pk__in=Clinician.sites.through.objects.filter(site__region=data["region"]).values(
                    "clinician_id"
                )
            )
        if data.get("site"):
            clinicians = clinicians.filter(sites=data["site"])
        if data.get("role"):
            clinicians = clinicians.filter(role=data["role"])
        if data.get("specialty"):
            clinicians = clinicians.filter(specialty=data["specialty"])
        return clinicians


class ClinicianForm(forms.ModelForm):
    class Meta:
        model = Clinician
        fields = [
            "first_name",
            "last_name",
            "credentials",
            "email",
            "role",
            "specialty",
            "department",
            "sites",
        ]
        widgets = {"sites": forms.SelectMultiple(attrs={"size": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.select_related("site")
        # Retired specialties are offered only to the clinicians who already have one.
        self.fields["specialty"].queryset = Specialty.objects.filter(
            Q(is_active=True) | Q(pk=self.instance.specialty_id)
        )
        self.fields["sites"].help_text = "Where they practise (Ctrl/Cmd-click for several)."
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("first_name"), Column("last_name"), Column("credentials")),
            Row(Column("email"), Column("role")),
            Row(Column("specialty"), Column("department")),
            Field("sites"),
            Submit("save", "Save"),
        )

    def clean_credentials(self):
        return normalize_credentials(self.cleaned_data["credentials"])

    def clean_email(self):
        # Lower-cased before the uniqueness check, as the model stores it.
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role == Clinician.Role.SPECIALIST and not data.get("specialty"):
            self.add_error("specialty", "A specialist needs a specialty.")
        if role == Clinician.Role.PRIMARY_CARE and not data.get("department"):
            self.add_error("department", "A primary-care clinician needs a department.")
        if role != Clinician.Role.SPECIALIST:
            data["specialty"] = None
        if role != Clinician.Role.PRIMARY_CARE:
            data["department"] = None
        return data


class SpecialtyForm(forms.ModelForm):
    class Meta:
        model = Specialty
        fields = ["name", "track", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("name", css_class="col-md-8"), Column("track", css_class="col-md-4")),
            Field("description"),
            Submit("save", "Save"),
        )


class MergeSpecialtyForm(forms.Form):
    """The specialty another one (``duplicate``) is merged into."""

    keep = forms.ModelChoiceField(
        Specialty.objects.none(),
        label="Merge into",
        help_text="Its clinicians and event tables move to the specialty chosen here; this "
        "one is then deleted.",
    )

    def __init__(self, *args, duplicate: Specialty, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].queryset = Specialty.objects.exclude(pk=duplicate.pk)
        self.fields["keep"].label_from_instance = lambda s: (
            f"{s.name} ({s.get_track_display().lower()})" + ("" if s.is_active else " (retired)")
        )
        self.helper = FormHelper()
        self.helper.layout = Layout(Field("keep"), Submit("merge", "Merge", css_class="btn-danger"))


class MergeClinicianForm(forms.Form):
    """Two clinicians of one specialty: the one to keep and its duplicate."""

    keep = forms.ModelChoiceField(Clinician.objects.none(), label="Keep")
    duplicate = forms.ModelChoiceField(
        Clinician.objects.none(),
        label="Duplicate",
        help_text="Its anchorings, attendance and sites move to the one kept; it is then removed.",
    )

    def __init__(self, *args, specialty: Specialty, **kwargs):
        super().__init__(*args, **kwargs)
        clinicians = Clinician.objects.filter(specialty=specialty).order_by(
            "last_name", "first_name", "email"
        )
        for name in ("keep", "duplicate"):
            self.fields[name].queryset = clinicians
            self.fields[name].label_from_instance = lambda c: (
                f"{c.full_name}, {c.credentials} — {c.email}{'' if c.is_active else ' (retired)'}"
            )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("keep"), Column("duplicate")),
            Submit("merge", "Merge", css_class="btn-danger"),
        )

    def clean(self):
        data = super().clean()
        if data.get("keep") and data.get("keep") == data.get("duplicate"):
            raise ValidationError("Pick two different clinicians.")
        return data
