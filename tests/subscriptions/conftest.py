"""A dairy world: the order world plus milk, a 30-delivery milk card and a daily card plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.catalog.models import Category, Product, TicketPackage
from apps.ledger.services import Method
from apps.orders.models import Order
from apps.org.models import Role
from apps.subscriptions.models import Plan, PlanItem, Slot, Subscription, TermKind
from apps.subscriptions.services.selling import subscription_sell
from tests.conftest import Team
from tests.factories import ProductFactory, TicketTypeFactory
from tests.orders.conftest import OrderWorld, make_order_world


@dataclass
class Dairy:
    ow: OrderWorld
    milk: Product
    yoghurt: Product
    card: TicketPackage
    plan: Plan

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ow, name)

    @property
    def dispatcher(self) -> Any:
        return self.ow.world.team.users[Role.DISPATCHER]

    def sell(self, plan: Plan | None = None, **fields: Any) -> Subscription:
        defaults: dict[str, Any] = {
            "company": self.ow.company,
            "customer": self.ow.customer,
            "plan": plan or self.plan,
            "start_date": tomorrow(),
            "method": Method.CASH,
            "user": self.dispatcher,
        }
        defaults.update(fields)
        return subscription_sell(**defaults)

    def orders(self) -> list[Order]:
        return list(Order.objects.filter(company=self.ow.company).order_by("window_start"))


def tomorrow() -> date:
    return timezone.localdate() + timedelta(days=1)


def make_plan(company: Any, items: list[tuple[Product, int]], **fields: Any) -> Plan:
    defaults: dict[str, Any] = {
        "name": f"plan {Plan.objects.count() + 1}",
        "slot": Slot.MORNING,
        "term": TermKind.MONTHLY,
        "price_fen": 500,
    }
    defaults.update(fields)
    plan = Plan.objects.create(company=company, **defaults)
    for product, quantity in items:
        PlanItem.objects.create(plan=plan, product=product, quantity=quantity)
    return plan


def make_dairy(team: Team) -> Dairy:
    ow = make_order_world(team)
    company = ow.company
    milk = ProductFactory(
        company=company, name="鲜牛奶 250ml", category=Category.MILK, price_fen=500
    )
    yoghurt = ProductFactory(company=company, name="酸奶", category=Category.MILK, price_fen=600)
    card_type = TicketTypeFactory(company=company, name="奶卡", kind="milk")
    card_type.products.set([milk, yoghurt])
    card = TicketPackage.objects.create(
        company=company, ticket_type=card_type, name="30 次奶卡", paid_tickets=30, price_fen=13500
    )
    plan = make_plan(
        company,
        [(milk, 1)],
        name="每日鲜奶 30 天",
        term=TermKind.CARD,
        deliveries=30,
        ticket_package=card,
        price_fen=450,
    )
    return Dairy(ow=ow, milk=milk, yoghurt=yoghurt, card=card, plan=plan)


@pytest.fixture
def dairy(team: Team, working_hours: None) -> Dairy:
    return make_dairy(team)
