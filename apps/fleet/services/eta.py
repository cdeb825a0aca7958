"""ETAs of a courier's remaining stops, from his published route and where he is now.

The planned sequence stays; what moves is the time. From the courier's latest
position (when it is fresh) each remaining stop is reached with the travel times
of the same distance provider the planner used, a trip that ends goes back to the
depot to load, and the service time of each stop is the one planned. A stop is
never expected earlier than planned (a courier ahead of time waits for his
plan); a courier behind pushes every later stop. Without a fresh position the
first remaining stop keeps its planned time unless that time has passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from apps.fleet.distances import distance_provider, speed_profile
from apps.fleet.models import CourierPosition, CourierRoute, PlanStatus, RouteStop
from apps.fleet.planner import (
    DistanceProvider,
    GeoPoint,
)
from apps.fleet.selectors.positions import latest_position
from apps.orders.models import OrderStatus
from apps.orders.services.eta import Eta, order_eta_set
from apps.org.models import StaffMember

# Half the width of the window a customer is promised around the expected arrival.
ETA_MARGIN = timedelta(minutes=15)
# Loading at the depot before each trip.
DEPOT_LOADING_S = 300
# A position older than this says little about where the courier is now.
POSITION_FRESH_FOR = timedelta(minutes=30)


def eta_window(arrival: datetime) -> tuple[datetime, datetime]:
    return arrival - ETA_MARGIN, arrival + ETA_MARGIN


def courier_etas_refresh(
    *,
    courier: StaffMember,
    now: datetime | None = None,
    provider: DistanceProvider | None = None,
) -> int:
    """Recompute the ETAs of the courier's remaining published stops today; returns how many changed."""
    now = now or timezone.now()
    vehicle_kind = CourierRoute.objects.filter(plan=OuterRef("plan"), courier_id=courier.pk).values(
        "vehicle__kind"
    )[:1]
    stops = list(
        RouteStop.objects.filter(
            courier_id=courier.pk,
            plan__company_id=courier.company_id,
            plan__status=PlanStatus.PUBLISHED,
            plan__date=timezone.localdate(now),
            order__courier_id=courier.pk,
            order__status__in=[OrderStatus.ASSIGNED, OrderStatus.OUT_FOR_DELIVERY],
            order__address__latitude__isnull=False,
            arrival_at__isnull=False,
        )
        .select_related("order__address", "plan__depot")
        .annotate(vehicle_kind=Subquery(vehicle_kind))
        .order_by("plan__slot_start", "plan_id", "trip", "sequence")
    )
    if not stops:
        return 0
    position = latest_position(courier_id=courier.pk)
    if position is not None and now - position.recorded_at > POSITION_FRESH_FOR:
        position = None
    arrivals = _arrivals(stops, position, now, provider or distance_provider())
    etas = [
        Eta(stop.order_id, *eta_window(arrival))
        for stop, arrival in zip(stops, arrivals, strict=True)
    ]
    return order_eta_set(company_id=courier.company_id, etas=etas)


def _arrivals(
    stops: Sequence[RouteStop],
    position: CourierPosition | None,
    now: datetime,
    provider: DistanceProvider,
) -> list[datetime]:
    depot = stops[0].plan.depot
    points = [GeoPoint(float(depot.latitude), float(depot.longitude))]
    points += [
        GeoPoint(float(s.order.address.latitude), float(s.order.address.longitude))  # type: ignore[arg-type]
        for s in stops
    ]
    origin: int | None = None
    if position is not None:
        origin = len(points)
        points.append(GeoPoint(float(position.latitude), float(position.longitude)))
    _, seconds = provider.matrix(points, speed_profile(getattr(stops[0], "vehicle_kind", None)))
    arrivals: list[datetime] = []
    clock, here = now, origin
    previous: RouteStop | None = None
    for k, stop in enumerate(stops, start=1):
        planned = stop.arrival_at
        assert planned is not None
        if here is None:
            arrival = max(planned, now)
        else:
            if previous is not None and (previous.plan_id, previous.trip) != (
                stop.plan_id,
                stop.trip,
            ):
                travel = seconds[here][0] + DEPOT_LOADING_S + seconds[0][k]
            else:
                travel = seconds[here][k]
            arrival = max(planned, clock + timedelta(seconds=travel))
        service = (stop.departure_at or planned) - planned
        arrivals.append(arrival)
        clock, here, previous = arrival + service, k, stop
    return arrivals
