"""Forms of the API clients pages."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.orders.models import OrderChannel
from apps.orders.platforms import FIELDS
from apps.orders.services.clients import CLIENT_CHANNELS


class ApiClientForm(forms.Form):
    name = forms.CharField(
        label=_("name"),
        max_length=100,
        help_text=_("Who uses the token: “Mini-program”, “Meituan”, “ERP”…"),
    )
    channel = forms.ChoiceField(
        label=_("channel of its orders"),
        choices=[(c.value, OrderChannel(c).label) for c in CLIENT_CHANNELS],
    )


EXAMPLE = json.dumps(
    {
        "external_id": "order.id",
        "phone": "recipient.phone",
        "name": "recipient.name",
        "address": "recipient.address",
        "lines": "items",
        "line_sku": "sku",
        "line_quantity": "qty",
        "notes": "remark",
        "payment_intent": "=paid_online",
    },
    indent=2,
)


class IndentedJSONField(forms.JSONField):
    def prepare_value(self, value: object) -> str:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2)


class FieldMappingForm(forms.Form):
    field_mapping = IndentedJSONField(
        label=_("field mapping"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 14, "spellcheck": "false", "class": "code", "placeholder": EXAMPLE}
        ),
        help_text=_(
            "A JSON object: order field → dotted path in the platform's JSON (“=text” for a "
            "constant). Fields: %(fields)s. Leave it empty to switch the webhook off."
        )
        % {"fields": ", ".join(FIELDS)},
    )

    def clean_field_mapping(self) -> object:
        value = self.cleaned_data["field_mapping"]
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError(_("The mapping must be a JSON object."))
        return value
