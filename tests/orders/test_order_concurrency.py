"""Races on PostgreSQL with real connections: duplicate intake, double delivery, racing dispatchers."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from apps.ledger.models import Transaction, TransactionKind
from apps.ledger.verify import ledger_verify
from apps.orders.errors import DuplicateExternalOrder, IllegalTransition
from apps.orders.lifecycle import can_move
from apps.orders.models import CancelReason, Order, OrderChannel, OrderEvent, OrderStatus
from apps.orders.services.lifecycle import Actor, order_assign, order_cancel
from apps.orders.services.settlement import order_deliver
from tests.concurrency import race, require_postgres
from tests.ledger.conftest import lifted_sqlite_guards  # noqa: F401  (a fixture)
from tests.orders.conftest import OrderWorld, make_courier, make_order_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pg_ow(lifted_sqlite_guards: None) -> OrderWorld:  # noqa: F811
    require_postgres()
    return make_order_world()


def test_twenty_concurrent_creates_of_one_platform_order_make_one_order(pg_ow: OrderWorld) -> None:
    ow = pg_ow

    def create(index: int) -> Order:
        return ow.order(quantity=1 + index % 3, channel=OrderChannel.MEITUAN, external_id="MT-77")

    created, refused = race(20, create)

    assert len(created) == 1
    assert len(refused) == 19
    assert all(isinstance(error, DuplicateExternalOrder) for error in refused), refused[:3]
    assert {error.order.pk for error in refused} == {created[0].pk}  # type: ignore[attr-defined]
    assert Order.objects.filter(company=ow.company).count() == 1
    assert OrderEvent.objects.filter(order=created[0]).count() == 1


def test_two_couriers_pressing_delivered_at_once_settle_once(pg_ow: OrderWorld) -> None:
    ow = pg_ow
    order = ow.out_for_delivery(ow.order(quantity=2))

    def deliver(index: int) -> int | None:
        return order_deliver(
            order=Order.objects.get(pk=order.pk), actor=Actor(user=ow.courier.user)
        ).settlement_id

    settled, errors = race(8, deliver)

    assert errors == []
    assert len(set(settled)) == 1
    assert (
        Transaction.objects.filter(company=ow.company, key=f"order:{order.pk}:delivery").count()
        == 1
    )
    assert (
        Transaction.objects.filter(company=ow.company, kind=TransactionKind.DEPOSIT_TAKE).count()
        == 1
    )
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.DELIVERED).count() == 1
    assert ledger_verify(company=ow.company) == []


def test_racing_dispatchers_leave_one_consistent_history(pg_ow: OrderWorld) -> None:
    ow = pg_ow
    couriers = [ow.courier, make_courier(ow), make_courier(ow)]
    order = ow.order()

    def act(index: int) -> Any:
        stale = Order.objects.get(pk=order.pk)
        if index % 4 == 3:
            return order_cancel(order=stale, reason=CancelReason.DUPLICATE, actor=ow.dispatcher)
        return order_assign(order=stale, courier=couriers[index % 3], actor=ow.dispatcher)

    moved, refused = race(12, act)

    assert all(isinstance(error, IllegalTransition) for error in refused), refused[:3]
    order.refresh_from_db()
    steps = list(
        OrderEvent.objects.filter(order=order)
        .order_by("pk")
        .values_list("from_status", "to_status")
    )
    for (_before, previous), (source, target) in itertools.pairwise(steps):
        assert source == previous
        assert can_move(source, target)
    assert steps[-1][1] == order.status
    # Once cancelled, nothing moved it again; every refusal came after the cancellation.
    if refused:
        assert order.status == OrderStatus.CANCELLED
    if order.status == OrderStatus.CANCELLED:
        assert [target for _source, target in steps].count(OrderStatus.CANCELLED) == 1
    assert len(moved) + len(refused) == 12
