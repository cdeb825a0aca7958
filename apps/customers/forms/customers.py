from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.core.money import YuanField
from apps.customers.models import Address, Customer, CustomerStatus
from apps.customers.services.customers import ADDRESS_PARTS, AddressData, normalized_phones
from apps.org.scoping import CompanyScopedForm

PHONE_SEPARATORS = re.compile(r"[\n,，;；/、]+")


class CustomerForm(CompanyScopedForm):
    phones = forms.CharField(
        label=_("phone numbers"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One or more mobile or landline numbers, separated by commas or new lines."),
    )
    credit_limit_fen = YuanField(label=_("credit limit"), required=False, initial=0)

    class Meta:
        model = Customer
        fields = [
            "name",
            "phones",
            "customer_type",
            "billing_mode",
            "credit_limit_fen",
            "payment_due_days",
            "group",
            "tags",
            "preferred_products",
            "preferred_brands",
            "notes",
            "source",
            "status",
            "blocked_reason",
            "language",
            "accepts_messages",
        ]
        widgets = {
            "tags": forms.CheckboxSelectMultiple,
            "preferred_products": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["phones"] = "\n".join(p.number for p in self.instance.phones.all())

    def clean_phones(self) -> list[str]:
        return normalized_phones(PHONE_SEPARATORS.split(self.cleaned_data["phones"]))

    def clean_credit_limit_fen(self) -> int:
        return self.cleaned_data.get("credit_limit_fen") or 0

    def profile(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("phones")
        return data


class AddressForm(CompanyScopedForm):
    class Meta:
        model = Address
        fields = ["label", *ADDRESS_PARTS, "depot", "latitude", "longitude"]
        widgets = {"latitude": forms.HiddenInput, "longitude": forms.HiddenInput}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            raise ValidationError(_("Drop the pin again: a coordinate is missing."))
        return cleaned

    def to_data(self) -> AddressData:
        data = dict(self.cleaned_data)
        depot = data.pop("depot", None)
        return AddressData(depot_id=depot.pk if depot else None, **data)


class SearchForm(forms.Form):
    q = forms.CharField(required=False, label=_("Search"))
    status = forms.ChoiceField(
        required=False, choices=[("", _("Any status")), *CustomerStatus.choices], label=_("status")
    )
