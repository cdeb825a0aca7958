"""The courier's page lists his open orders in the order of today's published route."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from apps.fleet.models import PlanStatus, RouteStop
from apps.orders.models import Order
from apps.orders.services.lifecycle import order_assign, order_start_delivery
from apps.org.models import StaffMember
from tests.fleet.conftest import FleetWorld


def _page(courier: StaffMember) -> str:
    client = Client()
    client.force_login(courier.user)
    return client.get(reverse("fleet:courier_today")).content.decode()


def _assigned(fw: FleetWorld, courier: StaffMember) -> Order:
    return order_assign(order=fw.order_near(), courier=courier, actor=fw.dispatcher)


def test_routed_orders_come_in_planned_order_then_the_others(fw: FleetWorld) -> None:
    courier, other = fw.couriers[0], fw.couriers[1]
    first, second, unplanned = (_assigned(fw, courier) for _ in range(3))
    order_start_delivery(order=second, actor=fw.dispatcher)
    not_his = _assigned(fw, other)
    plan = fw.whole_day_plan(status=PlanStatus.PUBLISHED)
    RouteStop.objects.create(plan=plan, order=second, courier=courier, trip=1, sequence=1)
    RouteStop.objects.create(plan=plan, order=first, courier=courier, trip=1, sequence=2)

    page = _page(courier)

    numbers = [second.number, first.number, unplanned.number]
    positions = [page.index(f'data-number="{number}"') for number in numbers]
    assert positions == sorted(positions)
    assert f'data-number="{not_his.number}"' not in page
    assert first.customer.name in page and "配送中" in page


def test_without_orders_the_page_says_there_are_no_stops(fw: FleetWorld) -> None:
    assert "现在没有您的配送任务" in _page(fw.couriers[0])
