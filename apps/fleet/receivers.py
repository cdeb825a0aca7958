"""What fleet does when an order changes status (``apps.orders.events``, after commit)."""

from __future__ import annotations

from typing import Any

from apps.orders.models import OrderStatus


def order_status_changed(
    sender: Any,
    *,
    order_id: int,
    depot_id: int | None,
    from_status: str,
    to_status: str,
    **kwargs: Any,
) -> None:
    from apps.fleet.services.dispatch import order_dispatch_enqueue
    from apps.fleet.services.grab import grab_offers_withdraw

    if from_status == "" and to_status == OrderStatus.PENDING:
        order_dispatch_enqueue(order_id=order_id, depot_id=depot_id)
    elif from_status == OrderStatus.PENDING:
        grab_offers_withdraw(order_id=order_id)
