"""Claim races on PostgreSQL: every order goes to one courier, and no courier passes the cap."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from apps.fleet.models import DispatchPolicy, DispatchSettings, GrabOffer, GrabOutcome
from apps.fleet.services.grab import AlreadyTaken, ClaimRefused, order_claim
from apps.orders.models import Order, OrderEvent, OrderStatus
from apps.org.models import StaffMember
from tests.concurrency import race, require_postgres
from tests.fleet.conftest import FleetWorld, make_fleet_world
from tests.ledger.conftest import lifted_sqlite_guards  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CAP = 3


@pytest.fixture
def pool(lifted_sqlite_guards: None) -> tuple[FleetWorld, list[Order]]:  # noqa: F811
    """Twenty couriers on shift and fifty orders offered in the grab pool."""
    require_postgres()
    fw = make_fleet_world(couriers=20)
    DispatchSettings.objects.create(
        company=fw.company,
        depot=fw.depot,
        policy=DispatchPolicy.GRAB,
        grab_radius_km=10,
        max_open_orders=CAP,
    )
    orders = [fw.order_near(quantity=1) for _ in range(50)]  # committed: the receiver offers them
    assert GrabOffer.objects.filter(closed_at=None).count() == 50
    return fw, orders


def claim(order_id: int, courier: StaffMember) -> tuple[str, int, int]:
    try:
        order_claim(order=Order.objects.get(pk=order_id), courier=courier)
    except AlreadyTaken:
        return "taken", order_id, courier.pk
    except ClaimRefused as refused:
        assert "上限" in refused.messages[0], refused.messages
        return "cap", order_id, courier.pk
    return "won", order_id, courier.pk


def test_two_hundred_claims_by_twenty_couriers_give_each_order_once(
    pool: tuple[FleetWorld, list[Order]],
) -> None:
    fw, orders = pool
    couriers = fw.couriers
    attempts = [orders[j % len(orders)].pk for j in range(200)]
    random.Random(11).shuffle(attempts)
    # Forty threads, two per courier, five claims each: a courier's own claims race too.
    chunks = [attempts[i * 5 : (i + 1) * 5] for i in range(40)]

    def act(index: int) -> list[tuple[str, int, int]]:
        courier = couriers[index % len(couriers)]
        return [claim(order_id, courier) for order_id in chunks[index]]

    results, errors = race(40, act)

    assert errors == []
    outcomes = [outcome for batch in results for outcome in batch]
    assert len(outcomes) == 200
    wins = Counter(order_id for kind, order_id, _ in outcomes if kind == "won")
    assert set(wins.values()) <= {1}
    open_count = Counter(
        Order.objects.filter(courier__in=couriers, status=OrderStatus.ASSIGNED).values_list(
            "courier_id", flat=True
        )
    )
    assert max(open_count.values()) <= CAP
    tried_by: dict[int, set[int]] = {}
    for _, order_id, courier_id in outcomes:
        tried_by.setdefault(order_id, set()).add(courier_id)
    for order in Order.objects.filter(pk__in=[o.pk for o in orders]):
        assignments = OrderEvent.objects.filter(order=order, to_status=OrderStatus.ASSIGNED)
        if order.status == OrderStatus.ASSIGNED:
            assert wins[order.pk] == 1
            assert assignments.count() == 1
            assert assignments.get().courier_id == order.courier_id
            offer = GrabOffer.objects.get(order=order)
            assert (offer.outcome, offer.courier_id) == (GrabOutcome.CLAIMED, order.courier_id)
        else:
            # Unclaimed only because everyone who tried it was full.
            assert order.status == OrderStatus.PENDING and wins[order.pk] == 0
            assert assignments.count() == 0
            assert all(open_count[c] == CAP for c in tried_by[order.pk])
    assert sum(wins.values()) == sum(open_count.values())
    assert sum(wins.values()) >= 40


def test_one_courier_pressing_on_ten_orders_at_once_stops_at_the_cap(
    pool: tuple[FleetWorld, list[Order]],
) -> None:
    fw, orders = pool
    courier = fw.couriers[0]

    results, errors = race(10, lambda index: claim(orders[index].pk, courier))

    assert errors == []
    assert Counter(kind for kind, _, _ in results) == {"won": CAP, "cap": 10 - CAP}
    assert Order.objects.filter(courier=courier, status=OrderStatus.ASSIGNED).count() == CAP


def test_twenty_couriers_grabbing_one_order_leave_one_winner(
    pool: tuple[FleetWorld, list[Order]],
) -> None:
    fw, orders = pool
    order = orders[0]

    results, errors = race(20, lambda index: claim(order.pk, fw.couriers[index]))

    assert errors == []
    kinds: Counter[Any] = Counter(kind for kind, _, _ in results)
    assert kinds == {"won": 1, "taken": 19}
    winner = next(courier_id for kind, _, courier_id in results if kind == "won")
    assert Order.objects.get(pk=order.pk).courier_id == winner
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.ASSIGNED).count() == 1
