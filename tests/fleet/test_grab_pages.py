"""The courier's grab pool page: what it shows, claiming and handing back through htmx."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.timezone import localtime

from apps.core.money import format_yuan
from apps.fleet.models import DispatchPolicy, Shift
from apps.fleet.services.grab import order_claim
from apps.orders.models import Order, OrderStatus
from apps.org.models import StaffMember
from tests.fleet.conftest import FleetWorld
from tests.fleet.test_dispatch import arriving, at_ten, policy, put

__all__ = ["at_ten"]

HTMX = {"HX-Request": "true"}


@pytest.fixture
def grab(at_ten: datetime, fw: FleetWorld) -> FleetWorld:
    policy(fw, DispatchPolicy.GRAB, grab_radius_km=3, grab_timeout_minutes=5)
    return fw


def client_for(courier: StaffMember) -> Client:
    client = Client()
    client.force_login(courier.user)
    return client


@pytest.mark.django_db
def test_a_courier_sees_what_each_order_pays_where_and_when(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    courier = grab.couriers[0]
    put(grab, courier, 0.5)
    order = arriving(grab, django_capture_on_commit_callbacks, 1.5, quantity=3)

    body = client_for(courier).get(reverse("fleet:grab_pool")).content.decode()

    assert "抢单" in body
    assert format_yuan(order.total_fen) in body
    assert order.address.short in body
    assert "1.0 公里" in body  # as the crow flies
    assert (
        f"送达时间 {localtime(order.window_start):%H:%M}–{localtime(order.window_end):%H:%M}"
        in body
    )
    assert 'hx-trigger="every 15s"' in body
    assert reverse("fleet:grab_claim", args=[order.pk]) in body


@pytest.mark.django_db
def test_claiming_swaps_the_row_for_claimed_and_a_late_claim_for_taken(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    quick, slow = grab.couriers
    order = arriving(grab, django_capture_on_commit_callbacks, 1.0)
    url = reverse("fleet:grab_claim", args=[order.pk])

    won = client_for(quick).post(url, headers=HTMX).content.decode()
    lost = client_for(slow).post(url, headers=HTMX).content.decode()

    assert "已抢到" in won and "<html" not in won
    assert "已被抢" in lost and "晚了一步" in lost
    assert Order.objects.get(pk=order.pk).courier == quick


@pytest.mark.django_db
def test_without_htmx_a_claim_redirects_back_with_a_message(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    courier = grab.couriers[0]
    order = arriving(grab, django_capture_on_commit_callbacks, 1.0)

    response = client_for(courier).post(reverse("fleet:grab_claim", args=[order.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("fleet:grab_pool")
    body = response.content.decode()
    assert f"订单 {order.number} 归您了" in body
    assert "派给您的" in body  # he may still hand it back


@pytest.mark.django_db
def test_a_refused_claim_says_why_and_changes_nothing(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    courier = grab.couriers[0]
    Shift.objects.filter(courier=courier).update(status="ended")
    order = arriving(grab, django_capture_on_commit_callbacks, 1.0)

    body = (
        client_for(courier)
        .post(reverse("fleet:grab_claim", args=[order.pk]), headers=HTMX)
        .content.decode()
    )

    assert "只有在本站点上班的配送员才能抢单" in body
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING


@pytest.mark.django_db
def test_handing_back_swaps_the_row_and_reoffers_the_order(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    courier = grab.couriers[0]
    order = order_claim(
        order=arriving(grab, django_capture_on_commit_callbacks, 1.0), courier=courier
    )

    with django_capture_on_commit_callbacks(execute=True):
        body = (
            client_for(courier)
            .post(reverse("fleet:grab_decline", args=[order.pk]), headers=HTMX)
            .content.decode()
        )

    assert "已退回" in body
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert order.grab_offers.filter(closed_at=None, declined_by=courier).exists()


@pytest.mark.django_db
def test_the_refresh_gets_only_the_pool(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    arriving(grab, django_capture_on_commit_callbacks, 1.0)

    body = client_for(grab.couriers[0]).get(reverse("fleet:grab_pool"), headers=HTMX)

    text = body.content.decode()
    assert text.lstrip().startswith('<div id="pool"')
    assert "<html" not in text


@pytest.mark.django_db
def test_a_courier_off_shift_is_told_so(grab: FleetWorld) -> None:
    courier = grab.couriers[0]
    Shift.objects.filter(courier=courier).delete()

    body = client_for(courier).get(reverse("fleet:grab_pool")).content.decode()

    assert "您今天没有上班" in body


@pytest.mark.django_db
def test_the_pool_page_reads_the_same_number_of_queries_for_one_offer_or_many(
    grab: FleetWorld, django_capture_on_commit_callbacks: Any
) -> None:
    courier = grab.couriers[0]
    client = client_for(courier)
    mine = arriving(grab, django_capture_on_commit_callbacks, 0.3)
    order_claim(order=mine, courier=courier)
    arriving(grab, django_capture_on_commit_callbacks, 1.0)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("fleet:grab_pool")).status_code == 200
        return len(captured)

    one = count()
    for km in (0.5, 1.5, 2.0, 2.5):
        arriving(grab, django_capture_on_commit_callbacks, km)
    many = count()

    assert one == many
    assert many <= 14


@pytest.mark.django_db
def test_the_courier_day_links_to_the_grab_pool(grab: FleetWorld) -> None:
    body = client_for(grab.couriers[0]).get(reverse("fleet:courier_today")).content.decode()

    assert reverse("fleet:grab_pool") in body
