"""Where the courier of an order is now, for the customer's tracking page.

Orders cannot import fleet (fleet sits above orders), so fleet registers a
source in its ``AppConfig.ready()``:

    register_position_source(lambda order: CourierPosition(lat, lng, at) or None)

Until a source is registered there is no position and the page shows no map.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from apps.orders.models import Order


@dataclass(frozen=True)
class CourierPosition:
    latitude: Decimal
    longitude: Decimal
    at: datetime


PositionSource = Callable[[Order], CourierPosition | None]

_sources: list[PositionSource] = []


def register_position_source(source: PositionSource) -> None:
    _sources[:] = [source]


def courier_position(order: Order) -> CourierPosition | None:
    return _sources[0](order) if _sources else None
