"""Customer activity: recency-frequency-spend segments, new and returning, who went quiet,
and which households are about to run out of water or gas.

Segments are simple rules an owner can check by hand (see ``segment_of``). The
run-out estimate uses each household's own pace (``apps.reports.forecast.run_out``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Max, Min, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.catalog.models import Category
from apps.customers.models import Customer, CustomerPhone
from apps.orders.models import Order, OrderLine, OrderStatus
from apps.org.models import Company
from apps.reports.forecast import Delivery, run_out
from apps.reports.period import Period, start_of

SEGMENTS = ("champion", "loyal", "new", "at_risk", "lost", "occasional")
LIST_LIMIT = 100
RUN_OUT_LOOKBACK_DAYS = 120
RUN_OUT_CATEGORIES = (Category.WATER, Category.GAS)
DORMANT_MIN_ORDERS = 3
DORMANT_MIN_SILENCE_DAYS = 14


@dataclass
class Activity:
    customer_id: int
    name: str
    first: date
    last: date
    orders: int
    spend_fen: int
    in_period: int

    def usual_interval(self) -> float | None:
        """Mean days between orders (first to last over the gaps), from three orders on."""
        if self.orders < DORMANT_MIN_ORDERS:
            return None
        return (self.last - self.first).days / (self.orders - 1)


def segment_of(activity: Activity, today: date) -> str:
    recency = (today - activity.last).days
    if (today - activity.first).days <= 30 and activity.orders <= 2:
        return "new"
    if recency > 180:
        return "lost"
    if recency <= 30 and activity.orders >= 10:
        return "champion"
    if recency <= 60 and activity.orders >= 4:
        return "loyal"
    if recency > 60 and activity.orders >= 4:
        return "at_risk"
    return "occasional"


@dataclass
class Dormant:
    activity: Activity
    usual_days: float
    silent_days: int
    phone: str = ""


@dataclass
class RunningOut:
    customer_id: int
    name: str
    last_delivery: date
    days_per_unit: float
    runs_out_on: date
    phone: str = ""


@dataclass
class CustomerReport:
    as_of: date
    segments: dict[str, list[int]] = field(default_factory=dict)  # segment -> [customers, spend]
    new: int = 0
    returning: int = 0
    dormant: list[Dormant] = field(default_factory=list)
    running_out: list[RunningOut] = field(default_factory=list)


def _activities(company: Company, period: Period) -> list[Activity]:
    """Every customer's delivered orders up to the period's end (one grouped scan)."""
    delivered = Order.objects.filter(
        company=company, status=OrderStatus.DELIVERED, window_start__lt=period.until
    )
    if period.depot is not None:
        delivered = delivered.filter(depot=period.depot)
    in_period = set(
        delivered.filter(window_start__gte=period.since)
        .order_by()
        .values_list("customer", flat=True)
        .distinct()
    )
    rows = (
        delivered.order_by()
        .values("customer")
        .annotate(first=Min("window_start"), last=Max("window_start"), n=Count("id"))
        .annotate(spend=Sum("total_fen"))
    )
    names = dict(Customer.objects.filter(company=company).values_list("pk", "name"))
    return [
        Activity(
            customer_id=row["customer"],
            name=names.get(row["customer"], ""),
            first=timezone.localtime(row["first"]).date(),
            last=timezone.localtime(row["last"]).date(),
            orders=row["n"],
            spend_fen=row["spend"] or 0,
            in_period=int(row["customer"] in in_period),
        )
        for row in rows
    ]


def _dormant(activity: Activity, today: date) -> Dormant | None:
    usual = activity.usual_interval()
    if usual is None:
        return None
    silent = (today - activity.last).days
    if silent > max(2 * usual, DORMANT_MIN_SILENCE_DAYS):
        return Dormant(activity=activity, usual_days=round(usual, 1), silent_days=silent)
    return None


def customer_report(
    *, company: Company, period: Period, today: date | None = None
) -> CustomerReport:
    today = today or timezone.localdate()
    report = CustomerReport(as_of=period.end)
    report.segments = {name: [0, 0] for name in SEGMENTS}
    as_of = period.end + timedelta(days=1)
    for activity in _activities(company, period):
        segment = report.segments[segment_of(activity, as_of)]
        segment[0] += 1
        segment[1] += activity.spend_fen
        if activity.in_period:
            if activity.first >= period.start:
                report.new += 1
            else:
                report.returning += 1
        dormant = _dormant(activity, as_of)
        if dormant is not None:
            report.dormant.append(dormant)
    report.dormant.sort(key=lambda d: (-d.activity.spend_fen, d.activity.customer_id))
    report.dormant = report.dormant[:LIST_LIMIT]
    report.running_out = running_out(company=company, period=period, today=today)
    _add_phones(company, report)
    return report


def running_out(*, company: Company, period: Period, today: date) -> list[RunningOut]:
    """Households whose water or gas runs out between three days ago and the day after tomorrow."""
    zone = timezone.get_current_timezone()
    since = today - timedelta(days=RUN_OUT_LOOKBACK_DAYS)
    # Bounded by the promised day (indexed) and counted by the delivery day.
    lines = OrderLine.objects.filter(
        order__company=company,
        order__status=OrderStatus.DELIVERED,
        order__window_start__gte=start_of(since - timedelta(days=1)),
        order__delivered_at__gte=start_of(since),
        product__category__in=RUN_OUT_CATEGORIES,
    )
    if period.depot is not None:
        lines = lines.filter(order__depot=period.depot)
    deliveries: dict[int, list[Delivery]] = defaultdict(list)
    names: dict[int, str] = {}
    for customer_id, name, day, units in (
        lines.annotate(day=TruncDate("order__delivered_at", tzinfo=zone))
        .order_by()
        .values_list("order__customer", "order__customer__name", "day", "delivered_quantity")
        .iterator(chunk_size=5000)
    ):
        deliveries[customer_id].append(Delivery(day, units or 0))
        names[customer_id] = name
    due = []
    for customer_id, history in deliveries.items():
        estimate = run_out(history)
        if estimate and today - timedelta(days=3) <= estimate.runs_out_on <= today + timedelta(
            days=2
        ):
            due.append(
                RunningOut(
                    customer_id=customer_id,
                    name=names[customer_id],
                    last_delivery=estimate.last_delivery,
                    days_per_unit=round(estimate.days_per_unit, 1),
                    runs_out_on=estimate.runs_out_on,
                )
            )
    due.sort(key=lambda r: (r.runs_out_on, r.customer_id))
    return due[:LIST_LIMIT]


def _add_phones(company: Company, report: CustomerReport) -> None:
    wanted = {d.activity.customer_id for d in report.dormant} | {
        r.customer_id for r in report.running_out
    }
    phones: dict[int, str] = {}
    for customer_id, number in (
        CustomerPhone.objects.filter(company=company, customer_id__in=wanted or [0])
        .order_by("customer_id", "-is_primary", "pk")
        .values_list("customer_id", "number")
    ):
        phones.setdefault(customer_id, number)
    for dormant in report.dormant:
        dormant.phone = phones.get(dormant.activity.customer_id, "")
    for due in report.running_out:
        due.phone = phones.get(due.customer_id, "")
