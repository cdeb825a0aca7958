"""Taking an order: what order_create refuses, what it records, and the windows offered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from apps.customers.models import Address, CustomerStatus
from apps.ledger.models import Transaction
from apps.orders.errors import DuplicateExternalOrder, OrderError
from apps.orders.models import (
    Order,
    OrderChannel,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentIntent,
)
from apps.orders.pricing import LineRequest
from apps.orders.services.intake import order_create
from apps.orders.services.settlement import order_deliver
from apps.orders.windows import window_by_key, window_choices
from apps.org.models import Role
from tests.ledger.conftest import make_customer
from tests.orders.conftest import OrderWorld, make_order_world, make_product

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def nothing_taken(ow: OrderWorld) -> tuple[int, int, int, Any]:
    ow.customer.refresh_from_db()
    return (
        Order.objects.count(),
        OrderLine.objects.count(),
        OrderEvent.objects.count(),
        ow.customer.last_order_at,
    )


def test_an_order_enters_the_pool_priced_with_its_first_event(ow: OrderWorld) -> None:
    order = ow.order(quantity=2, notes="  放门口  ", payment_intent=PaymentIntent.SCAN)

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert order.courier is None
    assert order.depot == ow.depot
    assert order.address == ow.address
    assert order.notes == "放门口"
    assert (order.goods_fen, order.surcharge_fen, order.deposit_fen, order.total_fen) == (
        2400,
        0,
        6000,
        8400,
    )
    line = order.lines.get()
    assert (line.product, line.quantity, line.unit_price_fen, line.delivered_quantity) == (
        ow.water,
        2,
        1200,
        None,
    )
    event = order.events.get()
    assert (event.from_status, event.to_status) == ("", OrderStatus.PENDING)
    assert event.actor == ow.team.users[Role.DISPATCHER]
    assert order.created_by == ow.team.users[Role.DISPATCHER]
    assert len(order.tracking_token) >= 43
    assert Transaction.objects.filter(company=ow.company).count() == 0


def test_taking_an_order_moves_the_customers_last_order_forward_only(ow: OrderWorld) -> None:
    before = timezone.now()
    ow.order()
    ow.customer.refresh_from_db()
    assert ow.customer.last_order_at is not None and ow.customer.last_order_at >= before
    latest = ow.customer.last_order_at

    earlier = timezone.now() - timedelta(days=3)
    ow.order(window_start=earlier, window_end=earlier + timedelta(hours=2), taken_at=earlier)

    ow.customer.refresh_from_db()
    assert ow.customer.last_order_at == latest


def test_an_order_from_history_keeps_when_it_was_taken(ow: OrderWorld) -> None:
    taken = timezone.now() - timedelta(days=5)
    order = ow.order(window_start=taken, window_end=taken + timedelta(hours=2), taken_at=taken)
    order.refresh_from_db()
    assert order.created_at == taken
    assert order.events.get().at == taken


def _another_company(ow: OrderWorld) -> dict[str, Any]:
    other = make_order_world()
    return {"customer": other.customer}


def _blocked(ow: OrderWorld) -> dict[str, Any]:
    ow.customer.status = CustomerStatus.BLOCKED
    ow.customer.blocked_reason = "欠款未还"
    ow.customer.save()
    return {}


def _foreign_address(ow: OrderWorld) -> dict[str, Any]:
    neighbour = make_customer(ow.company, name="李四")
    address = Address.objects.create(
        company=ow.company, customer=neighbour, street="文一路 1 号", is_default=True
    )
    return {"address": address}


def _no_address(ow: OrderWorld) -> dict[str, Any]:
    return {"customer": make_customer(ow.company, name="王五")}


def _foreign_product(ow: OrderWorld) -> dict[str, Any]:
    other = make_order_world()
    return {"lines": [LineRequest(other.water, 1)]}


def _inactive_product(ow: OrderWorld) -> dict[str, Any]:
    ow.water.is_active = False
    ow.water.save()
    return {}


def _twice(ow: OrderWorld) -> dict[str, Any]:
    return {"lines": [LineRequest(ow.water, 1), LineRequest(ow.water, 2)]}


def _zero(ow: OrderWorld) -> dict[str, Any]:
    return {"lines": [LineRequest(ow.water, 0)]}


def _negative(ow: OrderWorld) -> dict[str, Any]:
    return {"lines": [LineRequest(ow.water, -2)]}


def _no_lines(ow: OrderWorld) -> dict[str, Any]:
    return {"lines": []}


def _past(ow: OrderWorld) -> dict[str, Any]:
    end = timezone.now() - timedelta(minutes=1)
    return {"window_start": end - timedelta(hours=2), "window_end": end}


def _reversed(ow: OrderWorld) -> dict[str, Any]:
    start = timezone.now() + timedelta(hours=3)
    return {"window_start": start, "window_end": start - timedelta(hours=1)}


def _empty_window(ow: OrderWorld) -> dict[str, Any]:
    start = timezone.now() + timedelta(hours=3)
    return {"window_start": start, "window_end": start}


def _unknown_channel(ow: OrderWorld) -> dict[str, Any]:
    return {"channel": "carrier_pigeon"}


def _unknown_payment(ow: OrderWorld) -> dict[str, Any]:
    return {"payment_intent": "shells"}


def _long_notes(ow: OrderWorld) -> dict[str, Any]:
    return {"notes": "很" * 301}


REFUSALS: dict[str, tuple[Callable[[OrderWorld], dict[str, Any]], str]] = {
    "customer of another company": (_another_company, "该客户属于其他公司"),
    "blocked customer": (_blocked, "欠款未还"),
    "address of another customer": (_foreign_address, "该地址属于其他客户"),
    "customer without an address": (_no_address, "王五"),
    "product of another company": (_foreign_product, "该商品属于其他公司"),
    "inactive product": (_inactive_product, "18.9L 桶装水"),
    "duplicate product lines": (_twice, "18.9L 桶装水"),
    "zero quantity": (_zero, "18.9L 桶装水"),
    "negative quantity": (_negative, "18.9L 桶装水"),
    "no lines": (_no_lines, ""),
    "window in the past": (_past, ""),
    "reversed window": (_reversed, ""),
    "empty window": (_empty_window, ""),
    "unknown channel": (_unknown_channel, "carrier_pigeon"),
    "unknown payment": (_unknown_payment, ""),
    "notes too long": (_long_notes, ""),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_bad_input_is_refused_clearly_and_takes_nothing(ow: OrderWorld, case: str) -> None:
    prepare, words = REFUSALS[case]
    fields = prepare(ow)
    before = nothing_taken(ow)

    with translation.override("zh-hans"), pytest.raises(OrderError) as refused:
        ow.order(**fields)

    message = " ".join(refused.value.messages)
    assert words in message
    assert message.strip()
    assert nothing_taken(ow) == before


def test_the_refusals_are_in_chinese(ow: OrderWorld) -> None:
    with translation.override("zh-hans"), pytest.raises(OrderError) as refused:
        ow.order(**_past(ow))
    assert refused.value.messages == ["配送时段已经过去。"]
    with translation.override("zh-hans"), pytest.raises(OrderError) as refused:
        ow.order(**_reversed(ow))
    assert refused.value.messages == ["配送时段的结束时间必须晚于开始时间。"]


# --- one order per platform order number ----------------------------------------------------


def test_a_platform_order_number_is_taken_once(ow: OrderWorld) -> None:
    first = ow.order(channel=OrderChannel.MEITUAN, external_id="MT-1001")
    before = nothing_taken(ow)

    with translation.override("zh-hans"), pytest.raises(DuplicateExternalOrder) as duplicate:
        ow.order(channel=OrderChannel.MEITUAN, external_id="MT-1001", quantity=5)

    assert duplicate.value.order == first
    assert first.number in duplicate.value.messages[0]
    assert "MT-1001" in duplicate.value.messages[0]
    assert nothing_taken(ow) == before


def test_the_order_number_is_compared_without_surrounding_spaces(ow: OrderWorld) -> None:
    first = ow.order(channel=OrderChannel.MEITUAN, external_id="MT-1002")
    with pytest.raises(DuplicateExternalOrder) as duplicate:
        ow.order(channel=OrderChannel.MEITUAN, external_id="  MT-1002 ")
    assert duplicate.value.order == first
    assert Order.objects.filter(company=ow.company).count() == 1


def test_the_same_number_may_come_from_another_channel_or_company(ow: OrderWorld) -> None:
    ow.order(channel=OrderChannel.MEITUAN, external_id="88")
    ow.order(channel=OrderChannel.ELEME, external_id="88")
    other = make_order_world()
    other.order(channel=OrderChannel.MEITUAN, external_id="88")
    assert Order.objects.filter(external_id="88").count() == 3


def test_orders_without_a_number_never_collide(ow: OrderWorld) -> None:
    ow.order(channel=OrderChannel.MEITUAN)
    ow.order(channel=OrderChannel.MEITUAN, external_id="   ")
    assert Order.objects.filter(company=ow.company, external_id="").count() == 2


def test_a_delivered_platform_order_is_still_a_duplicate(ow: OrderWorld) -> None:
    first = ow.out_for_delivery(ow.order(channel=OrderChannel.ELEME, external_id="E-9"))
    order_deliver(order=first, actor=ow.dispatcher)
    with pytest.raises(DuplicateExternalOrder) as duplicate:
        ow.order(channel=OrderChannel.ELEME, external_id="E-9")
    assert duplicate.value.order == first


# --- delivery windows --------------------------------------------------------------------------


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 10, hour, minute, tzinfo=SHANGHAI)


def spans(now: datetime) -> dict[str, tuple[str, str]]:
    return {
        w.key: (
            f"{timezone.localtime(w.start, SHANGHAI):%d %H:%M}",
            f"{timezone.localtime(w.end, SHANGHAI):%d %H:%M}",
        )
        for w in window_choices(now=now)
    }


TOMORROW = {
    "tomorrow-am": ("11 08:00", "11 12:00"),
    "tomorrow-pm": ("11 13:00", "11 17:00"),
    "tomorrow-eve": ("11 17:00", "11 20:00"),
}


@pytest.fixture
def shanghai() -> Any:
    with timezone.override(SHANGHAI):
        yield


def test_at_seven_the_whole_day_is_open_and_asap_starts_at_opening(shanghai: None) -> None:
    assert spans(at(7)) == {
        "asap": ("10 08:00", "10 10:00"),
        "today-08": ("10 08:00", "10 10:00"),
        "today-10": ("10 10:00", "10 12:00"),
        "today-12": ("10 12:00", "10 14:00"),
        "today-14": ("10 14:00", "10 16:00"),
        "today-16": ("10 16:00", "10 18:00"),
        "today-18": ("10 18:00", "10 20:00"),
        **TOMORROW,
    }


def test_at_half_past_one_only_slots_still_worth_promising_are_offered(shanghai: None) -> None:
    assert spans(at(13, 30)) == {
        "asap": ("10 13:30", "10 15:30"),
        "today-14": ("10 14:00", "10 16:00"),
        "today-16": ("10 16:00", "10 18:00"),
        "today-18": ("10 18:00", "10 20:00"),
        **TOMORROW,
    }


def test_at_nine_in_the_evening_as_soon_as_possible_means_tomorrow_morning(
    shanghai: None,
) -> None:
    assert spans(at(21)) == {"asap": ("11 08:00", "11 10:00"), **TOMORROW}
    with translation.override("zh-hans"):
        labels = {w.key: w.label for w in window_choices(now=at(21))}
    assert "明天" in labels["asap"]


def test_every_window_offered_ends_after_it_starts_and_in_the_future(shanghai: None) -> None:
    for hour in range(24):
        now = at(hour, 45)
        for window in window_choices(now=now):
            assert window.start < window.end
            assert window.end > now + timedelta(minutes=30)


def test_the_windows_follow_the_chosen_asap_and_are_found_by_key(shanghai: None) -> None:
    window = window_by_key("asap", now=at(9), asap_minutes=60)
    assert window is not None
    assert (window.start, window.end) == (at(9), at(10))
    assert window_by_key("today-08", now=at(13, 30)) is None
    assert window_by_key("nonsense", now=at(9)) is None


def test_a_window_chosen_from_the_list_is_accepted_by_order_create(ow: OrderWorld) -> None:
    for window in window_choices():
        order = order_create(
            company=ow.company,
            customer=ow.customer,
            lines=[LineRequest(ow.water, 1)],
            window_start=window.start,
            window_end=window.end,
        )
        assert (order.window_start, order.window_end) == (window.start, window.end)


def test_a_product_made_later_keeps_the_price_it_was_ordered_at(ow: OrderWorld) -> None:
    cups = make_product(ow, "杯子", 500)
    order = ow.order(lines=[LineRequest(cups, 2)])
    cups.price_fen = 800
    cups.save()
    order.refresh_from_db()
    assert order.lines.get().unit_price_fen == 500
    assert order.goods_fen == 1000


# --- cost --------------------------------------------------------------------------------------


def test_taking_an_order_costs_a_fixed_number_of_queries(
    ow: OrderWorld, django_assert_max_num_queries: Any
) -> None:
    ow.order()  # the customer is known now: a repeat order is the common case
    extra = [make_product(ow, f"配件{n}", 300 + n) for n in range(4)]
    with django_assert_max_num_queries(15):
        ow.order(quantity=1)
    with django_assert_max_num_queries(15):
        ow.order(lines=[LineRequest(ow.water, 1), *[LineRequest(p, 2) for p in extra]])
