"""Why orders fail or get cancelled: reasons, couriers, areas, hours and channels.

Counts are events, not orders: an order that failed twice counts twice, because
each failure cost a trip. One grouped query feeds every breakdown of the page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractHour
from django.utils import timezone

from apps.orders.models import Order, OrderStatus
from apps.org.models import Company
from apps.reports.period import Period
from apps.reports.selectors.common import events_in

KINDS = (OrderStatus.FAILED, OrderStatus.CANCELLED)
DRILL_LIMIT = 200


@dataclass
class Breakdown:
    reasons: Counter[str] = field(default_factory=Counter)
    couriers: Counter[Any] = field(default_factory=Counter)  # (courier id, name)
    areas: Counter[str] = field(default_factory=Counter)
    hours: Counter[int] = field(default_factory=Counter)
    channels: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.reasons.values())


@dataclass
class FailureAnalysis:
    failed: Breakdown
    cancelled: Breakdown


def failure_analysis(*, company: Company, period: Period) -> FailureAnalysis:
    analysis = FailureAnalysis(failed=Breakdown(), cancelled=Breakdown())
    rows = (
        events_in(company=company, period=period, to_status__in=KINDS)
        .annotate(hour=ExtractHour("at", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values(
            "to_status",
            "reason",
            "courier",
            "courier__user__first_name",
            "courier__user__last_name",
            "courier__user__username",
            "order__address__district",
            "hour",
            "order__channel",
        )
        .annotate(n=Count("id"))
    )
    for row in rows:
        target = analysis.failed if row["to_status"] == OrderStatus.FAILED else analysis.cancelled
        n = row["n"]
        target.reasons[row["reason"] or "other"] += n
        if row["courier"]:
            name = (
                f"{row['courier__user__last_name']}{row['courier__user__first_name']}"
                or row["courier__user__username"]
            )
            target.couriers[(row["courier"], name)] += n
        target.areas[row["order__address__district"] or ""] += n
        target.hours[row["hour"]] += n
        target.channels[row["order__channel"]] += n
    return analysis


def failure_orders(*, company: Company, period: Period, filters: dict[str, str]) -> QuerySet[Order]:
    """The orders behind one bar of the analysis (at most ``DRILL_LIMIT``)."""
    kind = filters.get("kind") if filters.get("kind") in KINDS else None
    events = events_in(
        company=company, period=period, to_status__in=[kind] if kind else list(KINDS)
    )
    if filters.get("reason"):
        events = events.filter(reason=filters["reason"])
    if str(filters.get("courier", "")).isdigit():
        events = events.filter(courier_id=int(filters["courier"]))
    if "area" in filters:
        events = events.filter(order__address__district=filters["area"])
    if str(filters.get("hour", "")).isdigit():
        events = events.annotate(
            hour=ExtractHour("at", tzinfo=timezone.get_current_timezone())
        ).filter(hour=int(filters["hour"]))
    if filters.get("channel"):
        events = events.filter(order__channel=filters["channel"])
    return (
        Order.objects.filter(company=company)
        .filter(Q(pk__in=events.values("order_id")))
        .select_related("customer", "courier__user", "address", "depot")
        .order_by("-window_start", "-pk")[:DRILL_LIMIT]
    )
