"""The API's shapes: requests are validated and resolved here (reads only), written by services."""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.catalog.selectors import product_list, products_by_id
from apps.core.phones import normalize_phone
from apps.customers.models import Address
from apps.customers.selectors.customers import customer_by_phone
from apps.orders.models import (
    CancelReason,
    FailReason,
    OrderChannel,
    OrderEvent,
    OrderStatus,
    PaymentIntent,
)
from apps.orders.pricing import LineRequest
from apps.orders.selectors import customer_for_order, order_settings_for
from apps.orders.windows import window_by_key, window_choices
from apps.org.models import Company

MAX_ID = 2**63 - 1
DEFAULT_ASAP_MINUTES = 120


class LineInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    product = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text=_("Product id; or give sku.")
    )
    sku = serializers.CharField(required=False, max_length=40, help_text=_("Product SKU."))
    quantity = serializers.IntegerField(min_value=1, max_value=10000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "product" not in attrs and not attrs.get("sku"):
            raise serializers.ValidationError({"product": _("Give the product id or its SKU.")})
        return attrs


class OrderCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A new order. The customer is named by ``customer`` (id) or ``phone``; a phone the
    company does not know yet creates the customer from ``name`` and ``address``. Without
    a window the order is for as soon as possible."""

    customer = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    phone = serializers.CharField(required=False, max_length=40)
    name = serializers.CharField(required=False, max_length=100)
    address = serializers.CharField(
        required=False,
        max_length=100,
        help_text=_(
            "Delivery address as text: one of the customer's addresses, or a new one. "
            "Without it the customer's default address is used."
        ),
    )
    address_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    lines: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=LineInputSerializer(), allow_empty=False, max_length=50
    )
    window = serializers.CharField(
        required=False,
        max_length=20,
        help_text=_("A window key: asap, today-14 (14:00–16:00), tomorrow-am, tomorrow-pm…"),
    )
    window_start = serializers.DateTimeField(required=False)
    window_end = serializers.DateTimeField(required=False)
    payment_intent = serializers.ChoiceField(
        choices=PaymentIntent.choices, default=PaymentIntent.CASH
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    external_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        default="",
        help_text=_("The order's number in the calling system; unique per channel."),
    )

    @property
    def company(self) -> Company:
        return self.context["company"]  # type: ignore[no-any-return]

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        """Shallow copies of the declared fields, bound to this serializer.

        DRF deep-copies every declared field (re-running each one's ``__init__``,
        the nested line serializer's too) for every serializer made: a tenth of
        the CPU of taking an order. Validating does not change a field, so a
        shallow copy, bound to this serializer, is enough; the line serializer
        inside ``lines`` is shared, and reads nothing of its parent's.
        """
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        for resolve in (self._customer, self._address, self._lines, self._window):
            try:
                resolve(attrs)
            except serializers.ValidationError as error:
                errors.update(error.detail)  # type: ignore[arg-type]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def _customer(self, attrs: dict[str, Any]) -> None:
        attrs["customer_row"] = None
        if "customer" in attrs:
            customer = customer_for_order(company=self.company, pk=attrs["customer"])
            if customer is None:
                raise serializers.ValidationError({"customer": _("No such customer.")})
            attrs["customer_row"] = customer
            return
        if not attrs.get("phone"):
            raise serializers.ValidationError(
                {"customer": _("Give the customer's id or phone number.")}
            )
        try:
            attrs["phone"] = normalize_phone(attrs["phone"])
        except DjangoValidationError as error:
            raise serializers.ValidationError({"phone": error.messages}) from None
        customer = customer_by_phone(company=self.company, number=attrs["phone"])
        attrs["customer_row"] = customer
        if customer is None:
            missing = {
                field: message
                for field, message in (
                    ("name", _("A new customer needs a name.")),
                    ("address", _("A new customer needs an address.")),
                )
                if not attrs.get(field, "").strip()
            }
            if missing:
                raise serializers.ValidationError(missing)

    def _address(self, attrs: dict[str, Any]) -> None:
        attrs["address_row"] = None
        if "address_id" not in attrs:
            return
        customer = attrs.get("customer_row")
        address = (
            Address.objects.filter(company=self.company, pk=attrs["address_id"])
            .select_related("depot")
            .first()
        )
        if address is None or customer is None or address.customer_id != customer.pk:
            raise serializers.ValidationError(
                {"address_id": _("This is not one of the customer's addresses.")}
            )
        attrs["address_row"] = address

    def _lines(self, attrs: dict[str, Any]) -> None:
        wanted = attrs["lines"]
        ids = {line["product"] for line in wanted if "product" in line}
        skus = {line["sku"] for line in wanted if "product" not in line}
        # The container type prices the deposit; the order of the rows does not matter here.
        products = product_list(company=self.company).order_by()
        by_id = products_by_id(company=self.company, ids=ids)
        by_sku = {p.sku: p for p in products.filter(sku__in=skus)} if skus else {}
        errors: list[dict[str, Any]] = []
        requests: list[LineRequest] = []
        for line in wanted:
            if "product" in line:
                product = by_id.get(line["product"])
                problem = {"product": [_("No such product.")]}
            else:
                product = by_sku.get(line["sku"])
                problem = {"sku": [_("No product with this SKU.")]}
            if product is None:
                errors.append(problem)
                continue
            errors.append({})
            requests.append(LineRequest(product, line["quantity"]))
        if any(errors):
            raise serializers.ValidationError({"lines": errors})
        attrs["line_requests"] = requests

    def _window(self, attrs: dict[str, Any]) -> None:
        attrs["order_settings"] = None
        start, end = attrs.get("window_start"), attrs.get("window_end")
        if start is not None or end is not None:
            if start is None or end is None:
                field = "window_end" if end is None else "window_start"
                raise serializers.ValidationError(
                    {field: _("Give both window_start and window_end, or neither.")}
                )
            return
        # Read whole: the order's message needs the quiet hours next (see intake()).
        attrs["order_settings"] = order_settings_for(self.company)
        minutes = attrs["order_settings"].asap_minutes or DEFAULT_ASAP_MINUTES
        key = attrs.get("window") or "asap"
        window = window_by_key(key, asap_minutes=minutes)
        if window is None:
            keys = ", ".join(w.key for w in window_choices(asap_minutes=minutes))
            raise serializers.ValidationError(
                {"window": _("Unknown window; use one of: %(keys)s.") % {"keys": keys}}
            )
        attrs["window_start"], attrs["window_end"] = window.start, window.end

    def intake(self) -> dict[str, Any]:
        """Keyword arguments for ``order_receive``."""
        data = self.validated_data
        return {
            "customer": data["customer_row"],
            "phone": data.get("phone", ""),
            "name": data.get("name", ""),
            "address": data["address_row"],
            "address_text": data.get("address", ""),
            "lines": data["line_requests"],
            "window_start": data["window_start"],
            "window_end": data["window_end"],
            "payment_intent": data["payment_intent"],
            "notes": data["notes"],
            "external_id": data["external_id"],
            "order_settings": data["order_settings"],
        }


class CancelSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.ChoiceField(choices=CancelReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


# Responses are plain serializers with their fields written out: a ModelSerializer
# inspects the model again for every response, which showed in the intake benchmark.


class OrderLineSerializer(serializers.Serializer):  # type: ignore[type-arg]
    product = serializers.IntegerField(source="product_id", read_only=True)
    sku = serializers.CharField(source="product.sku", read_only=True)
    name = serializers.CharField(source="product.name", read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    unit_price_fen = serializers.IntegerField(read_only=True)
    surcharge_fen = serializers.IntegerField(read_only=True)
    amount_fen = serializers.IntegerField(read_only=True)
    delivered_quantity = serializers.IntegerField(read_only=True, allow_null=True)


class CustomerRefSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class AddressRefSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(source="short", read_only=True)
    floor = serializers.IntegerField(read_only=True)
    has_elevator = serializers.BooleanField(read_only=True)


class CourierRefSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="user.display_name", read_only=True)


class OrderSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=OrderStatus.choices, read_only=True)
    channel = serializers.ChoiceField(choices=OrderChannel.choices, read_only=True)
    external_id = serializers.CharField(read_only=True)
    customer = CustomerRefSerializer(read_only=True)
    address = AddressRefSerializer(read_only=True)
    depot = serializers.IntegerField(source="depot_id", read_only=True, allow_null=True)
    window_start = serializers.DateTimeField(read_only=True)
    window_end = serializers.DateTimeField(read_only=True)
    payment_intent = serializers.ChoiceField(choices=PaymentIntent.choices, read_only=True)
    notes = serializers.CharField(read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)
    goods_fen = serializers.IntegerField(read_only=True)
    surcharge_fen = serializers.IntegerField(read_only=True)
    deposit_fen = serializers.IntegerField(read_only=True)
    total_fen = serializers.IntegerField(read_only=True)
    courier = CourierRefSerializer(read_only=True, allow_null=True)
    eta_start = serializers.DateTimeField(read_only=True, allow_null=True)
    eta_end = serializers.DateTimeField(read_only=True, allow_null=True)
    fail_reason = serializers.ChoiceField(
        choices=FailReason.choices, read_only=True, allow_blank=True
    )
    cancel_reason = serializers.ChoiceField(
        choices=CancelReason.choices, read_only=True, allow_blank=True
    )
    created_at = serializers.DateTimeField(read_only=True)
    status_changed_at = serializers.DateTimeField(read_only=True)
    delivered_at = serializers.DateTimeField(read_only=True, allow_null=True)


class OrderEventSerializer(serializers.Serializer):  # type: ignore[type-arg]
    at = serializers.DateTimeField(read_only=True)
    from_status = serializers.ChoiceField(
        choices=OrderStatus.choices, read_only=True, allow_blank=True
    )
    to_status = serializers.ChoiceField(choices=OrderStatus.choices, read_only=True)
    reason = serializers.CharField(read_only=True)
    note = serializers.CharField(read_only=True)
    by = serializers.SerializerMethodField()
    courier = CourierRefSerializer(read_only=True, allow_null=True)

    @extend_schema_field(serializers.CharField())
    def get_by(self, event: OrderEvent) -> str:
        if event.actor is not None:
            return str(event.actor.display_name)
        return event.actor_label


class IncomingCallInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    phone = serializers.CharField(max_length=40, help_text=_("The caller's number."))


class IncomingCallSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(read_only=True)
    phone = serializers.CharField(read_only=True)
    customer = CustomerRefSerializer(read_only=True, allow_null=True)
    received_at = serializers.DateTimeField(read_only=True)


class PingSerializer(serializers.Serializer):  # type: ignore[type-arg]
    ok = serializers.BooleanField()
