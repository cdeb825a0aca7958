"""Courier performance: what each courier delivered, how well, how far and what he collected.

Deliveries, units and floors count orders delivered during the period (by the
moment of delivery, as commission does); failures count failure events the
courier recorded during the period. Deliveries are found through the orders' index on
the moment of delivery, however long after its promised day an order was delivered. Every figure is one aggregate query over all
couriers, so the ranking and the per-courier page ask a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, LPad, Trim, TruncDate, Upper
from django.utils import timezone

from apps.customers.models import Ticket
from apps.customers.models.tickets import TicketType
from apps.fleet.commission import DeliveryFigures, commission_fen, commission_rules
from apps.fleet.models import CourierPosition, CourierRoute
from apps.fleet.planner import GeoPoint, haversine_m
from apps.ledger.models import AccountKind, Discrepancy, Posting
from apps.orders.models import Order, OrderLine, OrderStatus
from apps.org.models import Company, Role, StaffMember
from apps.reports.period import Period
from apps.reports.selectors.common import events_in, rate

GPS_JUMP_M = 5000  # a jump farther than this between two fixes is a bad fix, not driving


@dataclass
class CourierRow:
    courier: StaffMember
    deliveries: int = 0
    on_time: int = 0
    units: int = 0
    floor_units: int = 0
    failures: int = 0
    failures_by_reason: dict[str, int] = field(default_factory=dict)
    busy_seconds: int = 0
    busy_stops: int = 0
    planned_m: int = 0
    driven_m: float = 0.0
    collected_fen: int = 0
    discrepancies: int = 0
    discrepancy_fen: int = 0
    complaints: int = 0
    commission_fen: int | None = None

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.deliveries)

    @property
    def failure_rate(self) -> float | None:
        return rate(self.failures, self.deliveries + self.failures)

    @property
    def minutes_per_stop(self) -> float | None:
        """Minutes between consecutive deliveries of the same day, on average."""
        if not self.busy_stops:
            return None
        return round(self.busy_seconds / 60 / self.busy_stops, 1)

    @property
    def planned_km(self) -> float:
        return round(self.planned_m / 1000, 1)

    @property
    def driven_km(self) -> float:
        return round(self.driven_m / 1000, 1)


def _delivered(company: Company, period: Period) -> QuerySet[Order]:
    orders = Order.objects.filter(
        company=company,
        status=OrderStatus.DELIVERED,
        delivered_at__gte=period.since,
        delivered_at__lt=period.until,
        courier__isnull=False,
    )
    return orders.filter(depot=period.depot) if period.depot is not None else orders


FLOORS_CLIMBED = Case(
    When(
        Q(order__address__has_elevator=False) & Q(order__address__floor__gt=1),
        then=F("order__address__floor") - 1,
    ),
    default=Value(0),
    output_field=IntegerField(),
)


def courier_performance(
    *, company: Company, period: Period, courier: StaffMember | None = None
) -> list[CourierRow]:
    """One row per courier (or only ``courier``), best on-time deliveries first."""
    staff = StaffMember.objects.filter(company=company).select_related("user")
    staff = staff.filter(pk=courier.pk) if courier else staff.filter(role=Role.COURIER)
    if period.depot is not None and courier is None:
        staff = staff.filter(home_depot=period.depot)
    rows = {member.pk: CourierRow(member) for member in staff}
    only = {"courier__in": list(rows)}
    _add_deliveries(rows, company, period, only)
    _add_failures(rows, company, period)
    _add_busy_time(rows, company, period, only)
    _add_distances(rows, company, period)
    _add_money(rows, company, period)
    _add_complaints(rows, company, period)
    _add_commission(rows, company)
    return sorted(rows.values(), key=lambda r: (-r.deliveries, r.failures, r.courier.pk))


def _add_deliveries(
    rows: dict[int, CourierRow], company: Company, period: Period, only: dict[str, Any]
) -> None:
    delivered = _delivered(company, period).filter(**only)
    for row in (
        delivered.order_by()
        .values("courier")
        .annotate(n=Count("id"), on_time=Count("id", filter=Q(delivered_at__lte=F("window_end"))))
    ):
        rows[row["courier"]].deliveries = row["n"]
        rows[row["courier"]].on_time = row["on_time"]
    for line in (
        OrderLine.objects.filter(order__in=delivered)
        .order_by()
        .values("order__courier")
        .annotate(
            units=Sum("delivered_quantity"),
            floor_units=Sum(F("delivered_quantity") * FLOORS_CLIMBED),
        )
    ):
        rows[line["order__courier"]].units = line["units"] or 0
        rows[line["order__courier"]].floor_units = line["floor_units"] or 0


def _add_failures(rows: dict[int, CourierRow], company: Company, period: Period) -> None:
    for row in (
        events_in(company=company, period=period, to_status=OrderStatus.FAILED)
        .filter(courier__in=list(rows))
        .order_by()
        .values("courier", "reason")
        .annotate(n=Count("id"))
    ):
        target = rows[row["courier"]]
        target.failures += row["n"]
        target.failures_by_reason[row["reason"]] = row["n"]


def _add_busy_time(
    rows: dict[int, CourierRow], company: Company, period: Period, only: dict[str, Any]
) -> None:
    """Time from a day's first to its last delivery, spread over the stops between them."""
    for row in (
        _delivered(company, period)
        .filter(**only)
        .annotate(day=TruncDate("delivered_at", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values("courier", "day")
        .annotate(n=Count("id"), first=Min("delivered_at"), last=Max("delivered_at"))
    ):
        if row["n"] > 1:
            target = rows[row["courier"]]
            target.busy_seconds += int((row["last"] - row["first"]).total_seconds())
            target.busy_stops += row["n"] - 1


def _add_distances(rows: dict[int, CourierRow], company: Company, period: Period) -> None:
    routes = CourierRoute.objects.filter(
        plan__company=company,
        plan__date__gte=period.start,
        plan__date__lte=period.end,
        plan__published_at__isnull=False,
        courier__in=list(rows),
    )
    if period.depot is not None:
        routes = routes.filter(plan__depot=period.depot)
    for row in routes.order_by().values("courier").annotate(m=Sum("distance_m")):
        rows[row["courier"]].planned_m = row["m"] or 0
    positions = (
        CourierPosition.objects.filter(
            company=company,
            courier__in=list(rows),
            recorded_at__gte=period.since,
            recorded_at__lt=period.until,
        )
        .order_by("courier", "recorded_at")
        .values_list("courier", "latitude", "longitude")
    )
    previous: tuple[int, GeoPoint] | None = None
    for courier_id, lat, lng in positions.iterator(chunk_size=5000):
        point = GeoPoint(float(lat), float(lng))
        if previous is not None and previous[0] == courier_id:
            step = haversine_m(previous[1], point)
            if step < GPS_JUMP_M:
                rows[courier_id].driven_m += step
        previous = (courier_id, point)


def _add_money(rows: dict[int, CourierRow], company: Company, period: Period) -> None:
    for row in (
        Posting.objects.filter(
            company=company,
            account__kind=AccountKind.COURIER_CASH,
            account__courier__in=list(rows),
            amount__gt=0,
            transaction__occurred_at__gte=period.since,
            transaction__occurred_at__lt=period.until,
        )
        .order_by()
        .values("account__courier")
        .annotate(total=Sum("amount"))
    ):
        rows[row["account__courier"]].collected_fen = row["total"] or 0
    for gap in (
        Discrepancy.objects.filter(
            company=company,
            courier__in=list(rows),
            handover__day__gte=period.start,
            handover__day__lte=period.end,
            account__kind=AccountKind.COURIER_CASH,
        )
        .order_by()
        .values("courier")
        .annotate(n=Count("id"), total=Sum("amount"))
    ):
        rows[gap["courier"]].discrepancies = gap["n"]
        rows[gap["courier"]].discrepancy_fen = gap["total"] or 0


def _add_complaints(rows: dict[int, CourierRow], company: Company, period: Period) -> None:
    """Complaints opened during the period that name an order the courier carried."""
    number = Concat(Value("D"), LPad(Cast("id", CharField()), 7, Value("0")))
    carrier = (
        Order.objects.filter(company=company)
        .annotate(order_number=number)
        .filter(order_number=Upper(Trim(OuterRef("order_reference"))))
        .values("courier")[:1]
    )
    for row in (
        Ticket.objects.filter(
            company=company,
            ticket_type=TicketType.COMPLAINT,
            created_at__gte=period.since,
            created_at__lt=period.until,
        )
        .exclude(order_reference="")
        .annotate(carrier=Subquery(carrier))
        .filter(carrier__in=list(rows))
        .order_by()
        .values("carrier")
        .annotate(n=Count("id"))
    ):
        rows[row["carrier"]].complaints = row["n"]


def _add_commission(rows: dict[int, CourierRow], company: Company) -> None:
    """Commission by the company's rules, over the same deliveries the row counts."""
    rules = commission_rules(company=company)
    for row in rows.values():
        figures = DeliveryFigures(
            orders=row.deliveries, units=row.units, floor_units=row.floor_units
        )
        row.commission_fen = commission_fen(rules=rules, deliveries=[figures])


def courier_daily(
    *, company: Company, period: Period, courier: StaffMember
) -> list[tuple[date, int, int]]:
    """(day, deliveries, failures) for each day of the period."""
    days: dict[date, list[int]] = {day: [0, 0] for day in period.each_day()}
    zone = timezone.get_current_timezone()
    for row in (
        _delivered(company, period)
        .filter(courier=courier)
        .annotate(day=TruncDate("delivered_at", tzinfo=zone))
        .order_by()
        .values("day")
        .annotate(n=Count("id"))
    ):
        if row["day"] in days:
            days[row["day"]][0] = row["n"]
    for row in (
        events_in(company=company, period=period, to_status=OrderStatus.FAILED, courier=courier)
        .annotate(day=TruncDate("at", tzinfo=zone))
        .order_by()
        .values("day")
        .annotate(n=Count("id"))
    ):
        if row["day"] in days:
            days[row["day"]][1] = row["n"]
    return [(day, values[0], values[1]) for day, values in days.items()]
