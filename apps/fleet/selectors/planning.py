"""Reads of route plans: the list, the plan page with its map, and a courier's route sheet."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from apps.fleet.colours import courier_colour
from apps.fleet.models import CourierRoute, RoutePlan, RouteStop
from apps.fleet.services.planning import drop_reason_label
from apps.orders.models import Order, OrderLine, OrderStatus, PaymentIntent
from apps.org.models import Company, StaffMember

COLLECT_ON_DOOR = (PaymentIntent.CASH, PaymentIntent.SCAN)


def kilometres(metres: int) -> str:
    return f"{metres / 1000:.1f}"


def duration_text(seconds: int) -> str:
    minutes = round(seconds / 60)
    return _("%(hours)d h %(minutes)02d min") % {"hours": minutes // 60, "minutes": minutes % 60}


def route_plan_list(*, company: Company) -> QuerySet[RoutePlan]:
    return (
        RoutePlan.objects.filter(company=company)
        .select_related("depot", "created_by")
        .annotate(
            placed=Count("stops", filter=Q(stops__courier__isnull=False)),
            not_placed=Count("stops", filter=Q(stops__courier__isnull=True)),
        )
        .order_by("-created_at", "-pk")
    )


def route_plan_get(*, company: Company, pk: int) -> RoutePlan:
    return RoutePlan.objects.select_related("depot", "created_by").get(company=company, pk=pk)


@dataclass
class TripView:
    number: int
    load: int
    stops: list[RouteStop] = field(default_factory=list)


@dataclass
class RouteView:
    route: CourierRoute
    colour: str
    stops: list[RouteStop] = field(default_factory=list)

    @property
    def courier(self) -> StaffMember:
        return self.route.courier

    @property
    def km(self) -> str:
        return kilometres(self.route.distance_m)

    @property
    def time(self) -> str:
        return duration_text(self.route.duration_s)

    @property
    def trips(self) -> list[TripView]:
        loads = list(self.route.trip_loads or [])
        trips: dict[int, TripView] = {}
        for stop in self.stops:
            if stop.trip not in trips:
                load = loads[stop.trip - 1] if 0 < stop.trip <= len(loads) else 0
                trips[stop.trip] = TripView(number=stop.trip, load=load)
            trips[stop.trip].stops.append(stop)
        return list(trips.values())


@dataclass
class PlanPage:
    plan: RoutePlan
    routes: list[RouteView]
    dropped: list[RouteStop]

    @property
    def placed_count(self) -> int:
        return sum(len(r.stops) for r in self.routes)

    @property
    def couriers(self) -> list[StaffMember]:
        return [r.courier for r in self.routes]

    @property
    def used_count(self) -> int:
        return sum(1 for r in self.routes if r.stops)

    @property
    def total_km(self) -> str:
        return kilometres(self.plan.total_distance_m)

    @property
    def total_time(self) -> str:
        return duration_text(self.plan.total_duration_s)

    def map_data(self) -> dict[str, Any]:
        depot = self.plan.depot
        home = [_number(depot.latitude), _number(depot.longitude)]
        routes = []
        for view in self.routes:
            route = view.route
            start = home
            if route.start_latitude is not None and route.start_longitude is not None:
                start = [_number(route.start_latitude), _number(route.start_longitude)]
            path, trip, points = [start], 1, []
            for stop in view.stops:
                address = stop.order.address
                if address.latitude is None or address.longitude is None:
                    continue
                if stop.trip != trip:
                    path.append(home)
                    trip = stop.trip
                here = [_number(address.latitude), _number(address.longitude)]
                path.append(here)
                arrival = f"{stop.arrival_at:%H:%M}" if stop.arrival_at else ""
                points.append(
                    {
                        "lat": here[0],
                        "lng": here[1],
                        "n": stop.sequence,
                        "label": f"{stop.sequence} · {stop.order.number} · {arrival}",
                    }
                )
            if view.stops:
                path.append(home)
            routes.append(
                {
                    "colour": view.colour,
                    "courier": view.courier.user.display_name,
                    "path": path if view.stops else [],
                    "stops": points,
                }
            )
        dropped = [
            {
                "lat": _number(s.order.address.latitude),
                "lng": _number(s.order.address.longitude),
                "label": f"{s.order.number} · {s.reason_label}",  # type: ignore[attr-defined]
            }
            for s in self.dropped
            if s.order.address.latitude is not None and s.order.address.longitude is not None
        ]
        return {
            "depot": {"lat": home[0], "lng": home[1], "label": depot.name},
            "routes": routes,
            "dropped": dropped,
        }


def _number(value: Decimal | float | None) -> float:
    return float(value or 0)


def _stops(plan: RoutePlan) -> QuerySet[RouteStop]:
    return (
        RouteStop.objects.filter(plan=plan)
        .select_related("order__address", "order__customer")
        .prefetch_related(
            Prefetch(
                "order__lines",
                queryset=OrderLine.objects.select_related("product__container_type").order_by("pk"),
            )
        )
        .order_by("trip", "sequence", "pk")
    )


def route_plan_page(*, plan: RoutePlan) -> PlanPage:
    """Routes per courier with their stops in order, and the orders not placed (four queries)."""
    routes = list(
        CourierRoute.objects.filter(plan=plan)
        .select_related("courier__user", "vehicle")
        .order_by("pk")
    )
    views = {
        route.courier_id: RouteView(route=route, colour=courier_colour(route.courier_id))
        for route in routes
    }
    dropped = []
    for stop in _stops(plan):
        if stop.courier_id is None or stop.courier_id not in views:
            stop.reason_label = drop_reason_label(stop.dropped_reason)  # type: ignore[attr-defined]
            dropped.append(stop)
        else:
            views[stop.courier_id].stops.append(stop)
    return PlanPage(plan=plan, routes=list(views.values()), dropped=dropped)


@dataclass
class SheetStop:
    stop: RouteStop
    order: Order
    phone: str
    deliver: list[str]
    collect: list[str]
    collect_fen: int

    @property
    def started(self) -> bool:
        return self.order.status == OrderStatus.OUT_FOR_DELIVERY


@dataclass
class RouteSheet:
    plan: RoutePlan
    route: CourierRoute
    stops: list[SheetStop]


def route_sheet(*, plan: RoutePlan, courier_id: int) -> RouteSheet:
    """What a courier takes on paper: his stops in order, what to hand over and to bring back."""
    route = CourierRoute.objects.select_related("courier__user", "vehicle").get(
        plan=plan, courier_id=courier_id
    )
    stops = (
        _stops(plan)
        .filter(courier_id=courier_id)
        .prefetch_related("order__customer__phones")
        .order_by("trip", "sequence")
    )
    rows = []
    for stop in stops:
        order = stop.order
        lines = list(order.lines.all())
        empties: Counter[str] = Counter()
        # Containers the customer pays a deposit for are new to him: no empty comes back.
        new = order.deposit_containers
        for line in lines:
            container = line.product.container_type
            if container is not None:
                kept = min(new, line.quantity)
                new -= kept
                if line.quantity > kept:
                    empties[container.name] += line.quantity - kept
        phones = list(order.customer.phones.all())
        rows.append(
            SheetStop(
                stop=stop,
                order=order,
                phone=phones[0].number if phones else "",
                deliver=[f"{line.product.name} × {line.quantity}" for line in lines],
                collect=[f"{name} × {count}" for name, count in sorted(empties.items())],
                collect_fen=order.total_fen if order.payment_intent in COLLECT_ON_DOOR else 0,
            )
        )
    return RouteSheet(plan=plan, route=route, stops=rows)
