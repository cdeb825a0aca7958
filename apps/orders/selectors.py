"""Reads of orders shared by the pool, the order page, the customer page and reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any, cast

from django.db.models import Count, Exists, Model, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from apps.core.rows import ModelColumns, fetch_rows
from apps.customers.models import Address, Customer, CustomerPhone
from apps.orders.models import (
    OPEN_STATUSES,
    Order,
    OrderEvent,
    OrderLine,
    OrderSettings,
    OrderStatus,
)
from apps.org.models import Company


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def order_queryset(*, company: Company) -> QuerySet[Order]:
    return Order.objects.filter(company=company).select_related(
        "customer", "address", "courier__user", "depot"
    )


def _with_lines(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("product"))
    )


@dataclass(frozen=True)
class PoolFilter:
    day: date
    status: str = ""
    depot: Any = None
    courier: Any = None
    channel: str = ""
    product: Any = None
    window_from: time | None = None
    window_until: time | None = None
    overdue: bool = False


def _day_scope(company: Company, day: date) -> QuerySet[Order]:
    """The day's orders, and on today's pool also the open ones left over from earlier days."""
    start, end = _day_bounds(day)
    in_day = Q(window_start__lt=end, window_end__gt=start)
    if day == timezone.localdate():
        in_day |= Q(window_end__lte=start, status__in=OPEN_STATUSES)
    return Order.objects.filter(in_day, company=company)


def _narrow(orders: QuerySet[Order], pool: PoolFilter, now: datetime) -> QuerySet[Order]:
    if pool.depot:
        orders = orders.filter(depot=pool.depot)
    if pool.courier:
        orders = orders.filter(courier=pool.courier)
    if pool.channel:
        orders = orders.filter(channel=pool.channel)
    if pool.product:
        # A semi-join, not a join: an order with the product on two lines is still one row.
        orders = orders.filter(
            Exists(OrderLine.objects.filter(order=OuterRef("pk"), product=pool.product))
        )
    if pool.window_from:
        orders = orders.filter(window_end__time__gt=pool.window_from)
    if pool.window_until:
        orders = orders.filter(window_start__time__lt=pool.window_until)
    if pool.overdue:
        orders = orders.filter(status__in=OPEN_STATUSES, window_end__lt=now)
    return orders


@dataclass
class Pool:
    orders: QuerySet[Order]
    counts: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    status: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def listed(self) -> int:
        """How many orders ``orders`` holds, known from the counts without counting again."""
        return self.counts.get(self.status, 0) if self.status else self.total


def order_pool(*, company: Company, pool: PoolFilter, now: datetime | None = None) -> Pool:
    """The dispatcher's pool: the filtered orders and the counts per status (before the status filter)."""
    now = now or timezone.now()
    scoped = _narrow(_day_scope(company, pool.day), pool, now)
    counts = {
        row["status"]: row["n"]
        for row in scoped.values("status").annotate(n=Count("pk")).order_by()
    }
    overdue = scoped.filter(status__in=OPEN_STATUSES, window_end__lt=now).count()
    listed = scoped.filter(status=pool.status) if pool.status else scoped
    # The pool shows no depot: reading one per order would only fill memory.
    orders = _with_lines(listed.select_related("customer", "address", "courier__user")).order_by(
        "window_start", "pk"
    )
    return Pool(orders=orders, counts=counts, overdue=overdue, status=pool.status)


def order_get(*, company: Company, pk: int) -> Order:
    return _with_lines(order_queryset(company=company)).get(pk=pk)


def order_events(*, order: Order) -> QuerySet[OrderEvent]:
    return order.events.select_related("actor", "courier__user").order_by("at", "pk")


def orders_for_customer(*, customer: Customer, limit: int = 10) -> list[Order]:
    return list(
        _with_lines(
            Order.objects.filter(company_id=customer.company_id, customer=customer)
            .select_related("courier__user", "address")
            .order_by("-created_at", "-pk")
        )[:limit]
    )


def last_order(*, customer: Customer) -> Order | None:
    return (
        _with_lines(Order.objects.filter(company_id=customer.company_id, customer=customer))
        .exclude(status=OrderStatus.CANCELLED)
        .order_by("-created_at", "-pk")
        .first()
    )


def _as_time(value: Any) -> time:
    return time.fromisoformat(value) if isinstance(value, str) else value


def order_settings_for(company: Company) -> OrderSettings:
    """The company's order settings (an unsaved row with the defaults when it has none).

    No query where they were read along with the company
    (``select_related("company__order_settings")``).
    """
    try:
        row = company.order_settings
    except OrderSettings.DoesNotExist:
        row = OrderSettings(company=company)
    row.quiet_hours_start = _as_time(row.quiet_hours_start)
    row.quiet_hours_end = _as_time(row.quiet_hours_end)
    return row


def hold_prefetched(instance: Model, relation: str, rows: list[Any]) -> None:
    """Make ``instance.<relation>.all()`` answer with ``rows``, as ``prefetch_related`` would.

    For rows already in hand (read along with something else, or just written):
    whoever reads the relation next does not query it again.
    """
    queryset = getattr(instance, relation).all()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[relation] = queryset


CUSTOMER = ModelColumns(Customer, "customer")
ADDRESS = ModelColumns(Address, "address")
PHONE = ModelColumns(CustomerPhone, "phone")


@cache
def _customer_sql() -> str:
    """The customer with their addresses and phones, each in their own order, built once:
    every order taken through the API reads them (a row per address and phone; people
    have a few of each)."""
    return (
        f"SELECT {CUSTOMER.select()}, {ADDRESS.select()}, {PHONE.select()} "
        f"FROM {CUSTOMER.table} "
        f"LEFT JOIN {ADDRESS.table} ON {ADDRESS.column('customer')} = {CUSTOMER.column('id')} "
        f"LEFT JOIN {PHONE.table} ON {PHONE.column('customer')} = {CUSTOMER.column('id')} "
        f"WHERE {CUSTOMER.column('company')} = %s AND {CUSTOMER.column('id')} = %s "
        f"ORDER BY {ADDRESS.column('is_default')} DESC, {ADDRESS.column('id')}, "
        f"{PHONE.column('is_primary')} DESC, {PHONE.column('id')}"
    )


def customer_for_order(*, company: Company, pk: int) -> Customer | None:
    """The company's customer with their addresses (an order needs both) and phones (its
    message goes to one), in one query."""
    rows = fetch_rows(_customer_sql(), [company.pk, pk])
    if not rows:
        return None
    customer = cast(Customer, CUSTOMER.instance(rows[0], 0))
    addresses: dict[int, Address] = {}
    phones: dict[int, CustomerPhone] = {}
    for row in rows:
        address = ADDRESS.instance(row, len(CUSTOMER))
        if address is not None and address.pk not in addresses:
            address.customer = customer
            addresses[address.pk] = address
        phone = PHONE.instance(row, len(CUSTOMER) + len(ADDRESS))
        if phone is not None and phone.pk not in phones:
            phone.customer = customer
            phones[phone.pk] = phone
    hold_prefetched(customer, "addresses", list(addresses.values()))
    hold_prefetched(customer, "phones", list(phones.values()))
    return customer
