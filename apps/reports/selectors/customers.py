"""Customer activity: recency-frequency-spend segments, new and returning, who went quiet,
and which households are about to run out of water or gas.

Segments are simple rules an owner can check by hand (see ``segment_of``). The
run-out estimate uses each household's own pace (``apps.reports.forecast.run_out``).

Scanning two years of orders and every household's deliveries on each view is too slow
for a big station, so a nightly job (``customer_activity_refresh``) keeps each customer's
delivered orders per settled day and depot, running totals at the start of every month,
and each household's pace as of that night. Any period and depot is then counted from the
month's running totals, the settled days after them and, for the last days, the orders
themselves, which gives the same figures as a full scan. The run-out list re-estimates only
the households whose deliveries changed since the night. Before the first night the page
counts from the orders (right, only slower) and says so.

With one depot chosen, a customer's figures count that depot's orders, and the run-out
list shows the households whose last delivery came from that depot, at their own pace.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.catalog.models import Category
from apps.customers.models import Customer, CustomerPhone
from apps.orders.models import Order, OrderLine, OrderStatus
from apps.org.models import Company, Depot
from apps.reports.forecast import Delivery, run_out
from apps.reports.models import (
    CustomerActivity,
    CustomerActivityRefresh,
    CustomerDay,
    CustomerTotals,
)
from apps.reports.period import Period, month_start, start_of

SEGMENTS = ("champion", "loyal", "new", "at_risk", "lost", "occasional")
LIST_LIMIT = 100
RUN_OUT_LOOKBACK_DAYS = 120
RUN_OUT_CATEGORIES = (Category.WATER, Category.GAS)
DORMANT_MIN_ORDERS = 3
DORMANT_MIN_SILENCE_DAYS = 14
# A pace summary older than this is not worth patching up: the page estimates afresh.
RUN_OUT_SUMMARY_MAX_AGE_DAYS = 7


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
    depot_id: int | None = None
    phone: str = ""


@dataclass
class CustomerReport:
    as_of: date
    summarised: bool = True
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


def _grouped_totals(
    rows: QuerySet[CustomerTotals] | QuerySet[CustomerDay], *, first: str, last: str
) -> dict[int, Totals]:
    """One customer's stored rows (one a depot, or one a day and depot) added up."""
    return {
        customer_id: Totals(first_day, last_day, orders, spend)
        for customer_id, first_day, last_day, orders, spend in rows.order_by()
        .values("customer")
        .annotate(first=Min(first), last=Max(last), n=Sum("order_count"), spend=Sum("spend_fen"))
        .values_list("customer", "first", "last", "n", "spend")
    }


def _stored_totals(
    company: Company, period: Period, summary: CustomerActivityRefresh
) -> dict[int, Totals]:
    """The running totals at the last month start before the period's end (or, for a period
    that reaches the unsettled days, at the end of the settled ones), the settled days from
    there, and the orders of the days the summary has not settled yet."""
    settled_until = min(period.end, summary.through) + timedelta(days=1)
    cut = settled_until if period.end >= summary.through else month_start(settled_until)
    depot = {"depot": period.depot} if period.depot is not None else {}
    totals = _grouped_totals(
        CustomerTotals.objects.filter(company=company, before=cut, **depot),
        first="first_order",
        last="last_order",
    )
    days = CustomerDay.objects.filter(company=company, day__gte=cut, day__lt=settled_until, **depot)
    later: dict[int, Totals] = {}
    if period.end > summary.through:
        later = totals_by_customer(
            delivered_orders(
                company,
                since=start_of(summary.through + timedelta(days=1)),
                until=period.until,
                depot=period.depot,
            )
        )
    for more in (_grouped_totals(days, first="day", last="day"), later):
        for customer_id, extra in more.items():
            totals[customer_id] = extra.plus(totals.get(customer_id))
    return totals


def _activities(
    company: Company, period: Period, summary: CustomerActivityRefresh | None
) -> list[Activity]:
    """Every customer's delivered orders up to the period's end: from the summaries once
    they exist, else one grouped scan of the orders."""
    if summary is not None:
        totals = _stored_totals(company, period, summary)
    else:
        totals = totals_by_customer(
            delivered_orders(company, until=period.until, depot=period.depot)
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
            # The last delivered order up to the period's end is inside it, or none is.
            in_period=int(row.last >= period.start),
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
    summary = CustomerActivityRefresh.objects.filter(company=company).first()
    report = CustomerReport(as_of=period.end, summarised=summary is not None)
    report.segments = {name: [0, 0] for name in SEGMENTS}
    as_of = period.end + timedelta(days=1)
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


def household_lines(company: Company, *, today: date) -> QuerySet[OrderLine]:
    """Delivered water and gas over the run-out lookback, bounded by the promised day
    (indexed) and counted by the delivery day."""
    return OrderLine.objects.filter(
        order__company=company,
        order__status=OrderStatus.DELIVERED,
        order__window_start__gte=_promised_since(today),
        order__delivered_at__gte=_lookback_since(today),
        product__category__in=RUN_OUT_CATEGORIES,
    )


def _lookback_since(today: date) -> datetime:
    return start_of(today - timedelta(days=RUN_OUT_LOOKBACK_DAYS))


def household_estimates(lines: QuerySet[OrderLine]) -> dict[int, RunningOut]:
    """Each household's run-out estimate from ``lines`` (households without one are left out),
    with the depot of its last delivery."""
    zone = timezone.get_current_timezone()
    deliveries: dict[int, list[Delivery]] = defaultdict(list)
    names: dict[int, str] = {}
    latest: dict[int, tuple[datetime, int | None]] = {}
    for customer_id, name, day, units, delivered_at, depot_id in (
        lines.annotate(day=TruncDate("order__delivered_at", tzinfo=zone))
        .order_by()
        .values_list(
            "order__customer",
            "order__customer__name",
            "day",
            "delivered_quantity",
            "order__delivered_at",
            "order__depot",
        )
        .iterator(chunk_size=5000)
    ):
        deliveries[customer_id].append(Delivery(day, units or 0))
        names[customer_id] = name
        if delivered_at is not None and (
            customer_id not in latest or delivered_at > latest[customer_id][0]
        ):
            latest[customer_id] = (delivered_at, depot_id)
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
                depot_id=latest[customer_id][1],
            )
    return estimates


def _households_changed_since(company: Company, *, night: date, today: date) -> list[int]:
    """Households whose lookback today differs from the one estimated on ``night``: delivered
    since, or with deliveries that have left the lookback since."""
    changed = Q(delivered_at__gte=start_of(night))
    if night < today:
        changed |= Q(
            delivered_at__gte=_lookback_since(night), delivered_at__lt=_lookback_since(today)
        )
        changed |= Q(
            window_start__gte=_promised_since(night), window_start__lt=_promised_since(today)
        )
    return sorted(
        set(
            Order.objects.filter(
                changed,
                company=company,
                status=OrderStatus.DELIVERED,
                window_start__gte=_promised_since(night),
            )
            .order_by()
            .values_list("customer", flat=True)
        )
    )


def _summary_estimates(
    company: Company, period: Period, today: date, night: date, due: tuple[date, date]
) -> dict[int, RunningOut]:
    """The estimates stored on ``night`` that are due, with the households whose deliveries
    changed since estimated afresh."""
    changed = _households_changed_since(company, night=night, today=today)
    # A literal list lets the database go by customer instead of scanning the lookback twice.
    fresh = household_estimates(
        household_lines(company, today=today).filter(order__customer__in=changed or [0])
    )
    stored_rows = CustomerActivity.objects.filter(
        company=company, runout_day=night, runs_out_on__range=due
    )
    if period.depot is not None:
        stored_rows = stored_rows.filter(last_depot=period.depot)
    estimated_afresh = set(changed)
    stored = {
        customer_id: RunningOut(customer_id, name, last, pace, runs_out_on, depot_id)
        for customer_id, name, last, pace, runs_out_on, depot_id in stored_rows.order_by().values_list(
            "customer_id",
            "customer__name",
            "last_delivery",
            "days_per_unit",
            "runs_out_on",
            "last_depot",
        )
        if customer_id not in estimated_afresh
    }
    return {**stored, **fresh}


def running_out(
    *,
    company: Company,
    period: Period,
    today: date,
    summary: CustomerActivityRefresh | None = None,
) -> list[RunningOut]:
    """Households whose water or gas runs out between three days ago and the day after tomorrow
    (with a depot chosen: whose last delivery came from it)."""
    due_from, due_until = today - timedelta(days=3), today + timedelta(days=2)
    night = summary.runout_day if summary is not None else None
    if night is not None and 0 <= (today - night).days <= RUN_OUT_SUMMARY_MAX_AGE_DAYS:
        estimates = _summary_estimates(company, period, today, night, (due_from, due_until))
    else:
        estimates = household_estimates(household_lines(company, today=today))
    depot_id = period.depot.pk if period.depot is not None else None
    due = [
        replace(estimate, days_per_unit=round(estimate.days_per_unit, 1))
        for estimate in estimates.values()
        if due_from <= estimate.runs_out_on <= due_until
        and (depot_id is None or estimate.depot_id == depot_id)
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
