"""Tomorrow's and next week's expected units per depot and product, against depot stock.

Expected units for a day are the larger of what is already booked (open orders
for that day, plus what subscriptions will generate) and the forecast from the
last eight weeks of orders (``apps.reports.forecast``): booked orders are part
of the history the forecast learns from, so adding both would count them twice.
The suggested supplier order brings stock up to a week's expected units plus
the depot's low-stock threshold.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.catalog.models import Product
from apps.ledger.models import Account, AccountKind
from apps.orders.models import OPEN_STATUSES, OrderLine, OrderStatus
from apps.org.models import Company, Depot
from apps.reports.forecast import DailyUnits, backtest, fit
from apps.reports.holidays import HOLIDAYS
from apps.reports.period import Period, start_of

HISTORY_DAYS = 56
BACKTEST_DAYS = 14
WEEK = 7

Key = tuple[int, int]  # (depot id, product id)


@dataclass
class StockRow:
    depot_id: int
    depot: str
    product_id: int
    product: str
    stock: int | None
    threshold: int | None
    tomorrow: int
    tomorrow_booked: int
    week: int
    backtest_mape: float | None

    @property
    def suggested_order(self) -> int:
        return max(0, self.week + (self.threshold or 0) - (self.stock or 0))

    @property
    def low(self) -> bool:
        """Tomorrow's expected units or the threshold are more than the stock left."""
        stock = self.stock or 0
        return stock < self.tomorrow or (self.threshold is not None and stock < self.threshold)


def _history(company: Company, period: Period, base: date) -> dict[Key, list[DailyUnits]]:
    lines = OrderLine.objects.filter(
        order__company=company,
        order__depot__isnull=False,
        order__window_start__gte=start_of(base - timedelta(days=HISTORY_DAYS)),
        order__window_start__lt=start_of(base),
    ).exclude(order__status=OrderStatus.CANCELLED)
    if period.depot is not None:
        lines = lines.filter(order__depot=period.depot)
    history: dict[Key, list[DailyUnits]] = defaultdict(list)
    for row in (
        lines.annotate(day=TruncDate("order__window_start", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values("order__depot", "product", "day")
        .annotate(units=Sum("quantity"))
    ):
        history[(row["order__depot"], row["product"])].append(DailyUnits(row["day"], row["units"]))
    return history


def _booked(company: Company, period: Period, days: list[date]) -> dict[Key, dict[date, int]]:
    lines = OrderLine.objects.filter(
        order__company=company,
        order__depot__isnull=False,
        order__status__in=OPEN_STATUSES,
        order__window_start__gte=start_of(days[0]),
        order__window_start__lt=start_of(days[-1] + timedelta(days=1)),
    )
    if period.depot is not None:
        lines = lines.filter(order__depot=period.depot)
    booked: dict[Key, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for row in (
        lines.annotate(day=TruncDate("order__window_start", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values("order__depot", "product", "day")
        .annotate(units=Sum("quantity"))
    ):
        booked[(row["order__depot"], row["product"])][row["day"]] += row["units"]
    return booked


def _stock(company: Company, period: Period) -> dict[Key, tuple[int, int | None]]:
    accounts = Account.objects.filter(company=company, kind=AccountKind.DEPOT_STOCK)
    if period.depot is not None:
        accounts = accounts.filter(depot=period.depot)
    return {
        (depot, product): (balance * normal, threshold)
        for depot, product, balance, normal, threshold in accounts.values_list(
            "depot", "product", "balance", "normal", "low_threshold"
        )
    }


def _names(company: Company) -> tuple[dict[int, str], dict[int, str]]:
    depots = dict(Depot.objects.filter(company=company).values_list("pk", "name"))
    products = dict(Product.objects.filter(company=company).values_list("pk", "name"))
    return depots, products


def stock_outlook(*, company: Company, period: Period) -> tuple[date, list[StockRow]]:
    """The outlook's first day and one row per depot and product.

    The period's last day is taken as yesterday, so the outlook starts two days after it.
    """
    base = period.end + timedelta(days=1)
    days = [base + timedelta(days=i) for i in range(1, WEEK + 1)]
    history = _history(company, period, base)
    booked = _booked(company, period, days)
    stock = _stock(company, period)
    depots, products = _names(company)
    rows = []
    for key in sorted(set(history) | set(booked) | set(stock)):
        model = fit(history.get(key, []), holidays=HOLIDAYS)
        own = booked.get(key, {})
        expected = [max(round(model.predict(day, HOLIDAYS)), own.get(day, 0)) for day in days]
        points = history.get(key, [])
        error = (
            backtest(points, test_days=BACKTEST_DAYS, holidays=HOLIDAYS)
            if len(points) > 21
            else None
        )
        level, threshold = stock.get(key, (None, None))
        rows.append(
            StockRow(
                depot_id=key[0],
                depot=depots.get(key[0], ""),
                product_id=key[1],
                product=products.get(key[1], ""),
                stock=level,
                threshold=threshold,
                tomorrow=expected[0],
                tomorrow_booked=own.get(days[0], 0),
                week=sum(expected),
                backtest_mape=round(error.mape, 1) if error else None,
            )
        )
    rows.sort(key=lambda r: (not r.low, r.depot, r.product))
    return days[0], rows
