"""An order world: the ledger world plus an address, and helpers to take and move orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.customers.models import Address
from apps.orders.models import Order
from apps.orders.pricing import LineRequest
from apps.orders.services.intake import order_create
from apps.orders.services.lifecycle import Actor, order_assign, order_start_delivery
from apps.org.models import Role
from tests.conftest import Team, make_team
from tests.ledger.conftest import World, make_world


@dataclass
class OrderWorld:
    world: World
    address: Address

    def __getattr__(self, name: str) -> Any:
        return getattr(self.world, name)

    @property
    def dispatcher(self) -> Actor:
        return Actor(user=self.world.team.users[Role.DISPATCHER])

    def window(self, hours: int = 2) -> tuple[datetime, datetime]:
        start = timezone.now()
        return start, start + timedelta(hours=hours)

    def order(self, quantity: int = 2, **fields: Any) -> Order:
        start, end = self.window()
        defaults: dict[str, Any] = {
            "company": self.world.company,
            "customer": self.world.customer,
            "lines": [LineRequest(self.world.water, quantity)],
            "window_start": start,
            "window_end": end,
            "created_by": self.world.team.users[Role.DISPATCHER],
        }
        defaults.update(fields)
        return order_create(**defaults)

    def out_for_delivery(self, order: Order | None = None) -> Order:
        order = order or self.order()
        order = order_assign(order=order, courier=self.world.courier, actor=self.dispatcher)
        return order_start_delivery(order=order, actor=self.dispatcher)


def make_order_world(team: Team | None = None) -> OrderWorld:
    world = make_world(team or make_team())
    address = Address.objects.create(
        company=world.company,
        customer=world.customer,
        street="文三路 100 号",
        community="西溪花园",
        building="3",
        room="502",
        floor=5,
        has_elevator=True,
        depot=world.depot,
        is_default=True,
    )
    return OrderWorld(world=world, address=address)


@pytest.fixture
def ow(team: Team) -> OrderWorld:
    return make_order_world(team)


def make_courier(ow: OrderWorld, *, skills: list[str] | None = None) -> Any:
    """Another courier of the order world's company, at its depot."""
    from tests.factories import StaffFactory

    return StaffFactory(
        company=ow.world.company, role=Role.COURIER, home_depot=ow.world.depot, skills=skills or []
    )


def make_product(ow: OrderWorld, name: str, price_fen: int, **fields: Any) -> Any:
    """A product of the order world's company (water unless ``category`` says otherwise)."""
    from apps.catalog.models import Category, Product

    fields.setdefault("category", Category.WATER)
    sku = f"OC-{Product.objects.count() + 1}-{name}"
    return Product.objects.create(
        company=ow.world.company, sku=sku, name=name, price_fen=price_fen, **fields
    )


def make_gas(ow: OrderWorld) -> Any:
    """A gas cylinder only a gas-certified courier may carry (no deposit, to keep sums simple)."""
    from apps.catalog.models import Category
    from apps.org.models import Skill

    return make_product(
        ow, "15kg 液化气", 11000, category=Category.GAS, required_skill=Skill.GAS_CERTIFIED
    )
