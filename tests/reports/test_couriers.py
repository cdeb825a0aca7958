from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.customers.models import Ticket
from apps.fleet.commission import courier_commission_fen
from apps.fleet.models import CommissionSettings, CourierPosition
from apps.ledger import services as ledger
from apps.orders.models import OrderStatus
from apps.reports.period import Period
from apps.reports.selectors.couriers import courier_performance
from tests.conftest import make_team
from tests.reports.conftest import MONDAY, World, at, query

pytestmark = pytest.mark.django_db


def day_of_two_couriers(world: World) -> None:
    a, b = world.courier, world.second_courier
    up_six = world.customer(floor=6)
    lift = world.customer(floor=3, elevator=True)
    first = world.order(MONDAY, customer=up_six, lines=[(world.water, 2, 1500)], delivered_hour=10)
    world.order(MONDAY, customer=lift, delivered_hour=12)  # late: window ends 11:00
    world.order(MONDAY, status=OrderStatus.FAILED, failed=[("not_home", a, 10.5)])
    world.order(MONDAY, courier=b, depot=world.other_depot)
    ledger.wallet_top_up(
        company=world.company,
        key="top-up",
        customer=up_six,
        amount_fen=5000,
        method="cash",
        courier=a,
        occurred_at=at(MONDAY, 9),
    )
    ticket = Ticket.objects.create(
        company=world.company,
        customer=up_six,
        ticket_type="complaint",
        description="桶漏水",
        order_reference=first.number,
        due_at=at(MONDAY, 18),
    )
    Ticket.objects.filter(pk=ticket.pk).update(created_at=at(MONDAY, 13))
    for minute, lat in ((0, "30.270000"), (5, "30.280000"), (10, "30.290000")):
        CourierPosition.objects.create(
            company=world.company,
            courier=a,
            latitude=Decimal(lat),
            longitude=Decimal("120.1"),
            recorded_at=at(MONDAY, 9, minute),
        )


def test_each_courier_is_measured_by_hand(world: World) -> None:
    day_of_two_couriers(world)
    rows = courier_performance(company=world.company, period=Period(MONDAY, MONDAY))
    a, b = rows
    assert a.courier == world.courier and b.courier == world.second_courier
    assert (a.deliveries, a.units, a.floor_units) == (2, 3, 2 * 5)
    assert a.on_time_rate == 50.0
    assert a.failures == 1 and a.failures_by_reason == {"not_home": 1}
    assert a.minutes_per_stop == 120.0
    assert 2200 < a.driven_m < 2250  # two steps of 0.01° latitude
    assert a.collected_fen == 5000
    assert a.complaints == 1
    assert (b.deliveries, b.failures, b.complaints, b.minutes_per_stop) == (1, 0, 0, None)


def test_one_depot_ranks_its_own_couriers(world: World) -> None:
    day_of_two_couriers(world)
    rows = courier_performance(
        company=world.company, period=Period(MONDAY, MONDAY, world.other_depot)
    )
    assert [r.courier for r in rows] == [world.second_courier]


def test_pages_show_the_ranking_and_one_courier(world: World, owner_client) -> None:  # type: ignore[no-untyped-def]
    day_of_two_couriers(world)
    ranking = owner_client.get(reverse("reports:couriers"), query(MONDAY)).content.decode()
    assert "阿强" in ranking and "小李" in ranking
    page = owner_client.get(reverse("reports:courier", args=[world.courier.pk]), query(MONDAY))
    assert page.status_code == 200
    assert page.context["row"].deliveries == 2
    assert "Customer not home" in page.content.decode() or "客户不在家" in page.content.decode()


def test_another_companys_courier_is_not_found(world: World, owner_client) -> None:  # type: ignore[no-untyped-def]
    other = make_team()
    from apps.org.models import StaffMember

    stranger = StaffMember.objects.filter(company=other.company, role="courier").get()
    response = owner_client.get(reverse("reports:courier", args=[stranger.pk]))
    assert response.status_code == 404


def test_courier_pages_ask_a_fixed_number_of_queries(world: World, owner_client) -> None:  # type: ignore[no-untyped-def]
    world.order(MONDAY)
    url = reverse("reports:couriers")
    with CaptureQueriesContext(connection) as small:
        owner_client.get(url, query(MONDAY - timedelta(days=1), MONDAY))
    day_of_two_couriers(world)
    world.order(MONDAY - timedelta(days=1), courier=world.second_courier)
    with CaptureQueriesContext(connection) as big:
        owner_client.get(url, query(MONDAY - timedelta(days=1), MONDAY))
    assert len(big) == len(small) <= 25


def test_commission_follows_the_companys_rules(world: World) -> None:
    day_of_two_couriers(world)
    CommissionSettings.objects.create(
        company=world.company, per_order_fen=200, per_unit_fen=50, per_floor_fen=10
    )
    a, b = courier_performance(company=world.company, period=Period(MONDAY, MONDAY))
    assert a.commission_fen == 2 * 200 + 3 * 50 + 10 * 10
    assert b.commission_fen == 200 + 50
    assert a.commission_fen == courier_commission_fen(
        company=world.company, courier=world.courier, start=MONDAY, end=MONDAY
    )


def test_without_rules_nobody_earns_commission(world: World) -> None:
    day_of_two_couriers(world)
    rows = courier_performance(company=world.company, period=Period(MONDAY, MONDAY))
    assert [r.commission_fen for r in rows] == [0, 0]


def test_a_delivery_long_after_its_promised_day_counts_on_the_day_it_was_made(
    world: World,
) -> None:
    late = world.order(MONDAY - timedelta(days=30), lines=[(world.water, 3, 1500)])
    late.delivered_at = at(MONDAY, 15)
    late.save(update_fields=["delivered_at"])
    world.order(MONDAY - timedelta(days=30), courier=world.second_courier, depot=world.other_depot)
    monday = courier_performance(company=world.company, period=Period(MONDAY, MONDAY))
    assert [(r.courier, r.deliveries, r.units) for r in monday] == [
        (world.courier, 1, 3),
        (world.second_courier, 0, 0),
    ]
    promised_day = Period(MONDAY - timedelta(days=30), MONDAY - timedelta(days=30))
    month_ago = courier_performance(company=world.company, period=promised_day)
    assert [(r.courier, r.deliveries) for r in month_ago] == [
        (world.second_courier, 1),
        (world.courier, 0),
    ]
