"""The dispatcher's board: one depot's day, read in a fixed number of queries.

The board shows the depot's orders of the day (and open ones left over from
earlier days; orders that no depot serves show on every depot's board, so that
none is lost), the couriers who work there today or hold its orders, where each
was last seen, the routes published for today, and what needs a person now:
failed deliveries, late orders, couriers whose phone went quiet, orders nobody
has taken.

Queries: the orders, their lines, today's shifts, the couriers, their open
order counts, their latest positions (two), the published stops, the open
grab-pool offers and why published plans left waiting orders out — however many
orders and couriers there are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.fleet.colours import courier_colour
from apps.fleet.models import (
    CourierAction,
    CourierActionOutcome,
    CourierPosition,
    GrabOffer,
    PlanStatus,
    RouteStop,
    Shift,
    ShiftStatus,
)
from apps.fleet.selectors.positions import latest_positions
from apps.fleet.services.planning import drop_reason_label
from apps.orders.models import OPEN_STATUSES, Order, OrderLine, OrderStatus
from apps.org.models import Company, Depot, Role, StaffMember

QUIET_AFTER = timedelta(minutes=15)
UNTAKEN_AFTER = timedelta(minutes=15)
DUE_SOON = timedelta(minutes=30)
CARRIED = (OrderStatus.ASSIGNED, OrderStatus.OUT_FOR_DELIVERY)

OFF, ON, BREAK = "off", "on", "break"
COURIER_STATUS_LABELS = {OFF: _("Off"), ON: _("On shift"), BREAK: _("On break")}


@dataclass
class BoardOrder:
    order: Order
    late: bool
    soon: bool
    load: Decimal
    # Offered in the depot's grab pool until then (nobody has claimed it yet).
    offered_until: datetime | None = None
    # Why the published route plan left it out ("" if it did not).
    not_placed: str = ""

    @property
    def selectable(self) -> bool:
        return self.order.status in (OrderStatus.PENDING, OrderStatus.ASSIGNED)


@dataclass
class BoardCourier:
    staff: StaffMember
    shift: Shift | None
    status: str
    colour: str
    open_orders: int = 0
    load: Decimal = Decimal(0)
    position: CourierPosition | None = None
    next_stop: Order | None = None
    quiet: bool = False

    @property
    def status_label(self) -> str:
        return str(COURIER_STATUS_LABELS[self.status])

    @property
    def capacity(self) -> int | None:
        vehicle = self.shift.vehicle if self.shift else None
        return vehicle.capacity_units if vehicle else None


@dataclass
class CourierOrders:
    courier: BoardCourier
    orders: list[BoardOrder]


@dataclass
class Route:
    courier: BoardCourier
    points: list[tuple[Decimal, Decimal]]


@dataclass
class Board:
    company: Company
    depot: Depot
    now: datetime
    orders: list[BoardOrder] = field(default_factory=list)
    pending: list[BoardOrder] = field(default_factory=list)
    carried: list[CourierOrders] = field(default_factory=list)
    couriers: list[BoardCourier] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    failed: list[BoardOrder] = field(default_factory=list)
    late: list[BoardOrder] = field(default_factory=list)
    untaken: list[BoardOrder] = field(default_factory=list)
    quiet: list[BoardCourier] = field(default_factory=list)
    unrecorded: list[CourierAction] = field(default_factory=list)

    @property
    def exception_count(self) -> int:
        return (
            len(self.failed)
            + len(self.late)
            + len(self.untaken)
            + len(self.quiet)
            + len(self.unrecorded)
        )

    @property
    def assignable(self) -> list[BoardCourier]:
        return [courier for courier in self.couriers if courier.staff.is_active]


def _day_orders(company: Company, depot: Depot, now: datetime) -> list[Order]:
    start = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    in_day = Q(window_start__lt=start + timedelta(days=1), window_end__gt=start)
    left_over = Q(window_end__lte=start, status__in=OPEN_STATUSES)
    return list(
        Order.objects.filter(in_day | left_over, company=company)
        .filter(Q(depot=depot) | Q(depot__isnull=True))
        .exclude(status=OrderStatus.CANCELLED)
        .select_related("customer", "address", "courier__user")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("product")))
        .order_by("window_start", "pk")
    )


def _board_order(order: Order, now: datetime) -> BoardOrder:
    is_open = order.status in OPEN_STATUSES
    late = is_open and (
        now > order.window_end or (order.eta_end is not None and order.eta_end > order.window_end)
    )
    load = sum((line.quantity * line.product.load_units for line in order.lines.all()), Decimal(0))
    return BoardOrder(
        order=order,
        late=late,
        soon=is_open and not late and order.window_end - now <= DUE_SOON,
        load=load,
    )


def _shift_status(shift: Shift | None) -> str:
    if shift is None:
        return OFF
    return {ShiftStatus.ON: ON, ShiftStatus.BREAK: BREAK}.get(ShiftStatus(shift.status), OFF)


def _couriers(
    company: Company, depot: Depot, now: datetime, holders: set[int]
) -> list[BoardCourier]:
    today = timezone.localdate(now)
    shifts = {
        shift.courier_id: shift
        for shift in Shift.objects.filter(company=company, date=today)
        .filter(Q(depot=depot) | Q(courier__home_depot=depot) | Q(courier_id__in=holders))
        .select_related("vehicle", "depot")
    }
    staff = (
        StaffMember.objects.filter(company=company, role=Role.COURIER)
        .filter(Q(home_depot=depot, is_active=True) | Q(pk__in=set(shifts) | holders))
        .select_related("user")
    )
    rank = {ON: 0, BREAK: 1, OFF: 2}
    found = sorted(
        (
            (_shift_status(shifts.get(person.pk)), person.user.display_name, person.pk, person)
            for person in staff
        ),
        key=lambda row: (rank[row[0]], row[1], row[2]),
    )
    return [
        BoardCourier(
            staff=person,
            shift=shifts.get(person.pk),
            status=status,
            colour=courier_colour(person.pk),
        )
        for status, _name, _pk, person in found
    ]


def _open_counts(company: Company, ids: list[int]) -> dict[int, int]:
    rows = (
        Order.objects.filter(company=company, courier_id__in=ids, status__in=CARRIED)
        .values("courier_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["courier_id"]: row["n"] for row in rows}


def _published_stops(company: Company, depot: Depot, now: datetime) -> list[RouteStop]:
    return list(
        RouteStop.objects.filter(
            plan__company=company,
            plan__depot=depot,
            plan__date=timezone.localdate(now),
            plan__status=PlanStatus.PUBLISHED,
            courier__isnull=False,
        )
        .select_related("order__address")
        .order_by("courier_id", "plan__slot_start", "trip", "sequence", "pk")
    )


def _routes(board: Board, stops: list[RouteStop]) -> None:
    by_courier: dict[int, list[RouteStop]] = defaultdict(list)
    for stop in stops:
        by_courier[stop.courier_id].append(stop)  # type: ignore[index]
    home = (board.depot.latitude, board.depot.longitude)
    for courier in board.couriers:
        courier_stops = by_courier.get(courier.staff.pk, [])
        waiting = [
            s.order
            for s in courier_stops
            if s.order.status in CARRIED and s.order.courier_id == courier.staff.pk
        ]
        if waiting:
            courier.next_stop = waiting[0]
        points, trip = [home], None
        for stop in courier_stops:
            address = stop.order.address
            if address.latitude is None or address.longitude is None:
                continue
            if trip is not None and stop.trip != trip:
                points.append(home)
            trip = stop.trip
            points.append((address.latitude, address.longitude))
        if len(points) > 1:
            points.append(home)
            board.routes.append(Route(courier=courier, points=points))


def board_get(*, company: Company, depot: Depot, now: datetime | None = None) -> Board:
    now = now or timezone.now()
    board = Board(company=company, depot=depot, now=now)
    board.orders = [_board_order(order, now) for order in _day_orders(company, depot, now)]
    holders = {item.order.courier_id for item in board.orders if item.order.courier_id}
    board.couriers = _couriers(company, depot, now, holders)  # type: ignore[arg-type]
    by_id = {courier.staff.pk: courier for courier in board.couriers}
    counts = _open_counts(company, list(by_id))
    positions = latest_positions(courier_ids=list(by_id))
    carried: dict[int, list[BoardOrder]] = defaultdict(list)
    for item in board.orders:
        order = item.order
        if order.status == OrderStatus.PENDING:
            board.pending.append(item)
            if now - order.status_changed_at >= UNTAKEN_AFTER:
                board.untaken.append(item)
        elif order.status in CARRIED and order.courier_id in by_id:
            carried[order.courier_id].append(item)  # type: ignore[index]
        if order.status == OrderStatus.FAILED:
            board.failed.append(item)
        if item.late:
            board.late.append(item)
    for courier in board.couriers:
        pk = courier.staff.pk
        courier.open_orders = counts.get(pk, 0)
        courier.position = positions.get(pk)
        held = carried.get(pk, [])
        courier.load = sum((item.load for item in held), Decimal(0))
        if held:
            board.carried.append(CourierOrders(courier=courier, orders=held))
            out = [i.order for i in held if i.order.status == OrderStatus.OUT_FOR_DELIVERY]
            courier.next_stop = (out or [held[0].order])[0]
        courier.quiet = _quiet(courier, now)
        if courier.quiet:
            board.quiet.append(courier)
    _routes(board, _published_stops(company, depot, now))
    _offers(board)
    _not_placed(board)
    board.unrecorded = _unrecorded_actions(company, now)
    return board


def _unrecorded_actions(company: Company, now: datetime) -> list[CourierAction]:
    """What couriers did today that could not be recorded (the order had changed meanwhile)."""
    since = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    return list(
        CourierAction.objects.filter(company=company, received_at__gte=since)
        .exclude(outcome=CourierActionOutcome.APPLIED)
        .select_related("order", "courier__user")
        .order_by("-received_at")[:50]
    )


def _offers(board: Board) -> None:
    waiting = {item.order.pk: item for item in board.pending}
    if not waiting:
        return
    for order_id, expires_at in GrabOffer.objects.filter(
        company=board.company, order_id__in=list(waiting), closed_at__isnull=True
    ).values_list("order_id", "expires_at"):
        waiting[order_id].offered_until = expires_at


def _not_placed(board: Board) -> None:
    """Why waiting orders are not in the published routes, from the plan that left them out."""
    waiting = {item.order.pk: item for item in board.pending}
    if not waiting:
        return
    reasons = (
        RouteStop.objects.filter(
            plan__company=board.company,
            plan__status=PlanStatus.PUBLISHED,
            courier__isnull=True,
            order_id__in=list(waiting),
        )
        .order_by("plan__published_at", "pk")
        .values_list("order_id", "dropped_reason")
    )
    for order_id, reason in reasons:  # the latest plan's reason wins
        waiting[order_id].not_placed = drop_reason_label(reason)


def _quiet(courier: BoardCourier, now: datetime) -> bool:
    """On shift for a while, and the phone has said nothing for a while."""
    if courier.status != ON or courier.shift is None:
        return False
    since = now - QUIET_AFTER
    started = courier.shift.started_at
    if started is not None and started > since:
        return False
    return courier.position is None or courier.position.recorded_at <= since


def assignment_warnings(*, orders: list[Order], courier: StaffMember) -> list[str]:
    """What a hand assignment overlooks: a shift over before the window, another depot.

    The dispatcher decides; these only say so. One query for the courier's shifts.
    """
    days = {timezone.localtime(order.window_start).date() for order in orders}
    shifts = {
        shift.date: shift
        for shift in Shift.objects.filter(courier=courier, date__in=days).select_related("depot")
    }
    name = courier.user.display_name
    warnings: list[str] = []
    for order in orders:
        starts = timezone.localtime(order.window_start)
        shift = shifts.get(starts.date())
        if shift is None:
            warnings.append(
                gettext("%(order)s: %(courier)s has no shift on %(date)s.")
                % {"order": order.number, "courier": name, "date": f"{starts:%Y-%m-%d}"}
            )
            continue
        if shift.ends_at <= starts.time():
            warnings.append(
                gettext(
                    "%(order)s: %(courier)s's shift ends at %(end)s, "
                    "before its delivery window starts (%(start)s)."
                )
                % {
                    "order": order.number,
                    "courier": name,
                    "end": f"{shift.ends_at:%H:%M}",
                    "start": f"{starts:%H:%M}",
                }
            )
        if order.depot_id is not None and shift.depot_id != order.depot_id:
            warnings.append(
                gettext("%(order)s belongs to another depot; %(courier)s works at %(depot)s.")
                % {"order": order.number, "courier": name, "depot": shift.depot.name}
            )
    return warnings
