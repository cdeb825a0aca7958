"""A small company whose figures can be worked out by hand."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from apps.catalog.models import Product
from apps.customers.models import Address, Customer
from apps.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from apps.org.models import Company, Depot, Role, StaffMember
from tests.conftest import Team
from tests.factories import DepotFactory, ProductFactory, StaffFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 3, 2)
_numbers = itertools.count(1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


@dataclass
class World:
    team: Team
    company: Company
    depot: Depot
    other_depot: Depot
    courier: StaffMember
    second_courier: StaffMember
    water: Product
    gas: Product
    customers: list[Customer] = field(default_factory=list)

    def customer(
        self,
        name: str | None = None,
        *,
        floor: int = 1,
        elevator: bool = False,
        district: str = "西湖区",
        **more: Any,
    ) -> Customer:
        number = next(_numbers)
        customer = Customer.objects.create(
            company=self.company, code=f"RP{number:05d}", name=name or f"客户{number}", **more
        )
        Address.objects.create(
            company=self.company,
            customer=customer,
            street=f"文三路 {number} 号",
            district=district,
            floor=floor,
            has_elevator=elevator,
            is_default=True,
        )
        self.customers.append(customer)
        return customer

    def order(
        self,
        day: date,
        *,
        status: str = OrderStatus.DELIVERED,
        customer: Customer | None = None,
        lines: list[tuple[Product, int, int]] | None = None,
        channel: str = "phone",
        payment: str = "cash",
        courier: StaffMember | None = None,
        depot: Depot | None = None,
        window: tuple[int, int] = (9, 11),
        delivered_hour: float | None = 10,
        failed: list[tuple[str, StaffMember | None, float]] | None = None,
        cancel_reason: str = "",
    ) -> Order:
        customer = customer or self.customer()
        lines = lines or [(self.water, 1, 1500)]
        courier = courier if courier is not None else self.courier
        delivered_at = None
        if status == OrderStatus.DELIVERED and delivered_hour is not None:
            delivered_at = at(day, 0) + timedelta(hours=delivered_hour)
        goods = sum(quantity * price for _, quantity, price in lines)
        order = Order.objects.create(
            company=self.company,
            customer=customer,
            address=customer.addresses.first(),
            depot=depot or self.depot,
            channel=channel,
            payment_intent=payment,
            status=status,
            window_start=at(day, window[0]),
            window_end=at(day, window[1]),
            courier=courier if status not in ("pending", "cancelled") else None,
            goods_fen=goods,
            total_fen=goods,
            delivered_at=delivered_at,
            cancel_reason=cancel_reason,
            fail_reason=(failed[-1][0] if failed and status == "failed" else ""),
        )
        for product, quantity, price in lines:
            OrderLine.objects.create(
                order=order,
                product=product,
                quantity=quantity,
                unit_price_fen=price,
                delivered_quantity=quantity if status == OrderStatus.DELIVERED else None,
            )
        for reason, who, hour in failed or []:
            OrderEvent.objects.create(
                company=self.company,
                order=order,
                at=at(day, 0) + timedelta(hours=hour),
                from_status="out_for_delivery",
                to_status="failed",
                reason=reason,
                courier=who,
            )
        if status == OrderStatus.CANCELLED:
            OrderEvent.objects.create(
                company=self.company,
                order=order,
                at=at(day, 8),
                from_status="pending",
                to_status="cancelled",
                reason=cancel_reason,
            )
        return order


@pytest.fixture
def world(team: Team) -> World:
    company = team.company
    courier = StaffMember.objects.get(company=company, role=Role.COURIER)
    assert courier.home_depot is not None
    courier.user.first_name = "阿强"
    courier.user.save()
    other_depot = DepotFactory(company=company, name="城西站")
    second = StaffFactory(
        company=company, role=Role.COURIER, home_depot=other_depot, user__first_name="小李"
    )
    water = ProductFactory(company=company, name="18.9L 桶装水", price_fen=1500, category="water")
    gas = ProductFactory(company=company, name="15kg 液化气", price_fen=12000, category="gas")
    return World(team, company, courier.home_depot, other_depot, courier, second, water, gas)


def query(start: date, end: date | None = None, **more: Any) -> dict[str, str]:
    params = {"start": start.isoformat(), "end": (end or start).isoformat()}
    params.update({key: str(value) for key, value in more.items()})
    return params
