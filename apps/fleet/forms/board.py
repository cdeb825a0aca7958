from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.orders.models import Order
from apps.org.models import Company, Depot, Role, StaffMember


class CourierField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.user.display_name)


class BoardActionForm(forms.Form):
    """Ticked orders of the board, and what to do with them."""

    ASSIGN, UNASSIGN = "assign", "unassign"

    orders: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(  # type: ignore[type-arg]
        label=_("orders"),
        queryset=Order.objects.none(),
        error_messages={"required": _("Tick the orders first.")},
    )
    action = forms.ChoiceField(
        label=_("action"),
        choices=[(ASSIGN, _("Assign to courier")), (UNASSIGN, _("Back to the pool"))],
    )
    courier = CourierField(label=_("courier"), queryset=StaffMember.objects.none(), required=False)
    depot: forms.ModelChoiceField[Depot] = forms.ModelChoiceField(
        queryset=Depot.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["orders"].queryset = (  # type: ignore[attr-defined]
            Order.objects.filter(company=company).order_by("pk")
        )
        self.fields["courier"].queryset = StaffMember.objects.filter(  # type: ignore[attr-defined]
            company=company, role=Role.COURIER, is_active=True
        ).select_related("user")
        self.fields["depot"].queryset = Depot.objects.filter(company=company)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == self.ASSIGN and not data.get("courier"):
            self.add_error("courier", _("Choose the courier."))
        return data
