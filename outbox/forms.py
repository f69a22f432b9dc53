from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms

from .models import Email


class EmailFilterForm(forms.Form):
    """The Emails page's filters: kind, status, and part of an address."""

    kind = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Email.Status.choices])
    q = forms.CharField(
        label="Address",
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"placeholder": "name@example.org", "type": "search"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The kinds are whatever the apps have queued: the outbox keeps no list of them.
        kinds = Email.objects.order_by("kind").values_list("kind", flat=True).distinct()
        self.fields["kind"].choices = [
            ("", "Any kind"),
            *((kind, Email(kind=kind).get_kind_display()) for kind in kinds),
        ]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(Column("kind"), Column("status"), Column("q")),
            Submit("", "Filter", css_class="btn-secondary"),
        )

    def filter(self, queryset):
        """``queryset`` of emails narrowed to what the (valid) form asks for."""
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["kind"]:
            queryset = queryset.filter(kind=data["kind"])
        if data["status"]:
            queryset = queryset.filter(status=data["status"])
        if data["q"].strip():
            queryset = queryset.filter(to__icontains=data["q"].strip())
        return queryset
