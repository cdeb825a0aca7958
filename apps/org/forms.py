from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from apps.core.phones import normalize_mobile
from apps.org.models import Company, Depot, Role, Skill, StaffMember, User
from apps.org.scoping import CompanyScopedForm


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username or mobile number"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _("The username, mobile number or password is not correct."),
        "inactive": _("This account is disabled."),
    }


class CompanyForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Company
        fields = ["name", "phone", "address"]


class DepotForm(CompanyScopedForm):
    class Meta:
        model = Depot
        fields = [
            "name",
            "address",
            "latitude",
            "longitude",
            "phone",
            "opens_at",
            "closes_at",
            "payment_qr",
            "is_active",
        ]
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}),
            "closes_at": forms.TimeInput(attrs={"type": "time"}),
        }


class SkillsField(forms.MultipleChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=Skill.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label=_("skills"),
            **kwargs,
        )


class StaffAddForm(forms.Form):
    """Add a person to the company: a new account, or an existing one found by mobile."""

    full_name = forms.CharField(label=_("name"), max_length=150)
    mobile = forms.CharField(label=_("mobile number"), max_length=20)
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)
    home_depot = forms.ModelChoiceField(
        label=_("home depot"), queryset=Depot.objects.none(), required=False
    )
    skills = SkillsField()
    username = forms.CharField(
        label=_("username"),
        max_length=150,
        required=False,
        help_text=_("Leave empty to log in with the mobile number."),
    )
    password = forms.CharField(
        label=_("initial password"),
        widget=forms.PasswordInput,
        required=False,
        help_text=_("Needed only for a new account; the person can change it later."),
    )

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.company = company
        self.fields["home_depot"].queryset = Depot.objects.filter(  # type: ignore[attr-defined]
            company=company, is_active=True
        )

    def clean_mobile(self) -> str:
        return normalize_mobile(self.cleaned_data["mobile"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        mobile = cleaned.get("mobile")
        if not mobile:
            return cleaned
        existing = User.objects.filter(mobile=mobile).first()
        if existing is None:
            self._check_new_account(cleaned)
        elif StaffMember.objects.filter(company=self.company, user=existing).exists():
            self.add_error("mobile", _("This person already works for this company."))
        return cleaned

    def _check_new_account(self, cleaned: dict[str, Any]) -> None:
        username = cleaned.get("username") or cleaned.get("mobile")
        if User.objects.filter(username=username).exists():
            self.add_error("username", _("This username is taken."))
        if not cleaned.get("password"):
            self.add_error("password", _("A new account needs an initial password."))
        elif len(cleaned["password"]) < 8:
            self.add_error("password", _("The password needs at least 8 characters."))


class StaffEditForm(CompanyScopedForm):
    skills = SkillsField()

    class Meta:
        model = StaffMember
        fields = ["role", "home_depot", "skills", "is_active"]


class LanguageForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = User
        fields = ["language"]
