"""The customer's public tracking page and the staff actions on its link."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.customers.models import CustomerPhone
from apps.orders import positions
from apps.orders.models import CancelReason, FailReason, Order, OrderEvent
from apps.orders.services.lifecycle import order_cancel, order_fail
from apps.orders.services.settlement import order_deliver
from apps.orders.services.tracking import order_tracking_renew, order_tracking_revoke
from apps.org.models import Role
from tests.conftest import Team
from tests.orders.conftest import OrderWorld, make_order_world

CUSTOMER_PHONE = "13812345678"
COURIER_MOBILE = "13977776666"
DEPOT_PHONE = "057188001234"


@pytest.fixture(autouse=True)
def _fresh_rate_limit() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tw(ow: OrderWorld) -> OrderWorld:
    """An order world whose customer, courier and depot have phones."""
    CustomerPhone.objects.create(
        company=ow.company, customer=ow.customer, number=CUSTOMER_PHONE, is_primary=True
    )
    ow.courier.user.first_name = "王小明"
    ow.courier.user.mobile = COURIER_MOBILE
    ow.courier.user.save()
    ow.depot.phone = DEPOT_PHONE
    ow.depot.save()
    return ow


def page_of(order: Order, client: Client | None = None, **extra: Any) -> Any:
    order.refresh_from_db()
    return (client or Client()).get(reverse("tracking:page", args=[order.tracking_token]), **extra)


def test_the_page_of_an_order_on_its_way_shows_status_courier_and_timeline(
    tw: OrderWorld,
) -> None:
    order = tw.out_for_delivery()
    response = page_of(order)
    body = response.content.decode()
    assert response.status_code == 200
    assert "您的订单正在配送中" in body
    assert order.number in body
    assert "王师傅" in body
    assert "139****6666" in body
    assert f'href="tel:{DEPOT_PHONE}"' in body
    for step in ("已接单", "已派单", "配送中"):
        assert step in body
    assert "18.9L 桶装水 × 2" in body


def test_the_page_shows_nothing_else_about_the_customer(tw: OrderWorld) -> None:
    order = tw.out_for_delivery()
    order.events.update(note="客户张三说放在 502 门口")
    body = page_of(order).content.decode()
    for private in (
        CUSTOMER_PHONE,
        "138****5678",
        "张三",
        "文三路",
        "西溪花园",
        "502",
        COURIER_MOBILE,
        "小明",
    ):
        assert private not in body, private


def test_the_page_lists_no_other_order_of_the_customer(tw: OrderWorld) -> None:
    other = tw.order()
    order = tw.order()
    body = page_of(order).content.decode()
    assert order.number in body
    assert other.number not in body


def test_the_page_is_private_and_not_indexed(tw: OrderWorld) -> None:
    response = page_of(tw.order())
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]
    assert "no-store" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()


def test_the_page_speaks_the_customers_language_not_the_visitors(tw: OrderWorld) -> None:
    tw.customer.language = "en"
    tw.customer.save()
    order = tw.out_for_delivery()
    client = Client()
    client.cookies["django_language"] = "zh-hans"
    response = page_of(order, client)
    body = response.content.decode()
    assert "Your order is on its way" in body
    assert "Courier Wang" in body
    assert "配送中" not in body
    assert response["Content-Language"] == "en"


def test_htmx_polling_gets_only_the_live_part(tw: OrderWorld) -> None:
    response = page_of(tw.out_for_delivery(), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<main class="mobile-content" id="live"')
    assert 'hx-trigger="every 30s"' in body
    assert "<html" not in body
    assert response["Cache-Control"] == "no-store"


def test_a_delivered_order_shows_its_proof(tw: OrderWorld) -> None:
    order = tw.out_for_delivery()
    order_deliver(
        order=order,
        actor=tw.dispatcher,
        proof={"photo": "/media/proof/1.jpg", "signature": "javascript:alert(1)", "code": True},
    )
    body = page_of(order).content.decode()
    assert "已送达" in body
    assert 'src="/media/proof/1.jpg"' in body
    assert "javascript:" not in body
    assert "已用您的收货码确认" in body
    assert "hx-trigger" not in body  # nothing will change any more: no polling
    assert "139****6666" not in body  # the courier's number is of no use any more


def test_a_failed_order_shows_the_reason_and_what_happens_next(tw: OrderWorld) -> None:
    order = order_fail(
        order=tw.out_for_delivery(),
        reason=FailReason.WRONG_ADDRESS,
        actor=tw.dispatcher,
        note="客户张三电话关机",
    )
    body = page_of(order).content.decode()
    assert "您的订单未能送达" in body
    assert "地址有误，未能找到。我们会尽快联系您，重新约定送货时间。" in body
    assert "电话关机" not in body
    assert f'href="tel:{DEPOT_PHONE}"' in body


def test_the_map_appears_only_while_a_position_is_known(tw: OrderWorld) -> None:
    order = tw.out_for_delivery()
    assert 'id="courier-map"' not in page_of(order).content.decode()
    where = positions.CourierPosition(Decimal("30.2741"), Decimal("120.1551"), timezone.now())
    positions.register_position_source(lambda order: where)
    try:
        body = page_of(order).content.decode()
        assert 'id="courier-map"' in body
        assert 'data-center="30.2741,120.1551"' in body
        assert "leaflet.js" in body
        assert 'id="courier-map"' not in page_of(tw.order()).content.decode()
    finally:
        positions._sources.clear()


def test_an_unknown_token_is_a_404(tw: OrderWorld) -> None:
    response = Client().get(reverse("tracking:page", args=["no-such-token"]))
    assert response.status_code == 404
    assert response["Referrer-Policy"] == "no-referrer"
    assert "此链接无效" in response.content.decode()


def test_expired_revoked_and_unknown_links_look_the_same(tw: OrderWorld) -> None:
    unknown = Client().get(reverse("tracking:page", args=["x" * 43])).content
    revoked = order_tracking_revoke(order=tw.order(), actor=tw.dispatcher)
    delivered = order_deliver(order=tw.out_for_delivery(), actor=tw.dispatcher)
    Order.objects.filter(pk=delivered.pk).update(delivered_at=timezone.now() - timedelta(days=8))
    assert page_of(revoked).status_code == 404
    assert page_of(delivered).status_code == 404
    assert page_of(revoked).content == unknown
    assert page_of(delivered).content == unknown


def test_a_link_still_works_a_few_days_after_delivery(tw: OrderWorld) -> None:
    delivered = order_deliver(order=tw.out_for_delivery(), actor=tw.dispatcher)
    Order.objects.filter(pk=delivered.pk).update(delivered_at=timezone.now() - timedelta(days=6))
    assert page_of(delivered).status_code == 200


def test_a_cancelled_order_link_expires_after_the_same_days(tw: OrderWorld) -> None:
    order = order_cancel(order=tw.order(), reason=CancelReason.DUPLICATE, actor=tw.dispatcher)
    assert "此订单已取消" in page_of(order).content.decode()
    Order.objects.filter(pk=order.pk).update(status_changed_at=timezone.now() - timedelta(days=8))
    assert page_of(order).status_code == 404


def test_renewing_replaces_the_link_and_kills_the_old_one(tw: OrderWorld) -> None:
    order = tw.order()
    old = order.tracking_token
    order_tracking_revoke(order=order, actor=tw.dispatcher)
    renewed = order_tracking_renew(order=order, actor=tw.dispatcher)
    assert renewed.tracking_token != old
    assert len(renewed.tracking_token) >= 43  # 256 random bits
    assert renewed.tracking_revoked_at is None
    assert Client().get(reverse("tracking:page", args=[old])).status_code == 404
    assert page_of(renewed).status_code == 200
    notes = list(OrderEvent.objects.filter(order=order).values_list("note", flat=True))
    assert "订单跟踪链接已作废" in notes
    assert "已生成新的订单跟踪链接" in notes


def test_the_customer_timeline_hides_link_changes(tw: OrderWorld) -> None:
    order = order_tracking_renew(order=tw.order(), actor=tw.dispatcher)
    body = page_of(order).content.decode()
    assert "已生成新的订单跟踪链接" not in body


def test_staff_revoke_and_renew_from_the_order_page(tw: OrderWorld) -> None:
    order = tw.order()
    client = tw.team.client_for(Role.DISPATCHER)
    detail = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert reverse("orders:tracking_revoke", args=[order.pk]) in detail
    assert reverse("orders:tracking_renew", args=[order.pk]) in detail
    assert reverse("tracking:page", args=[order.tracking_token]) in detail
    response = client.post(reverse("orders:tracking_revoke", args=[order.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:detail", args=[order.pk])
    order.refresh_from_db()
    assert order.tracking_revoked_at is not None
    revoked = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert reverse("orders:tracking_revoke", args=[order.pk]) not in revoked
    assert "已作废" in revoked
    response = client.post(reverse("orders:tracking_renew", args=[order.pk]), follow=True)
    order.refresh_from_db()
    assert order.tracking_revoked_at is None
    assert f"/t/{order.tracking_token}/" in response.content.decode()


def test_staff_actions_need_a_post_and_a_dispatcher_or_owner(tw: OrderWorld) -> None:
    order = tw.order()
    url = reverse("orders:tracking_revoke", args=[order.pk])
    assert tw.team.client_for(Role.OWNER).get(url).status_code == 405
    assert tw.team.client_for(Role.COURIER).post(url).status_code == 403
    assert tw.team.client_for(Role.ACCOUNTANT).post(url).status_code == 403
    order.refresh_from_db()
    assert order.tracking_revoked_at is None


def test_another_companys_order_link_cannot_be_touched(tw: OrderWorld, other_team: Team) -> None:
    order = tw.order()
    intruder = other_team.client_for(Role.OWNER)
    for name in ("tracking_revoke", "tracking_renew"):
        assert intruder.post(reverse(f"orders:{name}", args=[order.pk])).status_code == 404
    order.refresh_from_db()
    assert order.tracking_revoked_at is None
    assert page_of(order).status_code == 200


def test_too_many_requests_from_one_address_get_a_friendly_429(
    tw: OrderWorld, settings: Any
) -> None:
    settings.TRACKING_RATE_LIMIT = 3
    order = tw.order()
    url = reverse("tracking:page", args=[order.tracking_token])
    client = Client(REMOTE_ADDR="203.0.113.7")
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    busy = client.get(url)
    assert busy.status_code == 429
    assert "请稍候" in busy.content.decode()
    assert busy["Cache-Control"] == "no-store"
    assert busy["Retry-After"] == "60"
    assert client.get(reverse("tracking:page", args=["guess"])).status_code == 429
    assert Client(REMOTE_ADDR="203.0.113.8").get(url).status_code == 200


def test_the_tracking_page_needs_no_log_in_and_no_company(tw: OrderWorld) -> None:
    stranger = make_order_world().team.client_for(Role.OWNER)
    assert page_of(tw.order(), stranger).status_code == 200
