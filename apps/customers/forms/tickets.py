from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.phones import normalize_phone
from apps.customers.models import (
    Customer,
    CustomerPhone,
    Ticket,
    TicketPriority,
    TicketStatus,
    TicketType,
)
from apps.customers.selectors.tickets import SlaCell
from apps.org.models import Company, StaffMember
from apps.org.scoping import CompanyScopedForm


def _active_staff(company: Company) -> Any:
    return StaffMember.objects.filter(company=company, is_active=True).select_related("user")


class StaffChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class TicketCreateForm(CompanyScopedForm):
    customer_ref = forms.CharField(
        label=_("Customer"),
        max_length=30,
        help_text=_("A phone number or the customer code."),
    )

    class Meta:
        model = Ticket
        fields = ["ticket_type", "priority", "assignee", "order_reference", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    field_order = ["customer_ref", *Meta.fields]

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, company=company, **kwargs)
        self.fields["assignee"].queryset = _active_staff(company)  # type: ignore[attr-defined]
        self.fields["order_reference"].help_text = _("Optional: the order this is about.")

    def clean_customer_ref(self) -> Customer:
        text = self.cleaned_data["customer_ref"].strip()
        customers = Customer.objects.filter(company=self.company)
        customer = customers.filter(code__iexact=text).first()
        if customer is None:
            try:
                number = normalize_phone(text)
            except forms.ValidationError:
                number = ""
            phone = (
                CustomerPhone.objects.filter(company=self.company, number=number)
                .select_related("customer")
                .first()
            )
            customer = phone.customer if phone else None
        if customer is None:
            raise forms.ValidationError(_("No customer has this phone number or code."))
        return customer


class TicketFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"), choices=[("", _("All")), *TicketStatus.choices], required=False
    )
    ticket_type = forms.ChoiceField(
        label=_("request type"), choices=[("", _("All")), *TicketType.choices], required=False
    )
    priority = forms.ChoiceField(
        label=_("priority"), choices=[("", _("All")), *TicketPriority.choices], required=False
    )
    assignee = StaffChoiceField(
        label=_("assignee"), queryset=StaffMember.objects.none(), required=False
    )
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _active_staff(company)  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "status": data["status"],
            "ticket_type": data["ticket_type"],
            "priority": data["priority"],
            "assignee_id": data["assignee"].pk if data["assignee"] else None,
            "customer_id": data["customer"],
        }


class AssignForm(forms.Form):
    assignee = StaffChoiceField(label=_("assignee"), queryset=StaffMember.objects.none())

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _active_staff(company)  # type: ignore[attr-defined]


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("resolution"), widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 3}))


class OptionalNoteForm(forms.Form):
    note = forms.CharField(label=_("note"), required=False)


class SlaForm(forms.Form):
    """One whole-hours field per ticket type and priority."""

    def __init__(self, *args: Any, table: list[tuple[str, list[SlaCell]]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.table = table
        for _label, cells in table:
            for cell in cells:
                self.fields[cell.field_name] = forms.IntegerField(
                    min_value=1, max_value=24 * 90, initial=cell.hours, label=cell.priority
                )

    def rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(label, [self[cell.field_name] for cell in cells]) for label, cells in self.table]

    def hours(self) -> dict[tuple[str, str], int]:
        result = {}
        for name, value in self.cleaned_data.items():
            ticket_type, priority = name.split("__")
            result[(ticket_type, priority)] = value
        return result
