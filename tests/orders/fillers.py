"""Company A's orders for the tenancy sweep."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from apps.customers.services.customers import AddressData, customer_create
from apps.orders.models import Notification, NotificationTemplate, Order
from apps.orders.pricing import LineRequest
from apps.orders.services.clients import api_client_create
from apps.orders.services.intake import order_create
from tests.factories import ProductFactory
from tests.tenancy import MARKER


def make_order(company: Any) -> Order:
    customer = customer_create(
        company=company,
        name=f"{MARKER}订单客户",
        phones=["13900007704"],
        address=AddressData(street=f"{MARKER}路 9 号"),
    )
    start = timezone.now() + timedelta(hours=1)
    return order_create(
        company=company,
        customer=customer,
        lines=[LineRequest(ProductFactory(company=company, name=f"{MARKER}水"), 2)],
        window_start=start,
        window_end=start + timedelta(hours=2),
        notes=MARKER,
    )


def _order(company: Any) -> Order:
    return Order.objects.filter(company=company).first() or make_order(company)


OBJECTS = {
    "orders.order": _order,
    "orders.orderevent": lambda company: _order(company).events.first(),
    "orders.apiclient": lambda company: api_client_create(
        company=company, name=f"{MARKER}客户端", channel="api"
    )[0],
    "orders.notification": lambda company: Notification.objects.create(
        company=company,
        order=_order(company),
        key=f"{MARKER}-sweep",
        recipient="13900007704",
        channel="log",
        event="received",
        language="zh-hans",
        text=MARKER,
    ),
    "orders.notificationtemplate": lambda company: NotificationTemplate.objects.create(
        company=company, event="received", language="zh-hans", text=MARKER
    ),
    # Not a row: the name of an order action in the URL (its "pk" is what the URL takes).
    "orders.action_name": lambda company: SimpleNamespace(pk="cancel"),
}

URL_OBJECTS = {
    "orders:detail": "orders.order",
    "orders:action": {"pk": "orders.order", "name": "orders.action_name"},
}
