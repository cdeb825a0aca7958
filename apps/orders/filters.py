"""Filters of the orders API (the queryset is already the company's; ids cannot reach further)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from apps.orders.models import Order, OrderChannel, OrderStatus

MAX_ID = 2**63 - 1
# Dates outside these bounds would overflow on the way to UTC; no order lies there.
EARLIEST, LATEST = date(1900, 1, 1), date(9000, 1, 1)


def _day_start(day: date) -> datetime:
    day = min(max(day, EARLIEST), LATEST)
    return timezone.make_aware(datetime.combine(day, time.min))


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number the database can hold."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("decimal_places", 0)
        super().__init__(*args, **kwargs)


class OrderFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=OrderStatus.choices)
    channel = django_filters.MultipleChoiceFilter(choices=OrderChannel.choices)
    created_from = django_filters.DateFilter(
        method="filter_created_from", label=_("created on or after (date)")
    )
    created_to = django_filters.DateFilter(
        method="filter_created_to", label=_("created on or before (date)")
    )
    window_from = django_filters.DateFilter(
        method="filter_window_from", label=_("delivery window starts on or after (date)")
    )
    window_to = django_filters.DateFilter(
        method="filter_window_to", label=_("delivery window starts on or before (date)")
    )
    customer = IdFilter(field_name="customer_id", label=_("customer id"))
    courier = IdFilter(field_name="courier_id", label=_("courier id"))
    external_id = django_filters.CharFilter(max_length=64, label=_("external order number"))

    class Meta:
        model = Order
        fields: list[str] = []

    def filter_created_from(self, queryset: QuerySet[Order], name: str, value: date) -> Any:
        return queryset.filter(created_at__gte=_day_start(value))

    def filter_created_to(self, queryset: QuerySet[Order], name: str, value: date) -> Any:
        return queryset.filter(created_at__lt=_day_start(min(value, LATEST) + timedelta(days=1)))

    def filter_window_from(self, queryset: QuerySet[Order], name: str, value: date) -> Any:
        return queryset.filter(window_start__gte=_day_start(value))

    def filter_window_to(self, queryset: QuerySet[Order], name: str, value: date) -> Any:
        return queryset.filter(window_start__lt=_day_start(min(value, LATEST) + timedelta(days=1)))
