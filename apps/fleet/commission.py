"""What couriers earn by the company's commission rules: per order, per unit, per floor carried.

``commission_fen`` is plain arithmetic over delivery figures, so reports and the
courier page count the same way; ``courier_deliveries`` reads those figures
for a courier and a period in one query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Case, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.fleet.models import CommissionSettings
from apps.orders.models import Order, OrderStatus
from apps.org.models import Company, StaffMember


@dataclass(frozen=True)
class CommissionRules:
    per_order_fen: int = 0
    per_unit_fen: int = 0
    per_floor_fen: int = 0


@dataclass(frozen=True)
class DeliveryFigures:
    """One courier's delivered orders over a period: how many, how many units, floors carried.

    ``floor_units`` counts each unit once per floor climbed without an elevator
    (two buckets to the 6th floor = 2 × 5).
    """

    orders: int = 0
    units: int = 0
    floor_units: int = 0


def commission_fen(*, rules: CommissionRules, deliveries: Iterable[DeliveryFigures]) -> int:
    return sum(
        rules.per_order_fen * figures.orders
        + rules.per_unit_fen * figures.units
        + rules.per_floor_fen * figures.floor_units
        for figures in deliveries
    )


def commission_rules(*, company: Company) -> CommissionRules:
    row = CommissionSettings.objects.filter(company=company).first()
    if row is None:
        return CommissionRules()
    return CommissionRules(
        per_order_fen=row.per_order_fen,
        per_unit_fen=row.per_unit_fen,
        per_floor_fen=row.per_floor_fen,
    )


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Local midnight of ``start`` and the midnight after ``end`` (both days included)."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def courier_deliveries(
    *, company: Company, courier: StaffMember, start: date, end: date
) -> DeliveryFigures:
    """Figures of the orders ``courier`` delivered from ``start`` to ``end`` (local days)."""
    first, last = _bounds(start, end)
    delivered = Order.objects.filter(
        company=company,
        courier=courier,
        status=OrderStatus.DELIVERED,
        delivered_at__gte=first,
        delivered_at__lt=last,
    )
    floors = Case(
        When(
            Q(address__has_elevator=False) & Q(address__floor__gt=1),
            then=F("address__floor") - 1,
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    units = delivered.aggregate(
        units=Coalesce(Sum("lines__delivered_quantity"), 0),
        floor_units=Coalesce(Sum(F("lines__delivered_quantity") * floors), 0),
    )
    return DeliveryFigures(
        orders=delivered.count(), units=units["units"], floor_units=units["floor_units"]
    )


def courier_commission_fen(
    *, company: Company, courier: StaffMember, start: date, end: date
) -> int:
    figures = courier_deliveries(company=company, courier=courier, start=start, end=end)
    return commission_fen(rules=commission_rules(company=company), deliveries=[figures])
