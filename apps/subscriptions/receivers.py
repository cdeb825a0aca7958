"""What subscriptions do when an order changes status (``apps.orders.events``, after commit)."""

from __future__ import annotations

from typing import Any

from apps.orders.models import OrderStatus


def order_status_changed(
    sender: Any, *, order_id: int, company_id: int, to_status: str, reason: str = "", **kwargs: Any
) -> None:
    from apps.subscriptions.services.outcomes import delivery_failed, delivery_made

    if to_status == OrderStatus.DELIVERED:
        delivery_made(order_id=order_id)
    elif to_status == OrderStatus.FAILED:
        delivery_failed(order_id=order_id, reason=reason)
