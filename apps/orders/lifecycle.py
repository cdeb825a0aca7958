"""The order life cycle as data: which status may follow which.

Kept apart from the services so that the graph can be read, drawn and tested on
its own (the property test walks random sequences against it). An assigned
order may be assigned again (to another courier) and put back in the pool.
"""

from __future__ import annotations

from apps.orders.models.orders import OrderStatus

S = OrderStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.ASSIGNED, S.CANCELLED}),
    S.ASSIGNED: frozenset({S.ASSIGNED, S.PENDING, S.OUT_FOR_DELIVERY, S.FAILED, S.CANCELLED}),
    S.OUT_FOR_DELIVERY: frozenset({S.DELIVERED, S.FAILED}),
    S.FAILED: frozenset({S.PENDING, S.CANCELLED}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
}

FINAL_STATUSES = frozenset(status for status, nexts in TRANSITIONS.items() if not nexts)


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())
