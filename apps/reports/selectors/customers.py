"""Customer activity: recency-frequency-spend segments, new and returning, who went quiet,
and which households are about to run out of water or gas.

Segments are simple rules an owner can check by hand (see ``segment_of``). The
run-out estimate uses each household's own pace (``apps.reports.forecast.run_out``).

Scanning two years of orders and every household's deliveries on each view is too slow
for a big station, so a nightly job (``customer_activity_refresh``) stores each
customer's totals up to a few days ago and tonight's run-out estimates. The page adds
the orders after the summary's last day and re-estimates only the households delivered
to today, which gives the same figures as the full scan. A period ending before the
summary, one depot, or a summary that was never built or is not from today (run-out)
falls back to the full scan, so the figures are always right, only slower.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, Min, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.catalog.models import Category
from apps.customers.models import Customer, CustomerPhone
from apps.orders.models import Order, OrderLine, OrderStatus
from apps.org.models import Company, Depot
from apps.reports.forecast import Delivery, run_out
from apps.reports.models import CustomerActivity, CustomerActivityRefresh
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


@dataclass(frozen=True)
class Totals:
    """A customer's delivered orders: first and last service day, how many, how much."""

    first: date
    last: date
    orders: int
    spend_fen: int

    def plus(self, other: Totals | None) -> Totals:
        if other is None:
            return self
        return Totals(
            first=min(self.first, other.first),
            last=max(self.last, other.last),
            orders=self.orders + other.orders,
            spend_fen=self.spend_fen + other.spend_fen,
        )


def delivered_orders(
    company: Company,
    *,
    until: datetime,
    since: datetime | None = None,
    depot: Depot | None = None,
) -> QuerySet[Order]:
    orders = Order.objects.filter(
        company=company, status=OrderStatus.DELIVERED, window_start__lt=until
    )
    if since is not None:
        orders = orders.filter(window_start__gte=since)
    if depot is not None:
        orders = orders.filter(depot=depot)
    return orders


def totals_by_customer(orders: QuerySet[Order]) -> dict[int, Totals]:
    """One grouped scan of ``orders``."""
    return {
        row["customer"]: Totals(
            first=timezone.localtime(row["first"]).date(),
            last=timezone.localtime(row["last"]).date(),
            orders=row["n"],
            spend_fen=row["spend"] or 0,
        )
        for row in orders.order_by()
        .values("customer")
        .annotate(first=Min("window_start"), last=Max("window_start"), n=Count("id"))
        .annotate(spend=Sum("total_fen"))
    }


def _summary_totals(
    company: Company, period: Period, summary: CustomerActivityRefresh
) -> dict[int, Totals] | None:
    """The nightly summary plus the days after it; None when the period ends before it."""
    if period.end < summary.through:
        return None
    rows = list(
        CustomerActivity.objects.filter(company=company, order_count__gt=0)
        .order_by()
        .values_list(
            "through", "customer_id", "first_order", "last_order", "order_count", "spend_fen"
        )
    )
    # The rows are one refresh's (one statement); they win over a marker read just before.
    through = rows[0][0] if rows else summary.through
    stored = {
        customer_id: Totals(first=first, last=last, orders=orders, spend_fen=spend)
        for _through, customer_id, first, last, orders, spend in rows
        if first is not None and last is not None
    }
    if period.end < through:
        return None
    recent = totals_by_customer(
        delivered_orders(company, since=start_of(through + timedelta(days=1)), until=period.until)
    )
    for customer_id, totals in recent.items():
        stored[customer_id] = totals.plus(stored.get(customer_id))
    return stored


def _activities(
    company: Company, period: Period, summary: CustomerActivityRefresh | None
) -> list[Activity]:
    """Every customer's delivered orders up to the period's end: from the nightly summary when
    it covers the period, else one grouped scan of the orders."""
    totals = None
    if summary is not None and period.depot is None:
        totals = _summary_totals(company, period, summary)
    if totals is None:
        totals = totals_by_customer(
            delivered_orders(company, until=period.until, depot=period.depot)
        )
    in_period = set(
        delivered_orders(company, since=period.since, until=period.until, depot=period.depot)
        .order_by()
        .values_list("customer", flat=True)
        .distinct()
    )
    names = dict(Customer.objects.filter(company=company).order_by().values_list("pk", "name"))
    return [
        Activity(
            customer_id=customer_id,
            name=names.get(customer_id, ""),
            first=row.first,
            last=row.last,
            orders=row.orders,
            spend_fen=row.spend_fen,
            in_period=int(customer_id in in_period),
        )
        for customer_id, row in totals.items()
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
    summary = CustomerActivityRefresh.objects.filter(company=company).first()
    for activity in _activities(company, period, summary):
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
    report.running_out = running_out(company=company, period=period, today=today, summary=summary)
    _add_phones(company, report)
    return report


def _promised_since(today: date) -> datetime:
    """The run-out lookback's bound on the promised day: a day before its first delivery day."""
    return start_of(today - timedelta(days=RUN_OUT_LOOKBACK_DAYS + 1))


def household_lines(
    company: Company, *, today: date, depot: Depot | None = None
) -> QuerySet[OrderLine]:
    """Delivered water and gas over the run-out lookback, bounded by the promised day
    (indexed) and counted by the delivery day."""
    lines = OrderLine.objects.filter(
        order__company=company,
        order__status=OrderStatus.DELIVERED,
        order__window_start__gte=_promised_since(today),
        order__delivered_at__gte=start_of(today - timedelta(days=RUN_OUT_LOOKBACK_DAYS)),
        product__category__in=RUN_OUT_CATEGORIES,
    )
    if depot is not None:
        lines = lines.filter(order__depot=depot)
    return lines


def household_estimates(lines: QuerySet[OrderLine]) -> dict[int, RunningOut]:
    """Each household's run-out estimate from ``lines`` (households without one are left out)."""
    zone = timezone.get_current_timezone()
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
    estimates = {}
    for customer_id, history in deliveries.items():
        estimate = run_out(history)
        if estimate is not None:
            estimates[customer_id] = RunningOut(
                customer_id=customer_id,
                name=names[customer_id],
                last_delivery=estimate.last_delivery,
                days_per_unit=estimate.days_per_unit,
                runs_out_on=estimate.runs_out_on,
            )
    return estimates


def _summary_estimates(
    company: Company, today: date, due_from: date, due_until: date
) -> dict[int, RunningOut]:
    """Tonight's stored estimates due in the window, with today's deliveries worked in."""
    delivered_today = set(
        Order.objects.filter(
            company=company,
            status=OrderStatus.DELIVERED,
            window_start__gte=_promised_since(today),
            delivered_at__gte=start_of(today),
        )
        .order_by()
        .values_list("customer", flat=True)
    )
    # A literal list lets the database go by customer instead of scanning the lookback twice.
    fresh = household_estimates(
        household_lines(company, today=today).filter(
            order__customer__in=sorted(delivered_today) or [0]
        )
    )
    stored = {
        customer_id: RunningOut(customer_id, name, last, pace, runs_out_on)
        for customer_id, name, last, pace, runs_out_on in CustomerActivity.objects.filter(
            company=company, runout_day=today, runs_out_on__range=(due_from, due_until)
        )
        .order_by()
        .values_list(
            "customer_id", "customer__name", "last_delivery", "days_per_unit", "runs_out_on"
        )
        if last is not None and pace is not None and runs_out_on is not None
    }
    return {**stored, **fresh}


def running_out(
    *,
    company: Company,
    period: Period,
    today: date,
    summary: CustomerActivityRefresh | None = None,
) -> list[RunningOut]:
    """Households whose water or gas runs out between three days ago and the day after tomorrow."""
    due_from, due_until = today - timedelta(days=3), today + timedelta(days=2)
    if summary is not None and summary.runout_day == today and period.depot is None:
        estimates = _summary_estimates(company, today, due_from, due_until)
    else:
        estimates = household_estimates(household_lines(company, today=today, depot=period.depot))
    due = [
        replace(estimate, days_per_unit=round(estimate.days_per_unit, 1))
        for estimate in estimates.values()
        if due_from <= estimate.runs_out_on <= due_until
    ]
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
