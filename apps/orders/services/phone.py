"""Phone quick entry: a first-time caller becomes a customer and an order in one step."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction

from apps.customers.models import Channel
from apps.customers.services.customers import AddressData, customer_create
from apps.orders.models import Order
from apps.orders.pricing import LineRequest
from apps.orders.services.intake import order_create
from apps.org.models import Company


@transaction.atomic
def order_create_for_new_caller(
    *,
    company: Company,
    name: str,
    phone: str,
    address: AddressData,
    lines: Sequence[LineRequest],
    window_start: datetime,
    window_end: datetime,
    created_by: Any = None,
    **order_fields: Any,
) -> Order:
    """Create the customer (with the phone and address) and the order, or neither."""
    customer = customer_create(
        company=company, name=name, phones=[phone], address=address, source=Channel.PHONE
    )
    return order_create(
        company=company,
        customer=customer,
        lines=lines,
        window_start=window_start,
        window_end=window_end,
        created_by=created_by,
        **order_fields,
    )
