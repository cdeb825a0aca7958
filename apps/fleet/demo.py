"""Demo fleet: a vehicle per courier, shifts for today and tomorrow, positions of the couriers on the road.

Water couriers ride electric tricycles (12 buckets a trip, gas couriers carry 6
cylinders), milk couriers vans. Everyone works 08:00–18:00 with an hour's break,
milk rounds 05:00–12:00; today's shifts are begun, on or over as the clock
says. A demo built late in the day gets an evening shift instead (and depots
open as long), so today's waiting orders still have couriers to go to. Couriers with an order out for delivery have reported their position
along the way from the depot to it over the last half hour; the others stand at
their depot. Every depot auto-assigns new orders, and today's routes are
planned and published. Running the seed again adds nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.core.demo import DemoWorld, queued_jobs_drop
from apps.fleet.demo_courier import seed_courier_days
from apps.fleet.demo_planning import seed_fleet_routes
from apps.fleet.models import (
    CourierPosition,
    DispatchPolicy,
    DispatchSettings,
    Shift,
    ShiftStatus,
    Vehicle,
    VehicleKind,
)
from apps.orders.models import Order, OrderStatus
from apps.org.models import Company, Depot, Role, Skill, StaffMember

TRACK_POINTS = 6
DAY_END = time(18, 0)
LATEST_END = time(23, 30)
EVENING_AHEAD = timedelta(hours=6)  # today's demo orders have windows up to 5½ hours ahead


def seed(world: DemoWorld) -> None:
    for company in world.companies.values():
        couriers = list(
            StaffMember.objects.filter(company=company, role=Role.COURIER, is_active=True)
            .exclude(home_depot=None)
            .select_related("home_depot", "user")
            .order_by("pk")
        )
        if not couriers or Vehicle.objects.filter(company=company).exists():
            continue
        for depot in {courier.home_depot for courier in couriers if courier.home_depot}:
            DispatchSettings.objects.get_or_create(
                company=company, depot=depot, defaults={"policy": DispatchPolicy.AUTO}
            )
        _keep_depots_open(company, _day_end_today())
        for number, courier in enumerate(couriers, start=1):
            vehicle = _vehicle(company, courier, number)
            for day in (world.today, world.today + timedelta(days=1)):
                _shift(company, courier, vehicle, day, today=world.today)
        positions = _positions(company, couriers, world.today)
        plans = seed_fleet_routes(company)
        actions = seed_courier_days(company)
        world.log(
            f"fleet: {len(couriers)} vehicles and shifts, {positions} positions, "
            f"{len(plans)} route plans for today, {actions} stops worked"
        )


def _vehicle(company: Company, courier: StaffMember, number: int) -> Vehicle:
    milk = Skill.COLD_CHAIN in courier.skills
    gas = Skill.GAS_CERTIFIED in courier.skills
    kind = VehicleKind.VAN if milk else VehicleKind.E_TRIKE
    assert courier.home_depot is not None
    return Vehicle.objects.create(
        company=company,
        depot=courier.home_depot,
        name=f"{'冷藏车' if milk else '三轮车'} {number:02d}",
        kind=kind,
        plate=f"浙A-{7100 + number:05d}",
        capacity_units=120 if milk else (6 if gas else 12),
    )


def _shift(
    company: Company, courier: StaffMember, vehicle: Vehicle, day: date, *, today: date
) -> Shift:
    milk = vehicle.kind == VehicleKind.VAN
    shift = Shift(
        company=company,
        courier=courier,
        depot=vehicle.depot,
        vehicle=vehicle,
        date=day,
        starts_at=time(5, 0) if milk else time(8, 0),
        ends_at=time(12, 0) if milk else (_day_end_today() if day == today else DAY_END),
        break_minutes=0 if milk else 60,
    )
    if day == today:
        _as_of_now(shift)
    shift.save()
    return shift


def _day_end_today() -> time:
    """18:00, or later when the demo is built in the evening: today's orders lie hours ahead."""
    evening = timezone.localtime() + EVENING_AHEAD
    if evening.date() != timezone.localdate() or evening.time() >= LATEST_END:
        return LATEST_END
    return max(DAY_END, evening.replace(minute=0, second=0, microsecond=0).time())


def _keep_depots_open(company: Company, until: time) -> None:
    later = time(min(until.hour + 1, LATEST_END.hour), until.minute)
    Depot.objects.filter(company=company, closes_at__lt=later).update(closes_at=later)


def _as_of_now(shift: Shift) -> None:
    """Today's shift as the clock says: not begun, on, or over."""
    now = timezone.localtime()
    starts = timezone.make_aware(datetime.combine(shift.date, shift.starts_at))
    ends = timezone.make_aware(datetime.combine(shift.date, shift.ends_at))
    if now < starts:
        return
    shift.status = ShiftStatus.ON if now < ends else ShiftStatus.ENDED
    shift.started_at = starts
    shift.ended_at = None if now < ends else ends


def _positions(company: Company, couriers: list[StaffMember], today: date) -> int:
    now = timezone.now()
    out = {
        order.courier_id: order
        for order in Order.objects.filter(
            company=company, status=OrderStatus.OUT_FOR_DELIVERY, window_start__date=today
        ).select_related("address")
    }
    rows: list[CourierPosition] = []
    for courier in couriers:
        depot = courier.home_depot
        assert depot is not None
        start = (depot.latitude, depot.longitude)
        order = out.get(courier.pk)
        if order and order.address.has_coordinates:
            end = (order.address.latitude, order.address.longitude)
        else:
            end = start
        for step in range(TRACK_POINTS):
            share = Decimal(step) / (TRACK_POINTS - 1) * Decimal("0.8")
            rows.append(
                CourierPosition(
                    company=company,
                    courier=courier,
                    latitude=_between(start[0], end[0], share),
                    longitude=_between(start[1], end[1], share),
                    accuracy_m=15,
                    recorded_at=now - timedelta(minutes=5 * (TRACK_POINTS - 1 - step)),
                )
            )
    CourierPosition.objects.bulk_create(rows)
    return len(rows)


def _between(start: Decimal, end: Decimal | None, share: Decimal) -> Decimal:
    end = start if end is None else end
    return (start + (end - start) * share).quantize(Decimal("0.000001"))


def tidy_queue(world: DemoWorld) -> None:
    """The history's orders were assigned as they were made: their queued dispatch has nothing to do."""
    dropped = queued_jobs_drop(
        "apps.fleet.tasks_dispatch.order_dispatch",
        waiting=Order.objects.filter(status=OrderStatus.PENDING),
    )
    world.log(f"fleet: {dropped} queued dispatches of orders already assigned dropped")
