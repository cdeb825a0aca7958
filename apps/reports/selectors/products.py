"""What sells: products by units and revenue, the price actually realised, and the channel mix."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from apps.orders.models import OrderLine, OrderStatus
from apps.org.models import Company
from apps.reports.period import Period
from apps.reports.selectors.common import orders_in

WEEKLY_AFTER_DAYS = 62


@dataclass
class ProductRow:
    product_id: int
    name: str
    list_price_fen: int
    units: int
    revenue_fen: int

    @property
    def realised_price_fen(self) -> int | None:
        return round(self.revenue_fen / self.units) if self.units else None

    @property
    def realised_vs_list(self) -> float | None:
        """Realised price as a percentage of the list price (100 = sold at list)."""
        if not self.units or not self.list_price_fen:
            return None
        return round(100.0 * self.revenue_fen / self.units / self.list_price_fen, 1)


def product_ranking(*, company: Company, period: Period) -> list[ProductRow]:
    """Delivered goods per product, best-selling by revenue first (surcharges excluded)."""
    delivered = orders_in(company=company, period=period).filter(status=OrderStatus.DELIVERED)
    rows = (
        OrderLine.objects.filter(order__in=delivered)
        .order_by()
        .values("product", "product__name", "product__price_fen")
        .annotate(
            units=Sum("delivered_quantity"),
            revenue=Sum(F("delivered_quantity") * F("unit_price_fen")),
        )
    )
    ranking = [
        ProductRow(
            product_id=row["product"],
            name=row["product__name"],
            list_price_fen=row["product__price_fen"],
            units=row["units"] or 0,
            revenue_fen=row["revenue"] or 0,
        )
        for row in rows
    ]
    return sorted(ranking, key=lambda r: (-r.revenue_fen, -r.units, r.name))


@dataclass
class ChannelMix:
    buckets: list[date]  # first day of each day or week
    weekly: bool
    counts: dict[str, list[int]]  # channel -> orders per bucket


def channel_mix(*, company: Company, period: Period) -> ChannelMix:
    weekly = period.days > WEEKLY_AFTER_DAYS
    zone = timezone.get_current_timezone()
    trunc = TruncWeek if weekly else TruncDate
    rows = (
        orders_in(company=company, period=period)
        .annotate(bucket=trunc("window_start", tzinfo=zone))
        .order_by()
        .values("bucket", "channel")
        .annotate(n=Count("id"))
    )
    per: dict[tuple[date, str], int] = {}
    for row in rows:
        bucket = row["bucket"]
        day = bucket.date() if hasattr(bucket, "date") and callable(bucket.date) else bucket
        per[(day, row["channel"])] = row["n"]
    buckets = sorted({day for day, _ in per}) if weekly else period.each_day()
    channels = sorted({channel for _, channel in per})
    return ChannelMix(
        buckets=buckets,
        weekly=weekly,
        counts={c: [per.get((b, c), 0) for b in buckets] for c in channels},
    )
