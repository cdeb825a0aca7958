from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection

from apps.catalog.models import ContainerType, Product, TicketPackage, TicketType
from apps.customers.models import BillingMode, Customer
from apps.ledger import guards
from apps.org.models import Company, Depot, Role, StaffMember
from tests.conftest import Team, make_team
from tests.factories import ContainerTypeFactory, ProductFactory, TicketTypeFactory

_codes = itertools.count(1)


def make_customer(company: Company, **fields: Any) -> Customer:
    number = next(_codes)
    defaults = {"code": f"LG{number:05d}", "name": f"客户{number}"}
    defaults.update(fields)
    return Customer.objects.create(company=company, **defaults)


@dataclass
class World:
    team: Team
    company: Company
    depot: Depot
    courier: StaffMember
    customer: Customer
    bucket: ContainerType
    water: Product
    tickets: TicketType
    package: TicketPackage

    @property
    def accountant(self) -> Any:
        return self.team.users[Role.ACCOUNTANT]


def make_world(team: Team | None = None) -> World:
    team = team or make_team()
    company = team.company
    courier = StaffMember.objects.get(company=company, role=Role.COURIER)
    depot = courier.home_depot
    bucket = ContainerTypeFactory(company=company, name="18.9L 水桶", deposit_fen=3000)
    water = ProductFactory(
        company=company, name="18.9L 桶装水", price_fen=1200, container_type=bucket
    )
    tickets = TicketTypeFactory(company=company, name="通用水票")
    tickets.products.set([water])
    package = TicketPackage.objects.create(
        company=company,
        ticket_type=tickets,
        name="20 送 2",
        paid_tickets=20,
        bonus_tickets=2,
        price_fen=36000,
    )
    customer = make_customer(
        company, name="张三", billing_mode=BillingMode.MONTHLY_CREDIT, credit_limit_fen=50000
    )
    return World(team, company, depot, courier, customer, bucket, water, tickets, package)  # type: ignore[arg-type]


@pytest.fixture
def world(team: Team) -> World:
    return make_world(team)


@pytest.fixture
def lifted_sqlite_guards(transactional_db: None) -> Iterator[None]:
    """SQLite flushes with DELETE, which the guards refuse: lift them around the flush."""
    if connection.vendor == "sqlite":
        guards.install(connection)
    yield
    if connection.vendor == "sqlite":
        guards.drop(connection)


def sqlite_guards_on() -> None:
    """Transactional tests lift the SQLite triggers after themselves; put them back."""
    if connection.vendor == "sqlite":
        guards.install(connection)


def stock_up(world: World, quantity: int, *, load: int | None = None) -> None:
    """Goods into the depot, and ``load`` of them (all by default) onto the courier's vehicle."""
    from apps.ledger import services

    services.stock_receive(
        company=world.company, key="in", depot=world.depot, product=world.water, quantity=quantity
    )
    services.stock_load(
        company=world.company,
        key="load",
        depot=world.depot,
        courier=world.courier,
        product=world.water,
        quantity=quantity if load is None else load,
    )
