"""What an order costs: the group's price list, carrying up stairs, the first deposit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.catalog.models import (
    Category,
    ContainerType,
    CustomerGroup,
    PriceList,
    PriceListItem,
    Surcharge,
    SurchargeKind,
)
from apps.customers.models import Address
from apps.ledger import services as ledger
from apps.orders.models import CancelReason
from apps.orders.pricing import LineRequest, order_quote
from apps.orders.services.lifecycle import order_cancel
from tests.ledger.conftest import make_customer
from tests.orders.conftest import OrderWorld, make_product

pytestmark = pytest.mark.django_db


def walk_up(ow: OrderWorld, floor: int, *, elevator: bool = False) -> Address:
    return Address.objects.create(
        company=ow.company,
        customer=ow.customer,
        street="文二路 8 号",
        floor=floor,
        has_elevator=elevator,
    )


def carry_up(ow: OrderWorld, amount: int = 100, **fields: object) -> Surcharge:
    return Surcharge.objects.create(
        company=ow.company, name="上楼费", kind=SurchargeKind.CARRY_UP, amount_fen=amount, **fields
    )


def price_list(ow: OrderWorld, price: int, *, days_ago: int = 10, **fields: object) -> PriceList:
    group = CustomerGroup.objects.create(company=ow.company, name="团购小区")
    listing = PriceList.objects.create(
        company=ow.company,
        name="小区团购价",
        customer_group=group,
        valid_from=timezone.localdate() - timedelta(days=days_ago),
        **fields,
    )
    PriceListItem.objects.create(
        company=ow.company, price_list=listing, product=ow.water, price_fen=price
    )
    ow.customer.group = group
    ow.customer.save()
    return listing


def test_the_customers_group_pays_its_price_list_price(ow: OrderWorld) -> None:
    price_list(ow, 1000)
    cups = make_product(ow, "杯子", 500, category=Category.OTHER)

    order = ow.order(lines=[LineRequest(ow.water, 2), LineRequest(cups, 1)])

    assert {line.product_id: line.unit_price_fen for line in order.lines.all()} == {
        ow.water.pk: 1000,
        cups.pk: 500,
    }
    assert order.goods_fen == 2 * 1000 + 500


@pytest.mark.parametrize(
    "fields",
    [
        {"is_active": False},
        {"days_ago": 10, "valid_until_days_ago": 1},
        {"days_ago": -3},
    ],
    ids=["inactive", "expired", "not yet valid"],
)
def test_a_price_list_out_of_force_leaves_the_list_price(
    ow: OrderWorld, fields: dict[str, object]
) -> None:
    until = fields.pop("valid_until_days_ago", None)
    extra: dict[str, object] = {}
    if until is not None:
        extra["valid_until"] = timezone.localdate() - timedelta(days=int(str(until)))
    price_list(ow, 1000, days_ago=int(str(fields.pop("days_ago", 10))), **fields, **extra)
    order = ow.order(quantity=1)
    assert order.lines.get().unit_price_fen == 1200


def test_a_customer_of_another_group_pays_the_list_price(ow: OrderWorld) -> None:
    price_list(ow, 1000)
    stranger = make_customer(ow.company, name="李四")
    quote = order_quote(
        customer=stranger, address=None, lines=[LineRequest(ow.water, 1)], on=timezone.localdate()
    )
    assert quote.goods_fen == 1200


@pytest.mark.parametrize(
    ("floor", "elevator", "expected"),
    [(1, False, 0), (2, False, 1 * 100 * 2), (6, False, 5 * 100 * 2), (6, True, 0), (-1, False, 0)],
)
def test_carrying_up_is_charged_per_unit_and_floor_without_an_elevator(
    ow: OrderWorld, floor: int, elevator: bool, expected: int
) -> None:
    carry_up(ow)
    order = ow.order(quantity=2, address=walk_up(ow, floor, elevator=elevator))
    assert order.surcharge_fen == order.lines.get().surcharge_fen == expected
    assert order.total_fen == order.goods_fen + expected + order.deposit_fen


def test_free_floors_categories_and_inactive_surcharges_are_respected(ow: OrderWorld) -> None:
    carry_up(ow, 100, free_floors=3)
    carry_up(ow, 50, categories=[Category.GAS])
    carry_up(ow, 1000, is_active=False)
    order = ow.order(quantity=1, address=walk_up(ow, 5))
    # Only the first applies to water: floors 4 and 5 at 1 元.
    assert order.surcharge_fen == 2 * 100


def test_a_price_given_by_hand_overrides_the_catalogue(ow: OrderWorld) -> None:
    price_list(ow, 1000)
    order = ow.order(lines=[LineRequest(ow.water, 2, unit_price_fen=900)])
    assert order.goods_fen == 1800


def test_a_new_customer_pays_the_deposit_for_every_container_of_the_first_order(
    ow: OrderWorld,
) -> None:
    order = ow.order(quantity=3)
    assert (order.deposit_fen, order.deposit_containers) == (3 * 3000, 3)
    assert order.total_fen == 3 * 1200 + 3 * 3000


def test_a_customer_holding_the_container_type_pays_no_deposit(ow: OrderWorld) -> None:
    ledger.containers_lend(
        company=ow.company, key="lend", customer=ow.customer, container_type=ow.bucket, quantity=1
    )
    order = ow.order(quantity=2)
    assert (order.deposit_fen, order.deposit_containers) == (0, 0)


def test_the_deposit_travels_with_the_first_open_order_only(ow: OrderWorld) -> None:
    first = ow.order(quantity=2)
    second = ow.order(quantity=2)
    assert (first.deposit_containers, second.deposit_containers) == (2, 0)


def test_a_cancelled_first_order_hands_the_deposit_to_the_next(ow: OrderWorld) -> None:
    first = ow.order(quantity=2)
    order_cancel(order=first, reason=CancelReason.CHANGED_MIND, actor=ow.dispatcher)
    assert ow.order(quantity=1).deposit_containers == 1


def test_each_container_type_has_its_own_first_deposit(ow: OrderWorld) -> None:
    cylinder = ContainerType.objects.create(company=ow.company, name="15kg 钢瓶", deposit_fen=10000)
    gas = make_product(ow, "液化气", 11000, category=Category.GAS, container_type=cylinder)
    ow.order(quantity=2)
    order = ow.order(lines=[LineRequest(ow.water, 1), LineRequest(gas, 1)])
    assert (order.deposit_fen, order.deposit_containers) == (10000, 1)


def test_a_container_without_a_deposit_costs_nothing_extra(ow: OrderWorld) -> None:
    crate = ContainerType.objects.create(company=ow.company, name="奶箱", deposit_fen=0)
    milk = make_product(ow, "鲜奶", 600, category=Category.MILK, container_type=crate)
    order = ow.order(lines=[LineRequest(milk, 2)])
    assert (order.deposit_fen, order.deposit_containers, order.total_fen) == (0, 0, 1200)
