"""The owner's morning page: how the period went, against the period before, and what is owed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.customers.models import Ticket
from apps.customers.models.tickets import ACTIVE_STATUSES, TicketType
from apps.ledger.models import Account, AccountKind, BalanceShard, Lot
from apps.orders.models import OrderEvent, OrderLine, OrderStatus
from apps.org.models import Company
from apps.reports.period import Period
from apps.reports.selectors.common import orders_in, rate
from apps.reports.selectors.subscriptions import SubscriptionFigures, subscription_figures

S = OrderStatus
K = AccountKind


@dataclass
class PeriodFigures:
    orders: int = 0
    units: int = 0
    delivered: int = 0
    on_time: int = 0
    ever_failed: int = 0
    cancelled: int = 0
    revenue_fen: int = 0
    by_status: dict[str, list[int]] = field(default_factory=dict)  # status -> [orders, units]
    by_channel: dict[str, list[int]] = field(default_factory=dict)
    revenue_by_payment: dict[str, int] = field(default_factory=dict)

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.delivered)

    @property
    def failed_rate(self) -> float | None:
        return rate(self.ever_failed, self.orders)

    @property
    def cancelled_rate(self) -> float | None:
        return rate(self.cancelled, self.orders)


@dataclass
class Liabilities:
    courier_cash_fen: int = 0
    receivables_fen: int = 0
    ticket_liability_fen: int = 0
    tickets_outstanding: int = 0
    deposits_fen: int = 0
    containers_out: int = 0
    containers_owed: int = 0


@dataclass
class Complaints:
    open: int = 0
    overdue: int = 0


@dataclass
class DayPoint:
    day: date
    orders: int = 0
    delivered: int = 0
    revenue_fen: int = 0


@dataclass
class Dashboard:
    period: Period
    current: PeriodFigures
    previous: PeriodFigures
    trend: list[DayPoint]
    liabilities: Liabilities
    complaints: Complaints
    subscriptions: SubscriptionFigures


def period_figures(*, company: Company, period: Period) -> PeriodFigures:
    """Three aggregate queries: orders by (status, channel, payment), orders that failed at
    least once, units by (status, channel)."""
    figures = PeriodFigures()
    orders = orders_in(company=company, period=period)
    delivered = Q(status=S.DELIVERED)
    rows = (
        orders.order_by()
        .values("status", "channel", "payment_intent")
        .annotate(
            n=Count("id"),
            on_time=Count("id", filter=delivered & Q(delivered_at__lte=F("window_end"))),
            revenue=Sum("total_fen", filter=delivered),
        )
    )
    for row in rows:
        n = row["n"]
        figures.orders += n
        figures.on_time += row["on_time"]
        figures.by_status.setdefault(row["status"], [0, 0])[0] += n
        figures.by_channel.setdefault(row["channel"], [0, 0])[0] += n
        if row["status"] == S.DELIVERED:
            figures.delivered += n
            figures.revenue_fen += row["revenue"] or 0
            payment = row["payment_intent"]
            figures.revenue_by_payment[payment] = figures.revenue_by_payment.get(payment, 0) + (
                row["revenue"] or 0
            )
        if row["status"] == S.CANCELLED:
            figures.cancelled += n
    figures.ever_failed = (
        OrderEvent.objects.filter(order__in=orders.values("pk"), to_status=S.FAILED)
        .values("order")
        .distinct()
        .count()
    )
    units = (
        OrderLine.objects.filter(order__in=orders)
        .order_by()
        .values("order__status", "order__channel")
        .annotate(units=Sum("quantity"))
    )
    for line in units:
        figures.units += line["units"]
        figures.by_status.setdefault(line["order__status"], [0, 0])[1] += line["units"]
        figures.by_channel.setdefault(line["order__channel"], [0, 0])[1] += line["units"]
    return figures


def daily_trend(*, company: Company, period: Period) -> list[DayPoint]:
    points = {day: DayPoint(day) for day in period.each_day()}
    rows = (
        orders_in(company=company, period=period)
        .annotate(day=TruncDate("window_start", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values("day")
        .annotate(
            n=Count("id"),
            delivered=Count("id", filter=Q(status=S.DELIVERED)),
            revenue=Sum("total_fen", filter=Q(status=S.DELIVERED)),
        )
    )
    for row in rows:
        point = points.get(row["day"])
        if point is not None:
            point.orders, point.delivered = row["n"], row["delivered"]
            point.revenue_fen = row["revenue"] or 0
    return list(points.values())


def liabilities(*, company: Company, period: Period | None = None) -> Liabilities:
    """Balances now, straight from the ledger's accounts and their shards (three queries).

    Customer balances belong to the whole company; with a depot chosen, courier cash
    counts only the couriers whose home is that depot.
    """
    kinds = [K.COURIER_CASH, K.RECEIVABLE, K.TICKET_LIABILITY, K.TICKETS, K.DEPOSITS, K.CONTAINERS]
    accounts = Account.objects.filter(company=company, kind__in=kinds)
    if period is not None and period.depot is not None:
        accounts = accounts.exclude(Q(kind=K.COURIER_CASH) & ~Q(courier__home_depot=period.depot))
    sums: dict[str, dict[str, int]] = defaultdict(lambda: {"total": 0, "positive": 0})
    for row in (
        accounts.order_by()
        .values("kind")
        .annotate(total=Sum("balance"), positive=Sum("balance", filter=Q(balance__gt=0)))
    ):
        sums[row["kind"]] = {"total": row["total"] or 0, "positive": row["positive"] or 0}
    # The company's own pooled accounts keep part of their balance in shards.
    for kind, shards_total in (
        BalanceShard.objects.filter(account__in=accounts)
        .order_by()
        .values("account__kind")
        .annotate(total=Sum("balance"))
        .values_list("account__kind", "total")
    ):
        sums[kind]["total"] += shards_total or 0
    covered = Lot.objects.filter(
        company=company, account__kind=K.CONTAINERS, remaining_quantity__gt=0
    ).aggregate(n=Sum("remaining_quantity"))["n"]
    # customer accounts are credit-normal: display = -raw
    containers_display = -sums[K.CONTAINERS]["total"]
    return Liabilities(
        courier_cash_fen=sums[K.COURIER_CASH]["total"],
        receivables_fen=sums[K.RECEIVABLE]["positive"],
        ticket_liability_fen=-sums[K.TICKET_LIABILITY]["total"],
        tickets_outstanding=-sums[K.TICKETS]["total"],
        deposits_fen=-sums[K.DEPOSITS]["total"],
        containers_out=int(covered or 0) - containers_display,
        containers_owed=sums[K.CONTAINERS]["positive"],
    )


def complaints(*, company: Company) -> Complaints:
    row = Ticket.objects.filter(
        company=company, ticket_type=TicketType.COMPLAINT, status__in=ACTIVE_STATUSES
    ).aggregate(open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=timezone.now())))
    return Complaints(open=row["open"], overdue=row["overdue"])


def dashboard(*, company: Company, period: Period) -> Dashboard:
    return Dashboard(
        period=period,
        current=period_figures(company=company, period=period),
        previous=period_figures(company=company, period=period.previous()),
        trend=daily_trend(company=company, period=_trend_period(period)),
        liabilities=liabilities(company=company, period=period),
        complaints=complaints(company=company),
        subscriptions=subscription_figures(company=company, period=period),
    )


def _trend_period(period: Period) -> Period:
    """At least two weeks, so that a one-day dashboard still shows a trend."""
    if period.days >= 14:
        return period
    return Period(start=period.end - timedelta(days=13), end=period.end, depot=period.depot)


def change(current: float | None, previous: float | None) -> Any:
    """The difference to the previous period, or None when either side is unknown."""
    if current is None or previous is None:
        return None
    return round(current - previous, 1)
