"""Filters every report shares: the company, the period's days and the depot."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.orders.models import Order, OrderEvent
from apps.org.models import Company
from apps.reports.period import Period


def orders_in(*, company: Company, period: Period) -> QuerySet[Order]:
    """Orders promised for a day of the period (the window's start day)."""
    orders = Order.objects.filter(
        company=company, window_start__gte=period.since, window_start__lt=period.until
    )
    if period.depot is not None:
        orders = orders.filter(depot=period.depot)
    return orders


def events_in(*, company: Company, period: Period, **filters: Any) -> QuerySet[OrderEvent]:
    """Order events that happened during the period."""
    events = OrderEvent.objects.filter(
        company=company, at__gte=period.since, at__lt=period.until, **filters
    )
    if period.depot is not None:
        events = events.filter(order__depot=period.depot)
    return events


def rate(part: int, whole: int) -> float | None:
    """A share in percent, or None when there is nothing to divide by."""
    return round(100.0 * part / whole, 1) if whole else None
