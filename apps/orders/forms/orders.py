from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import ContainerType, Product
from apps.catalog.selectors import product_list
from apps.customers.models import Address, BillingMode, Customer
from apps.customers.services.customers import AddressData
from apps.ledger.services import Method, Payment
from apps.orders.models import (
    CancelReason,
    FailReason,
    Order,
    OrderChannel,
    OrderLine,
    OrderStatus,
    PaymentIntent,
)
from apps.orders.pricing import LineRequest
from apps.orders.selectors import PoolFilter
from apps.orders.windows import Window, window_choices
from apps.org.models import Company, Depot
from apps.org.selectors import depot_list, staff_list

CUSTOM = "custom"


def couriers(company: Company) -> Any:
    return staff_list(company=company, role="courier").filter(is_active=True).select_related("user")


class CourierChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.user.display_name)


class PoolFilterForm(forms.Form):
    day = forms.DateField(
        label=_("day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(
        label=_("status"), required=False, choices=[("", _("All")), *OrderStatus.choices]
    )
    depot: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("depot"), queryset=Depot.objects.none(), required=False, empty_label=_("All depots")
    )
    courier = CourierChoiceField(
        label=_("courier"), queryset=None, required=False, empty_label=_("All couriers")
    )  # type: ignore[arg-type]
    channel = forms.ChoiceField(
        label=_("channel"), required=False, choices=[("", _("All channels")), *OrderChannel.choices]
    )
    product: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("product"),
        queryset=Product.objects.none(),
        required=False,
        empty_label=_("All products"),
    )
    window_from = forms.TimeField(
        label=_("window from"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    window_until = forms.TimeField(
        label=_("window until"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    overdue = forms.BooleanField(label=_("only overdue"), required=False)

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["depot"].queryset = depot_list(company=company, active_only=True)  # type: ignore[attr-defined]
        self.fields["courier"].queryset = couriers(company)  # type: ignore[attr-defined]
        self.fields["product"].queryset = product_list(company=company, active_only=True)  # type: ignore[attr-defined]

    def pool_filter(self) -> PoolFilter:
        data = self.cleaned_data if self.is_valid() else {}
        return PoolFilter(
            day=data.get("day") or timezone.localdate(),
            status=data.get("status", ""),
            depot=data.get("depot"),
            courier=data.get("courier"),
            channel=data.get("channel", ""),
            product=data.get("product"),
            window_from=data.get("window_from"),
            window_until=data.get("window_until"),
            overdue=bool(data.get("overdue")),
        )


class WindowFields(forms.Form):
    """A delivery window: one of the presets, or a day with start and end times."""

    window = forms.ChoiceField(label=_("delivery window"))
    window_day = forms.DateField(
        label=_("day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    window_start = forms.TimeField(
        label=_("from"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    window_end = forms.TimeField(
        label=_("until"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.presets = {w.key: w for w in window_choices()}
        self.fields["window"].choices = [  # type: ignore[attr-defined]
            *[(w.key, w.label) for w in self.presets.values()],
            (CUSTOM, _("Another day or time…")),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("window") == CUSTOM:
            day, start, end = (
                data.get("window_day"),
                data.get("window_start"),
                data.get("window_end"),
            )
            if not (day and start and end):
                self.add_error("window_day", _("Give the day and the start and end times."))
            elif end <= start:
                self.add_error("window_end", _("The window must end after it starts."))
        return data

    def chosen_window(self) -> tuple[datetime, datetime]:
        key = self.cleaned_data["window"]
        if key == CUSTOM:
            day: date = self.cleaned_data["window_day"]
            return _aware(day, self.cleaned_data["window_start"]), _aware(
                day, self.cleaned_data["window_end"]
            )
        window: Window = self.presets[key]
        return window.start, window.end


def _aware(day: date, clock: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock))


def default_intent(customer: Customer | None) -> str:
    if customer is None:
        return PaymentIntent.CASH
    if customer.billing_mode == BillingMode.MONTHLY_CREDIT:
        return PaymentIntent.CREDIT
    if customer.billing_mode == BillingMode.PREPAID:
        return PaymentIntent.WALLET
    return PaymentIntent.CASH


class OrderForm(WindowFields):
    """Products and quantities, address, window, payment and notes; one quantity box per product."""

    address = forms.ModelChoiceField(
        label=_("address"), queryset=Address.objects.none(), required=False
    )
    payment_intent = forms.ChoiceField(label=_("payment"), choices=PaymentIntent.choices)
    channel = forms.ChoiceField(
        label=_("channel"), choices=OrderChannel.choices, initial=OrderChannel.PHONE
    )
    notes = forms.CharField(label=_("notes"), required=False, max_length=300)

    def __init__(
        self,
        *args: Any,
        company: Company,
        customer: Customer | None,
        repeat: Order | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.company = company
        self.customer = customer
        self.products = list(
            product_list(company=company, active_only=True).order_by("category", "name")
        )
        if customer is not None:
            addresses = customer.addresses.all()
            self.fields["address"].queryset = addresses  # type: ignore[attr-defined]
            self.fields["address"].initial = customer.default_address
            self.fields["address"].required = True
        self.fields["payment_intent"].initial = default_intent(customer)
        self.fields["window"].initial = "asap"
        repeated = {line.product_id: line.quantity for line in repeat.lines.all()} if repeat else {}
        for product in self.products:
            self.fields[f"qty_{product.pk}"] = forms.IntegerField(
                label=str(product),
                required=False,
                min_value=0,
                max_value=999,
                initial=repeated.get(product.pk),
                widget=forms.NumberInput(attrs={"class": "qty", "inputmode": "numeric"}),
            )
        if repeat is not None:
            self.fields["payment_intent"].initial = repeat.payment_intent
            self.fields["address"].initial = repeat.address_id

    def quantity_fields(self) -> list[tuple[Product, forms.BoundField]]:
        return [(product, self[f"qty_{product.pk}"]) for product in self.products]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.line_requests(data):
            raise forms.ValidationError(_("Enter a quantity for at least one product."))
        return data

    def line_requests(self, data: dict[str, Any] | None = None) -> list[LineRequest]:
        data = self.cleaned_data if data is None else data
        return [
            LineRequest(product, data[f"qty_{product.pk}"])
            for product in self.products
            if data.get(f"qty_{product.pk}")
        ]


class NewCallerForm(forms.Form):
    """A first-time caller: enough to deliver; the rest of the profile can wait."""

    name = forms.CharField(label=_("name"), max_length=100)
    phone = forms.CharField(label=_("phone"), max_length=20)
    street = forms.CharField(label=_("street and number"), max_length=100)
    community = forms.CharField(
        label=_("community / building complex"), max_length=60, required=False
    )
    building = forms.CharField(label=_("building"), max_length=20, required=False)
    room = forms.CharField(label=_("room"), max_length=20, required=False)
    floor = forms.IntegerField(label=_("floor"), min_value=-5, max_value=99, initial=1)
    has_elevator = forms.BooleanField(label=_("elevator"), required=False)

    prefix = "new"

    def address_data(self) -> AddressData:
        data = self.cleaned_data
        return AddressData(
            street=data["street"],
            community=data["community"],
            building=data["building"],
            room=data["room"],
            floor=data["floor"],
            has_elevator=data["has_elevator"],
        )


class AssignForm(forms.Form):
    courier = CourierChoiceField(label=_("courier"), queryset=None)  # type: ignore[arg-type]
    note = forms.CharField(label=_("note"), required=False, max_length=300)

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["courier"].queryset = couriers(company)  # type: ignore[attr-defined]


class CancelForm(forms.Form):
    reason = forms.ChoiceField(label=_("reason"), choices=CancelReason.choices)
    note = forms.CharField(label=_("note"), required=False, max_length=300)


class FailForm(forms.Form):
    reason = forms.ChoiceField(label=_("reason"), choices=FailReason.choices)
    note = forms.CharField(label=_("note"), required=False, max_length=300)


class RescheduleForm(WindowFields):
    note = forms.CharField(label=_("note"), required=False, max_length=300)


SETTLE_METHODS = [
    ("intent", _("As agreed with the order")),
    (Method.CASH, _("Cash")),
    (Method.WECHAT, _("WeChat Pay")),
    (Method.ALIPAY, _("Alipay")),
    (Method.WALLET, _("Wallet")),
    (Method.CREDIT, _("Monthly credit")),
]


class DeliveryForm(forms.Form):
    """What arrived, how it was paid (one method for the whole amount) and the empties taken back."""

    method = forms.ChoiceField(label=_("paid with"), choices=SETTLE_METHODS, initial="intent")
    note = forms.CharField(label=_("note"), required=False, max_length=300)

    def __init__(
        self, *args: Any, order: Order, containers: Sequence[ContainerType], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.order_lines: list[OrderLine] = list(order.lines.all())
        self.containers = list(containers)
        for line in self.order_lines:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=str(line.product),
                min_value=0,
                max_value=999,
                initial=line.delivered_quantity
                if line.delivered_quantity is not None
                else line.quantity,
            )
        for container in self.containers:
            self.fields[f"empties_{container.pk}"] = forms.IntegerField(
                label=_("Empty %(container)s collected") % {"container": container.name},
                min_value=0,
                max_value=999,
                initial=0,
            )

    def delivered(self) -> dict[int, int]:
        return {line.pk: self.cleaned_data[f"line_{line.pk}"] for line in self.order_lines}

    def empties(self) -> dict[ContainerType, int]:
        counts = {c: self.cleaned_data[f"empties_{c.pk}"] or 0 for c in self.containers}
        return {c: n for c, n in counts.items() if n}

    def payments(self, amount_due_fen: int) -> list[Payment] | None:
        method = self.cleaned_data["method"]
        if method == "intent":
            return None
        return [Payment(method, amount_due_fen)] if amount_due_fen else []


class CorrectionForm(DeliveryForm):
    reason = forms.CharField(label=_("reason for the correction"), max_length=300)


class BulkForm(forms.Form):
    ASSIGN, CANCEL, RESCHEDULE = "assign", "cancel", "reschedule"

    orders: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(  # type: ignore[type-arg]
        queryset=None,  # type: ignore[arg-type]
        label=_("orders"),
    )
    action = forms.ChoiceField(
        label=_("action"),
        choices=[
            (ASSIGN, _("Assign to courier")),
            (CANCEL, _("Cancel")),
            (RESCHEDULE, _("Reschedule")),
        ],
    )
    courier = CourierChoiceField(label=_("courier"), queryset=None, required=False)  # type: ignore[arg-type]
    reason = forms.ChoiceField(
        label=_("reason"), choices=[("", "—"), *CancelReason.choices], required=False
    )
    window = forms.ChoiceField(label=_("delivery window"), required=False)

    def __init__(self, *args: Any, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["orders"].queryset = Order.objects.filter(company=company)  # type: ignore[attr-defined]
        self.fields["courier"].queryset = couriers(company)  # type: ignore[attr-defined]
        self.presets = {w.key: w for w in window_choices()}
        self.fields["window"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *[(w.key, w.label) for w in self.presets.values()],
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action == self.ASSIGN and not data.get("courier"):
            self.add_error("courier", _("Choose the courier."))
        if action == self.CANCEL and not data.get("reason"):
            self.add_error("reason", _("Choose why the orders are cancelled."))
        if action == self.RESCHEDULE and not data.get("window"):
            self.add_error("window", _("Choose the new window."))
        return data
