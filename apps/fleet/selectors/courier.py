"""A courier's day: his open orders in the order of today's published routes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _

from apps.catalog.models import Product
from apps.fleet.commission import (
    DeliveryFigures,
    commission_fen,
    commission_rules,
    courier_deliveries,
)
from apps.fleet.models import (
    CourierAction,
    CourierActionOutcome,
    HandoverConfirmation,
    PlanStatus,
    RouteStop,
    Shift,
)
from apps.fleet.navigation import MapLink, navigation_links
from apps.ledger.models import Account, AccountKind, Handover
from apps.ledger.services import scan_collected_fen
from apps.orders.models import Order, OrderLine, OrderStatus
from apps.org.models import StaffMember

K = AccountKind
# What a courier account counts, by kind: the name of its unit's relation.
ONBOARD_UNIT: dict[str, str] = {
    K.VEHICLE_STOCK: "product",
    K.COURIER_EMPTIES: "container_type",
    K.COURIER_TICKETS: "ticket_type",
}
STOP_PREFETCH = (
    Prefetch("lines", queryset=OrderLine.objects.select_related("product__container_type")),
    "customer__tags",
    "customer__phones",
)


def courier_day_stops(*, courier: StaffMember, day: date) -> list[Order]:
    """His assigned and out-for-delivery orders up to ``day``: routed ones in planned order,
    then the others by window (three queries)."""
    routed = RouteStop.objects.filter(
        courier=courier, plan__date=day, plan__status=PlanStatus.PUBLISHED
    ).order_by("plan__slot_start", "trip", "sequence")
    position = {
        order_id: index for index, order_id in enumerate(routed.values_list("order_id", flat=True))
    }
    orders = list(
        Order.objects.filter(
            company_id=courier.company_id,
            courier=courier,
            status__in=[OrderStatus.ASSIGNED, OrderStatus.OUT_FOR_DELIVERY],
            window_start__date__lte=day,
        )
        .select_related("customer", "address")
        .prefetch_related(*STOP_PREFETCH)
    )
    unplanned = len(position)
    orders.sort(key=lambda order: (position.get(order.pk, unplanned), order.window_start))
    return orders


@dataclass(frozen=True)
class Stop:
    """One stop as the courier reads it: where, what to bring, what to collect."""

    order: Order
    amount_due_fen: int
    tickets_held: list[tuple[str, int]]
    empties_expected: list[tuple[str, int]]
    tags: list[str]
    phone: str
    links: list[MapLink]


@dataclass(frozen=True)
class Onboard:
    """What the courier carries now, from the ledger: cash, goods, empties, tickets."""

    cash_fen: int = 0
    goods: list[tuple[str, int]] = field(default_factory=list)
    empties: list[tuple[str, int]] = field(default_factory=list)
    tickets: list[tuple[str, int]] = field(default_factory=list)

    @property
    def goods_total(self) -> int:
        return sum(n for _name, n in self.goods)

    @property
    def empties_total(self) -> int:
        return sum(n for _name, n in self.empties)


@dataclass(frozen=True)
class CourierDay:
    shift: Shift | None
    stops: list[Stop]
    delivered: int
    failed: int
    onboard: Onboard
    problems: list[CourierAction]

    @property
    def left(self) -> int:
        return len(self.stops)


def courier_shift(*, courier: StaffMember, day: date) -> Shift | None:
    return (
        Shift.objects.filter(company_id=courier.company_id, courier=courier, date=day)
        .select_related("depot", "vehicle")
        .first()
    )


def courier_onboard(*, courier: StaffMember) -> Onboard:
    accounts = Account.objects.filter(
        company_id=courier.company_id,
        courier=courier,
        kind__in=[K.COURIER_CASH, K.VEHICLE_STOCK, K.COURIER_EMPTIES, K.COURIER_TICKETS],
    ).select_related("product", "container_type", "ticket_type")
    cash = 0
    held: dict[str, list[tuple[str, int]]] = {kind: [] for kind in ONBOARD_UNIT}
    for account in accounts:
        if account.kind == K.COURIER_CASH:
            cash = account.display_balance
        elif account.display_balance:
            unit = getattr(account, ONBOARD_UNIT[account.kind])
            held[account.kind].append((unit.name, account.display_balance))
    return Onboard(
        cash,
        sorted(held[K.VEHICLE_STOCK]),
        sorted(held[K.COURIER_EMPTIES]),
        sorted(held[K.COURIER_TICKETS]),
    )


def _customer_balances(orders: list[Order]) -> dict[int, list[Account]]:
    by_customer: dict[int, list[Account]] = {}
    if not orders:
        return by_customer
    accounts = Account.objects.filter(
        company_id=orders[0].company_id,
        customer_id__in={o.customer_id for o in orders},
        kind__in=[K.TICKETS, K.CONTAINERS],
    ).select_related("ticket_type", "container_type")
    for account in accounts:
        if account.customer_id is not None:
            by_customer.setdefault(account.customer_id, []).append(account)
    return by_customer


def _empties_expected(order: Order, accounts: list[Account]) -> list[tuple[str, int]]:
    """A full container out, an empty back; plus what the customer already owes (欠桶)."""
    owed = {
        a.container_type_id: max(0, -a.display_balance) for a in accounts if a.kind == K.CONTAINERS
    }
    expected: dict[Any, int] = {}
    for line in order.lines.all():
        container = line.product.container_type
        if container is not None:
            expected[container] = expected.get(container, 0) + line.quantity
    return [
        (c.name, n + owed.get(c.pk, 0)) for c, n in sorted(expected.items(), key=lambda i: i[0].pk)
    ]


def _stop(order: Order, accounts: list[Account]) -> Stop:
    address = order.address
    tags = [tag.name for tag in order.customer.tags.all() if tag.highlight]
    if address.needs_carry_up:
        tags.insert(0, _("Floor %(floor)s, no elevator") % {"floor": address.floor})
    phones = list(order.customer.phones.all())
    links = (
        navigation_links(address.latitude, address.longitude, order.customer.name)
        if address.latitude is not None and address.longitude is not None
        else []
    )
    return Stop(
        order=order,
        amount_due_fen=order.total_fen,
        tickets_held=[
            (str(a.ticket_type), a.display_balance)
            for a in accounts
            if a.kind == K.TICKETS and a.display_balance
        ],
        empties_expected=_empties_expected(order, accounts),
        tags=tags,
        phone=phones[0].number if phones else "",
        links=links,
    )


def courier_stops(*, courier: StaffMember, day: date) -> list[Stop]:
    orders = courier_day_stops(courier=courier, day=day)
    balances = _customer_balances(orders)
    return [_stop(order, balances.get(order.customer_id, [])) for order in orders]


def courier_stop(*, courier: StaffMember, pk: int) -> Stop | None:
    """One of the courier's own orders (any status), or None: another's is never shown."""
    order = (
        Order.objects.filter(company_id=courier.company_id, courier=courier, pk=pk)
        .select_related("customer", "address", "depot")
        .prefetch_related(*STOP_PREFETCH)
        .first()
    )
    if order is None:
        return None
    return _stop(order, _customer_balances([order]).get(order.customer_id, []))


def courier_problems(*, courier: StaffMember) -> list[CourierAction]:
    """Actions from the phone that could not be recorded and the courier has not yet seen."""
    return list(
        CourierAction.objects.filter(courier=courier, seen_at__isnull=True)
        .exclude(outcome=CourierActionOutcome.APPLIED)
        .select_related("order")
        .order_by("occurred_at")
    )


def courier_day(*, courier: StaffMember, day: date) -> CourierDay:
    finished = dict(
        Order.objects.filter(
            company_id=courier.company_id,
            courier=courier,
            status__in=[OrderStatus.DELIVERED, OrderStatus.FAILED],
            status_changed_at__date=day,
        )
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return CourierDay(
        shift=courier_shift(courier=courier, day=day),
        stops=courier_stops(courier=courier, day=day),
        delivered=finished.get(OrderStatus.DELIVERED, 0),
        failed=finished.get(OrderStatus.FAILED, 0),
        onboard=courier_onboard(courier=courier),
        problems=courier_problems(courier=courier),
    )


@dataclass(frozen=True)
class HandoverSummary:
    """The end of a courier's day: what he hands over, and what he did."""

    day: date
    onboard: Onboard
    scan_fen: int
    figures: DeliveryFigures
    commission_fen: int
    confirmation: HandoverConfirmation | None
    counted: Handover | None

    def as_figures(self) -> dict[str, Any]:
        return {
            "cash_fen": self.onboard.cash_fen,
            "scan_fen": self.scan_fen,
            "tickets": self.onboard.tickets,
            "empties": self.onboard.empties,
            "goods": self.onboard.goods,
            "deliveries": self.figures.orders,
            "units": self.figures.units,
            "commission_fen": self.commission_fen,
        }


def courier_handover(*, courier: StaffMember, day: date) -> HandoverSummary:
    company = courier.company
    figures = courier_deliveries(company=company, courier=courier, start=day, end=day)
    return HandoverSummary(
        day=day,
        onboard=courier_onboard(courier=courier),
        scan_fen=scan_collected_fen(company=company, courier=courier, day=day),
        figures=figures,
        commission_fen=commission_fen(
            rules=commission_rules(company=company), deliveries=[figures]
        ),
        confirmation=HandoverConfirmation.objects.filter(courier=courier, day=day).first(),
        counted=Handover.objects.filter(company=company, courier=courier, day=day).first(),
    )


def courier_products(courier: StaffMember) -> list[Product]:
    """What a courier loads and may offer at the door: the company's products on sale."""
    return list(
        Product.objects.filter(company_id=courier.company_id, is_active=True).order_by("name")
    )
