from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import UsernameField

from .models import AuditEntry, action_label
from .roles import Role

User = get_user_model()

ROLE_CHOICES = [(Role.ORGANIZER.value, Role.ORGANIZER.label), (Role.ADMIN.value, Role.ADMIN.label)]


class AccountFormBase(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField()
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial=Role.ORGANIZER.value)

    def clean_role(self) -> Role:
        return Role(self.cleaned_data["role"])


class AccountCreateForm(AccountFormBase):
    class PasswordChoice:
        LINK = "link"
        SET = "set"

    username = UsernameField(max_length=150)
    password_choice = forms.ChoiceField(
        label="Password",
        choices=[
            (PasswordChoice.LINK, "Email a link to set a password"),
            (PasswordChoice.SET, "Set a password now"),
        ],
        initial=PasswordChoice.LINK,
        widget=forms.RadioSelect,
    )
    password1 = forms.CharField(
        label="New password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="New password again",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    field_order = ["username", "first_name", "last_name", "email", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "username",
            Row(Column("first_name"), Column("last_name")),
            "email",
            "role",
            "password_choice",
            Row(Column("password1"), Column("password2")),
            Submit("submit", "Create account"),
        )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("This username is taken.")
        return username

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password_choice") != self.PasswordChoice.SET:
            cleaned["password1"] = cleaned["password2"] = ""
            return cleaned
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if not password1:
            self.add_error("password1", "Enter a password, or choose to email a link.")
        elif password1 != password2:
            self.add_error("password2", "The two passwords differ.")
        else:
            user = User(
                username=cleaned.get("username", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                password_validation.validate_password(password1, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class AccountUpdateForm(AccountFormBase):
    is_active = forms.BooleanField(
        label="Active", required=False, help_text="An inactive account cannot log in."
    )

    def __init__(self, *args, editing_self: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing_self:
            # Nobody demotes or deactivates themselves: an installation must keep an admin.
            self.fields["role"].disabled = True
            self.fields["is_active"].disabled = True
            self.fields["role"].help_text = "Another admin can change your own role."
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("first_name"), Column("last_name")),
            "email",
            "role",
            "is_active",
            Submit("submit", "Save"),
        )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False)
    actor = forms.ModelChoiceField(
        queryset=User.objects.order_by("username"), required=False, empty_label="Anyone"
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The actions are whatever the apps have written: accounts keeps no list of them.
        actions = AuditEntry.objects.order_by("action").values_list("action", flat=True)
        self.fields["action"].choices = [
            ("", "Any action"),
            *((action, action_label(action)) for action in actions.distinct()),
        ]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("action"),
                Column("actor"),
                Column("date_from"),
                Column("date_to"),
            ),
            Submit("", "Filter", css_class="btn-secondary"),
        )

    def filter(self, queryset):
        """``queryset`` of audit entries narrowed to what the (valid) form asks for."""
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["action"]:
            queryset = queryset.filter(action=data["action"])
        if data["actor"]:
            queryset = queryset.filter(actor=data["actor"])
        if data["date_from"]:
            queryset = queryset.filter(at__date__gte=data["date_from"])
        if data["date_to"]:
            queryset = queryset.filter(at__date__lte=data["date_to"])
        return queryset
