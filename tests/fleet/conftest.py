"""A fleet world: the order world's company with couriers on shift, vehicles and orders on a map."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from apps.customers.models import Address
from apps.fleet.models import RoutePlan, Shift, ShiftStatus, Vehicle, VehicleKind
from apps.orders.models import Order
from apps.orders.pricing import LineRequest
from apps.org.models import StaffMember
from tests.conftest import Team, make_team
from tests.ledger.conftest import make_customer
from tests.orders.conftest import OrderWorld, make_courier, make_order_world

# The depot of the fleet world sits in Hangzhou; stops are scattered within a few kilometres.
DEPOT_LAT = Decimal("30.274100")
DEPOT_LNG = Decimal("120.155100")


@dataclass
class FleetWorld:
    ow: OrderWorld
    couriers: list[StaffMember] = field(default_factory=list)
    vehicles: list[Vehicle] = field(default_factory=list)
    shifts: list[Shift] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ow, name)

    def add_courier(
        self,
        *,
        capacity: int = 12,
        skills: list[str] | None = None,
        starts_at: time = time(8, 0),
        ends_at: time = time(20, 0),
        status: str = ShiftStatus.ON,
    ) -> StaffMember:
        """A courier on shift today at the depot with his own vehicle."""
        courier = make_courier(self.ow, skills=skills)
        number = len(self.vehicles) + 1
        vehicle = Vehicle.objects.create(
            company=self.company,
            depot=self.depot,
            name=f"三轮车 {number}",
            kind=VehicleKind.E_TRIKE,
            plate=f"浙A-{number:05d}",
            capacity_units=capacity,
        )
        shift = Shift.objects.create(
            company=self.company,
            courier=courier,
            depot=self.depot,
            vehicle=vehicle,
            date=timezone.localdate(),
            starts_at=starts_at,
            ends_at=ends_at,
            status=status,
        )
        self.couriers.append(courier)
        self.vehicles.append(vehicle)
        self.shifts.append(shift)
        return courier

    def address_near(self, *, km: float = 3.0, floor: int = 3, elevator: bool = True) -> Address:
        """A new customer with a default address somewhere within ``km`` of the depot."""
        customer = make_customer(self.company)
        index = customer.pk
        spread = km / 111.0
        return Address.objects.create(
            company=self.company,
            customer=customer,
            street=f"测试路 {index} 号",
            floor=floor,
            has_elevator=elevator,
            depot=self.depot,
            is_default=True,
            latitude=DEPOT_LAT + Decimal(f"{self.rng.uniform(-spread, spread):.6f}"),
            longitude=DEPOT_LNG + Decimal(f"{self.rng.uniform(-spread, spread):.6f}"),
        )

    def order_near(
        self,
        *,
        quantity: int = 2,
        window: tuple[datetime, datetime] | None = None,
        product: Any = None,
        **fields: Any,
    ) -> Order:
        """A pending order for a new customer near the depot."""
        address = self.address_near()
        start, end = window or self.window(hours=4)
        return self.ow.order(
            customer=address.customer,
            address=address,
            lines=[LineRequest(product or self.water, quantity)],
            window_start=start,
            window_end=end,
            **fields,
        )

    def today_at(self, hour: int, minute: int = 0) -> datetime:
        return timezone.make_aware(datetime.combine(timezone.localdate(), time(hour, minute)))

    def hours_from_now(self, hours: float) -> datetime:
        return timezone.now() + timedelta(hours=hours)

    def whole_day_plan(self, **fields: Any) -> RoutePlan:
        """A route plan of the depot for all of today (status, time limit… as given)."""
        return RoutePlan.objects.create(
            company=self.company,
            depot=self.depot,
            date=timezone.localdate(),
            slot_start=time(0),
            slot_end=time(23, 59),
            **fields,
        )


def make_fleet_world(team: Team | None = None, *, couriers: int = 2) -> FleetWorld:
    ow = make_order_world(team or make_team())
    depot = ow.depot
    depot.latitude, depot.longitude = DEPOT_LAT, DEPOT_LNG
    depot.save(update_fields=["latitude", "longitude"])
    world = FleetWorld(ow=ow)
    # The order world's own courier gets a shift too.
    StaffMember.objects.filter(pk=ow.courier.pk).update(home_depot=depot)
    for _ in range(couriers):
        world.add_courier()
    return world


@pytest.fixture(autouse=True)
def _working_hours(working_hours: None) -> None:
    """Every fleet test runs at 10:00 (see ``working_hours``)."""


@pytest.fixture
def fw(team: Team) -> FleetWorld:
    return make_fleet_world(team)
