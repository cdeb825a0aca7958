"""The dispatcher's pages: the pool, phone quick entry, the order form and the order page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.customers.models import Customer, CustomerPhone
from apps.orders.models import Order, OrderEvent, OrderStatus
from apps.orders.pricing import LineRequest
from apps.org.models import Role
from tests.orders.conftest import OrderWorld, make_product

pytestmark = pytest.mark.django_db


def _dispatcher(ow: OrderWorld) -> Client:
    return ow.world.team.client_for(Role.DISPATCHER)


def _phone(ow: OrderWorld, number: str = "13906715502") -> None:
    CustomerPhone.objects.create(
        company=ow.company, customer=ow.customer, number=number, is_primary=True
    )


def test_quick_entry_finds_the_caller_by_the_last_four_digits_and_offers_the_last_order(
    ow: OrderWorld,
) -> None:
    _phone(ow)
    last = ow.order(quantity=3)
    response = _dispatcher(ow).get(reverse("orders:quick_entry"), {"q": "5502"})
    text = response.content.decode()
    assert ow.customer.name in text
    assert f"repeat={last.pk}" in text
    assert "西溪花园" in text


def test_same_as_last_time_fills_the_quantities_and_saving_creates_the_order(
    ow: OrderWorld,
) -> None:
    last = ow.order(quantity=3)
    client = _dispatcher(ow)
    page = client.get(
        reverse("orders:quick_entry"), {"customer": ow.customer.pk, "repeat": last.pk}
    )
    assert f'name="qty_{ow.water.pk}" value="3"' in page.content.decode()

    response = client.post(
        reverse("orders:quick_entry_save"),
        {
            "customer": ow.customer.pk,
            f"qty_{ow.water.pk}": "3",
            "address": ow.address.pk,
            "window": "asap",
            "payment_intent": "cash",
            "channel": "phone",
        },
        follow=True,
    )
    newest = Order.objects.exclude(pk=last.pk).get()
    assert newest.lines.get().quantity == 3
    assert newest.created_by == ow.world.team.users[Role.DISPATCHER]
    assert f"{newest.number}" in response.content.decode()


def test_a_new_caller_becomes_a_customer_with_the_order(ow: OrderWorld) -> None:
    client = _dispatcher(ow)
    page = client.get(reverse("orders:quick_entry"), {"q": "13811112222"})
    assert 'name="new-phone"' in page.content.decode()
    client.post(
        reverse("orders:quick_entry_save"),
        {
            "new-name": "李四",
            "new-phone": "13811112222",
            "new-street": "古墩路 8 号",
            "new-floor": "6",
            f"qty_{ow.water.pk}": "2",
            "window": "asap",
            "payment_intent": "cash",
            "channel": "phone",
        },
    )
    customer = Customer.objects.get(name="李四")
    order = Order.objects.get(customer=customer)
    assert order.address.street == "古墩路 8 号"
    assert order.deposit_containers == 2


def test_an_order_without_quantities_is_refused_with_a_message_and_nothing_saved(
    ow: OrderWorld,
) -> None:
    response = _dispatcher(ow).post(
        reverse("orders:quick_entry_save"),
        {
            "customer": ow.customer.pk,
            "address": ow.address.pk,
            "window": "asap",
            "payment_intent": "cash",
            "channel": "phone",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "请至少为一种商品填写数量" in response.content.decode()
    assert not Order.objects.exists()


def test_the_quote_shows_the_deposit_for_a_first_bucket(ow: OrderWorld) -> None:
    response = _dispatcher(ow).post(
        reverse("orders:quote"),
        {
            "customer": ow.customer.pk,
            "address": ow.address.pk,
            f"qty_{ow.water.pk}": "2",
            "window": "asap",
            "payment_intent": "cash",
            "channel": "phone",
        },
    )
    text = response.content.decode()
    assert "押金" in text
    assert "84.00" in text  # 2 × 12 元 + 2 × 30 元 deposit


def test_the_pool_counts_orders_per_status_and_marks_late_ones(ow: OrderWorld) -> None:
    ow.order()
    late = ow.order()
    Order.objects.filter(pk=late.pk).update(
        window_end=timezone.now() - timedelta(minutes=5),
        window_start=timezone.now() - timedelta(hours=2),
    )
    ow.out_for_delivery(ow.order())
    response = _dispatcher(ow).get(reverse("orders:index"))
    text = response.content.decode()
    assert 'data-status="pending"' in text
    assert text.count('class="late"') == 1
    assert response.context["pool"].counts == {"pending": 2, "out_for_delivery": 1}


def test_the_product_filter_lists_each_order_with_the_product_once(ow: OrderWorld) -> None:
    juice = make_product(ow, "橙汁", 800)
    both = ow.order(lines=[LineRequest(ow.water, 1), LineRequest(juice, 2)])
    water_only = ow.order()
    ow.order(lines=[LineRequest(juice, 1)])
    response = _dispatcher(ow).get(reverse("orders:index"), {"product": ow.water.pk})
    pool = response.context["pool"]
    assert sorted(order.pk for order in pool.orders) == sorted([both.pk, water_only.pk])
    assert pool.counts == {"pending": 2}


def test_the_pool_runs_a_fixed_number_of_queries_whatever_the_number_of_orders(
    ow: OrderWorld,
) -> None:
    client = _dispatcher(ow)
    ow.order()
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("orders:index"))
    for _ in range(15):
        ow.out_for_delivery(ow.order())
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("orders:index"))
    assert len(many) == len(few)


def test_the_pool_pages_by_the_status_counts_without_counting_again(
    ow: OrderWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("apps.orders.views.pool.PAGE_SIZE", 2)
    pending = [ow.order() for _ in range(3)]
    ow.out_for_delivery(ow.order())
    client = _dispatcher(ow)

    everything = client.get(reverse("orders:index"), {"page": 2})
    with CaptureQueriesContext(connection) as queries:
        waiting = client.get(reverse("orders:index"), {"status": "pending", "page": 2})

    assert everything.context["page"].paginator.count == 4
    assert everything.context["page"].paginator.num_pages == 2
    [last_pending] = waiting.context["page"].object_list
    assert last_pending.pk == max(order.pk for order in pending)
    assert waiting.context["page"].paginator.num_pages == 2
    assert "第 2 页，共 2 页" in waiting.content.decode()
    # One total is counted (the late orders); the page's total is the status count.
    totals = [
        q["sql"]
        for q in queries
        if q["sql"].startswith('SELECT COUNT(*) AS "__count" FROM "orders_order"')
    ]
    assert len(totals) == 1


def test_bulk_assign_moves_each_order_and_reports_refusals(ow: OrderWorld) -> None:
    first, second = ow.order(), ow.order()
    cancelled = ow.order()
    from apps.orders.services.lifecycle import order_cancel

    order_cancel(order=cancelled, reason="duplicate", actor=ow.dispatcher)
    response = _dispatcher(ow).post(
        reverse("orders:bulk"),
        {
            "orders": [first.pk, second.pk, cancelled.pk],
            "action": "assign",
            "courier": ow.courier.pk,
        },
        follow=True,
    )
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses[first.pk] == statuses[second.pk] == OrderStatus.ASSIGNED
    assert statuses[cancelled.pk] == OrderStatus.CANCELLED
    assert cancelled.number in response.content.decode()


def test_the_order_page_records_a_delivery_through_its_form(ow: OrderWorld) -> None:
    order = ow.out_for_delivery(ow.order(quantity=2))
    line = order.lines.get()
    client = _dispatcher(ow)
    client.post(
        reverse("orders:action", args=[order.pk, "deliver"]),
        {
            "deliver-method": "intent",
            f"deliver-line_{line.pk}": "1",
            f"deliver-empties_{ow.bucket.pk}": "0",
        },
    )
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert line.delivered_quantity == 1
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "已送达" in page


def test_an_illegal_action_is_refused_with_a_message(ow: OrderWorld) -> None:
    order = ow.order()
    response = _dispatcher(ow).post(reverse("orders:action", args=[order.pk, "start"]), follow=True)
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert "不能" in response.content.decode()
    assert OrderEvent.objects.filter(order=order).count() == 1


def test_a_dispatcher_cannot_correct_a_delivery(ow: OrderWorld) -> None:
    order = ow.out_for_delivery(ow.order())
    response = _dispatcher(ow).post(reverse("orders:action", args=[order.pk, "correct"]), {})
    assert response.status_code == 404


def test_the_customer_page_lists_the_orders(ow: OrderWorld) -> None:
    order = ow.order()
    page = _dispatcher(ow).get(reverse("customers:detail", args=[ow.customer.pk])).content.decode()
    assert order.number in page
