"""Expected arrival windows on orders, set by whoever plans or tracks the courier.

Orders cannot import fleet, so fleet hands the times in here. An ETA is a
forecast, not a status change: no event is written and no message is sent; only
open orders keep one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from apps.orders.models import OPEN_STATUSES, Order


@dataclass(frozen=True)
class Eta:
    order_id: int
    start: datetime
    end: datetime


@transaction.atomic
def order_eta_set(*, company_id: int, etas: Iterable[Eta]) -> int:
    """Store each order's ETA window; returns how many orders changed (one query to read)."""
    wanted = {eta.order_id: eta for eta in etas}
    if not wanted:
        return 0
    changed = []
    for order in Order.objects.filter(
        company_id=company_id, pk__in=list(wanted), status__in=OPEN_STATUSES
    ).only("pk", "eta_start", "eta_end"):
        eta = wanted[order.pk]
        start, end = min(eta.start, eta.end), max(eta.start, eta.end)
        if (order.eta_start, order.eta_end) != (start, end):
            order.eta_start, order.eta_end = start, end
            changed.append(order)
    Order.objects.bulk_update(changed, ["eta_start", "eta_end"])
    return len(changed)
