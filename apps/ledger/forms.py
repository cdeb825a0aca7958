"""Forms of the ledger pages. They parse input; the services validate and post."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import ContainerType, Product, TicketPackage, TicketType
from apps.core.money import YuanField, format_yuan
from apps.ledger.models import Account, AccountKind
from apps.ledger.services import Resolution, method_choices
from apps.org.models import Company, Depot, StaffMember
from apps.org.scoping import narrow_choices

CASH_LIKE = ("cash", "wechat", "alipay", "bank")


def _methods(*allowed: str) -> list[tuple[str, str]]:
    return [(code, label) for code, label in method_choices() if code in allowed]


class LedgerForm(forms.Form):
    """A form bound to one company, carrying a one-time token that becomes the business key."""

    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.company = company
        self.fields["token"].initial = uuid.uuid4().hex
        for name in ("method",):
            if name in self.fields and hasattr(self, "METHODS"):
                self.fields[name].choices = _methods(*self.METHODS)  # type: ignore[attr-defined]
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and hasattr(queryset.model, "is_active"):
                field.queryset = queryset.filter(is_active=True)  # type: ignore[attr-defined]
        narrow_choices(self.fields, company)

    @property
    def key(self) -> str:
        return f"web:{self.cleaned_data['token']}"


def _quantity(label: Any = None) -> forms.IntegerField:
    return forms.IntegerField(label=label or _("quantity"), min_value=1, initial=1)


def _method() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("paid by"), choices=method_choices())


class TopUpForm(LedgerForm):
    METHODS = CASH_LIKE
    amount_fen = YuanField(label=_("amount"))
    method = _method()


class WalletRefundForm(TopUpForm):
    pass


class TicketSellForm(LedgerForm):
    METHODS = (*CASH_LIKE, "wallet", "credit")
    package = forms.ModelChoiceField(
        label=_("ticket package"), queryset=TicketPackage.objects.all()
    )
    quantity = _quantity(_("books"))
    method = _method()


class TicketRefundForm(LedgerForm):
    METHODS = (*CASH_LIKE, "wallet")
    ticket_type = forms.ModelChoiceField(label=_("ticket type"), queryset=TicketType.objects.all())
    quantity = _quantity(_("tickets"))
    method = _method()


class TicketRedeemForm(LedgerForm):
    ticket_type = forms.ModelChoiceField(label=_("ticket type"), queryset=TicketType.objects.all())
    quantity = _quantity(_("tickets"))


class DepositTakeForm(LedgerForm):
    METHODS = (*CASH_LIKE, "wallet")
    container_type = forms.ModelChoiceField(
        label=_("container type"), queryset=ContainerType.objects.all()
    )
    quantity = _quantity(_("containers"))
    method = _method()


class LendForm(LedgerForm):
    container_type = forms.ModelChoiceField(
        label=_("container type"), queryset=ContainerType.objects.all()
    )
    quantity = _quantity(_("containers"))


class DepositRefundForm(DepositTakeForm):
    pass


class WriteOffForm(LedgerForm):
    container_type = forms.ModelChoiceField(
        label=_("container type"), queryset=ContainerType.objects.all()
    )
    quantity = _quantity(_("containers"))
    forfeit_deposit = forms.BooleanField(label=_("keep the deposit paid for them"), required=False)
    reason = forms.CharField(label=_("reason"), max_length=300)


class CreditSettleForm(LedgerForm):
    METHODS = CASH_LIKE
    amount_fen = YuanField(label=_("amount"))
    method = _method()


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300)


class MonthForm(forms.Form):
    month = forms.DateField(
        label=_("month"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )


class PeriodForm(forms.Form):
    period_start = forms.DateField(label=_("from"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("until"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            raise forms.ValidationError(_("The period must start before it ends."))
        return data


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(
        label=_("resolution"),
        choices=[
            (Resolution.HANDED_IN, _("The courier hands in the rest")),
            (Resolution.WRITTEN_OFF, _("Write it off")),
        ],
    )
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class HandoverForm(forms.Form):
    """One counted and one declared field per courier account the book expects back."""

    depot = forms.ModelChoiceField(label=_("depot"), queryset=Depot.objects.all())
    scan_declared_fen = YuanField(label=_("scan payments declared"), required=False)
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(
        self,
        *args: Any,
        company: Company,
        courier: StaffMember,
        expected: list[Account],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        narrow_choices(self.fields, company)
        self.fields["depot"].initial = courier.home_depot_id
        self.expected = expected
        self.rows = []
        for account in expected:
            money = account.kind == AccountKind.COURIER_CASH
            make = (
                (lambda label: YuanField(label=label))
                if money
                else (lambda label: forms.IntegerField(label=label, min_value=0))
            )
            counted = make(_("%(what)s counted at the depot") % {"what": account.unit_label})
            declared = make(_("%(what)s declared by the courier") % {"what": account.unit_label})
            counted.initial = declared.initial = account.display_balance
            self.fields[f"counted_{account.pk}"] = counted
            self.fields[f"declared_{account.pk}"] = declared
            self.rows.append(
                {
                    "account": account,
                    "expected": format_yuan(account.display_balance)
                    if money
                    else account.display_balance,
                    "counted": self[f"counted_{account.pk}"],
                    "declared": self[f"declared_{account.pk}"],
                }
            )

    def counts(self, prefix: str) -> dict[int, int]:
        return {a.pk: int(self.cleaned_data[f"{prefix}_{a.pk}"] or 0) for a in self.expected}


class StockForm(LedgerForm):
    ACTIONS = (
        ("receive", _("Receive goods")),
        ("load", _("Load a vehicle")),
        ("return", _("Return goods and empties")),
        ("count", _("Stock count")),
        ("threshold", _("Low-stock threshold")),
    )
    action = forms.ChoiceField(label=_("action"), choices=ACTIONS)
    depot = forms.ModelChoiceField(label=_("depot"), queryset=Depot.objects.all())
    product = forms.ModelChoiceField(label=_("product"), queryset=Product.objects.all())
    quantity = forms.IntegerField(label=_("quantity"), min_value=0, initial=0)
    courier = forms.ModelChoiceField(
        label=_("courier"), queryset=StaffMember.objects.filter(role="courier"), required=False
    )
    empties = forms.IntegerField(label=_("empties"), min_value=0, initial=0, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") in ("load", "return") and not data.get("courier"):
            self.add_error("courier", _("Choose the courier."))
        return data


def default_day() -> date:
    return timezone.localdate()
