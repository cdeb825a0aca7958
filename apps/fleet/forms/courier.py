"""The courier's forms: load-out, recording a delivery (mixed payment) and a problem.

The phone sends the same field names whether the form is posted directly or
kept in its offline queue, so both go through these forms.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.catalog.models import ContainerType, Product, TicketType
from apps.core.money import YuanField, format_yuan
from apps.fleet.models import DeliveryPhoto
from apps.ledger.errors import LedgerError
from apps.ledger.services import Method, Payment, money_due_fen
from apps.orders.models import FailReason, Order, OrderLine
from apps.orders.public import delivery_code
from apps.orders.services.settlement import deposit_cash_fen, ledger_lines


class ErrorText:
    """One line a phone can show: every error with its field's label."""

    def error_text(self) -> str:
        texts = []
        for name, errors in self.errors.items():  # type: ignore[attr-defined]
            field = self.fields.get(name)  # type: ignore[attr-defined]
            for text in errors:
                texts.append(f"{field.label}：{text}" if field is not None else str(text))
        return " ".join(texts)


class LoadOutForm(forms.Form):
    """What goes on the vehicle at the depot when the shift starts."""

    def __init__(self, *args: Any, products: list[Product], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.products = products
        for product in products:
            self.fields[f"load_{product.pk}"] = forms.IntegerField(
                label=product.name, min_value=0, max_value=999, initial=0, required=False
            )

    def load(self) -> dict[Product, int]:
        return {p: self.cleaned_data.get(f"load_{p.pk}") or 0 for p in self.products}


SCAN_METHODS = [
    (Method.WECHAT, gettext_lazy("WeChat Pay")),
    (Method.ALIPAY, gettext_lazy("Alipay")),
]


class DeliveryRecordForm(ErrorText, forms.Form):
    """What arrived, the empties taken back, and how it was paid (any mix).

    Tickets pay for units; of the money left, the scan, wallet and credit amounts
    are what the courier enters, and cash is the rest. ``cash_given`` is what the
    customer handed over, so the change can be shown.
    """

    scan_method = forms.ChoiceField(
        label=gettext_lazy("scan with"), choices=SCAN_METHODS, initial=Method.WECHAT, required=False
    )
    scan = YuanField(label=gettext_lazy("scanned"), required=False)
    wallet = YuanField(label=gettext_lazy("from the wallet"), required=False)
    credit = YuanField(label=gettext_lazy("on monthly credit"), required=False)
    cash_given = YuanField(label=gettext_lazy("cash handed over"), required=False)
    code = forms.CharField(label=gettext_lazy("delivery code"), required=False, max_length=8)
    photo = forms.CharField(required=False, widget=forms.HiddenInput)
    signature = forms.CharField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(label=gettext_lazy("note"), required=False, max_length=300)

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order = order
        self.order_lines: list[OrderLine] = list(
            order.lines.select_related("product__container_type")
        )
        products = [line.product for line in self.order_lines]
        self.containers: list[ContainerType] = sorted(
            {p.container_type for p in products if p.container_type is not None},
            key=lambda c: c.pk,
        )
        self.ticket_types: list[TicketType] = list(
            TicketType.objects.filter(company_id=order.company_id, products__in=products)
            .distinct()
            .order_by("pk")
        )
        for line in self.order_lines:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=line.product.name,
                min_value=0,
                max_value=999,
                initial=line.quantity,
                required=False,
            )
        for container in self.containers:
            self.fields[f"empties_{container.pk}"] = forms.IntegerField(
                label=_("Empty %(container)s collected") % {"container": container.name},
                min_value=0,
                max_value=999,
                initial=0,
                required=False,
            )
        for ticket_type in self.ticket_types:
            self.fields[f"tickets_{ticket_type.pk}"] = forms.IntegerField(
                label=ticket_type.name, min_value=0, max_value=999, initial=0, required=False
            )
        self.deposit_fen = deposit_cash_fen(order)
        self._payments: list[Payment] = []
        self._cash_fen = 0

    def delivered(self) -> dict[int, int]:
        """Units that arrived per line; a line the phone did not mention arrived in full."""
        delivered: dict[int, int] = {}
        for line in self.order_lines:
            chosen = self.cleaned_data.get(f"line_{line.pk}")
            delivered[line.pk] = line.quantity if chosen is None else chosen
        return delivered

    def empties(self) -> dict[ContainerType, int]:
        counts = {c: self.cleaned_data.get(f"empties_{c.pk}") or 0 for c in self.containers}
        return {c: n for c, n in counts.items() if n}

    def payments(self) -> list[Payment]:
        return self._payments

    def change_fen(self) -> int:
        given = self.cleaned_data.get("cash_given")
        return max(0, given - self._cash_fen - self.deposit_fen) if given is not None else 0

    def proof(self) -> dict[str, Any]:
        return {"code": True} if self.cleaned_data.get("code") else {}

    def pictures(self) -> list[tuple[str, str, str]]:
        """(field name, photo purpose, data URL) of the pictures taken at the door."""
        purposes = (
            ("photo", DeliveryPhoto.Purpose.PROOF),
            ("signature", DeliveryPhoto.Purpose.SIGNATURE),
        )
        return [
            (name, purpose, self.cleaned_data[name])
            for name, purpose in purposes
            if self.cleaned_data.get(name)
        ]

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if code and code != delivery_code(self.order):
            raise ValidationError(_("This is not the customer's delivery code."))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        tickets = [
            Payment(Method.TICKETS, ticket_type=t, tickets=data.get(f"tickets_{t.pk}") or 0)
            for t in self.ticket_types
            if data.get(f"tickets_{t.pk}")
        ]
        lines = ledger_lines(self.order_lines, self.delivered())
        try:
            due = money_due_fen(lines, tickets)
        except LedgerError as error:
            raise ValidationError(error.messages) from error
        entered = [
            Payment(data.get("scan_method") or Method.WECHAT, data.get("scan") or 0),
            Payment(Method.WALLET, data.get("wallet") or 0),
            Payment(Method.CREDIT, data.get("credit") or 0),
        ]
        self._cash_fen = due - sum(p.amount_fen for p in entered)
        if self._cash_fen < 0:
            raise ValidationError(
                _("Scan, wallet and credit add up to more than the %(due)s due.")
                % {"due": format_yuan(due)}
            )
        given = data.get("cash_given")
        cash_due = self._cash_fen + self.deposit_fen
        if given is not None and given < cash_due:
            raise ValidationError(
                _("The customer handed over %(given)s, less than the %(cash)s cash due.")
                % {"given": format_yuan(given), "cash": format_yuan(cash_due)}
            )
        self._payments = [
            *tickets,
            *(p for p in entered if p.amount_fen),
            *([Payment(Method.CASH, self._cash_fen)] if self._cash_fen else []),
        ]
        return data


class ProblemForm(ErrorText, forms.Form):
    """Why the stop could not be delivered."""

    reason = forms.ChoiceField(label=gettext_lazy("reason"), choices=FailReason.choices)
    note = forms.CharField(label=gettext_lazy("note"), required=False, max_length=300)
    photo = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == FailReason.OTHER and not (data.get("note") or "").strip():
            self.add_error("note", _("Say what went wrong."))
        return data


class ChangeForm(ErrorText, forms.Form):
    """The customer wants something else: the new quantity of each product (0 = none)."""

    note = forms.CharField(label=gettext_lazy("note"), required=False, max_length=300)

    def __init__(self, *args: Any, order: Order, products: list[Product], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = {line.product_id: line.quantity for line in order.lines.all()}
        self.products = products
        for product in products:
            self.fields[f"qty_{product.pk}"] = forms.IntegerField(
                label=product.name,
                min_value=0,
                max_value=999,
                initial=current.get(product.pk, 0),
                required=False,
            )

    def chosen(self) -> dict[Product, int]:
        return {
            p: self.cleaned_data[f"qty_{p.pk}"]
            for p in self.products
            if self.cleaned_data.get(f"qty_{p.pk}")
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not self.chosen():
            raise ValidationError(
                _("Give at least one product; if nothing is wanted, report the stop as refused.")
            )
        return data
