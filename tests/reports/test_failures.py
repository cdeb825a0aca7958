from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.orders.models import OrderStatus
from apps.reports.period import Period
from apps.reports.selectors.failures import failure_analysis
from tests.reports.conftest import MONDAY, World, query

pytestmark = pytest.mark.django_db
S = OrderStatus


def failures(world: World) -> dict[str, object]:
    a, b = world.courier, world.second_courier
    twice = world.order(
        MONDAY,
        status=S.FAILED,
        channel="wechat",
        failed=[("not_home", a, 10), ("not_home", a, 15)],
    )
    world.order(
        MONDAY,
        status=S.FAILED,
        failed=[("refused", b, 11)],
        customer=world.customer(district="拱墅区"),
    )
    world.order(MONDAY, status=S.FAILED, failed=[("not_home", b, 10.5)])
    cancelled = world.order(
        MONDAY, status=S.CANCELLED, cancel_reason="duplicate", channel="meituan"
    )
    world.order(MONDAY)  # delivered: not in the analysis
    return {"twice": twice, "cancelled": cancelled}


def test_reasons_couriers_areas_hours_and_channels_count_events(world: World) -> None:
    failures(world)
    analysis = failure_analysis(company=world.company, period=Period(MONDAY, MONDAY))
    failed = analysis.failed
    assert failed.total == 4
    assert failed.reasons.most_common() == [("not_home", 3), ("refused", 1)]
    assert failed.couriers[(world.courier.pk, "阿强")] == 2
    assert sum(n for (pk, _), n in failed.couriers.items() if pk == world.second_courier.pk) == 2
    assert failed.areas == {"西湖区": 3, "拱墅区": 1}
    assert failed.hours == {10: 2, 11: 1, 15: 1}
    assert failed.channels == {"wechat": 2, "phone": 2}
    assert analysis.cancelled.reasons == {"duplicate": 1}


def test_the_page_draws_pareto_charts_and_links_to_the_orders(world: World, owner_client) -> None:  # type: ignore[no-untyped-def]
    failures(world)
    body = owner_client.get(reverse("reports:failures"), query(MONDAY)).content.decode()
    assert body.count('class="cumulative"') == 2
    assert "kind=failed&amp;reason=not_home" in body


def test_drilling_down_lists_the_orders_behind_a_bar(world: World, owner_client) -> None:  # type: ignore[no-untyped-def]
    made = failures(world)
    url = reverse("reports:failure_orders")
    by_reason = owner_client.get(url, query(MONDAY, kind="failed", reason="not_home"))
    assert len(by_reason.context["orders"]) == 2
    by_hour = owner_client.get(url, query(MONDAY, kind="failed", hour=15))
    assert [o.pk for o in by_hour.context["orders"]] == [made["twice"].pk]  # type: ignore[attr-defined]
    cancelled = owner_client.get(url, query(MONDAY, kind="cancelled"))
    assert [o.pk for o in cancelled.context["orders"]] == [made["cancelled"].pk]  # type: ignore[attr-defined]
    by_courier = owner_client.get(url, query(MONDAY, courier=world.second_courier.pk))
    assert len(by_courier.context["orders"]) == 2


def test_failure_pages_ask_a_fixed_number_of_queries(world: World, owner_client) -> None:  # type: ignore[no-untyped-def]
    counts = []
    for _ in range(2):
        for name in ("reports:failures", "reports:failure_orders"):
            with CaptureQueriesContext(connection) as queries:
                owner_client.get(reverse(name), query(MONDAY))
            counts.append(len(queries))
        failures(world)
    assert counts[:2] == counts[2:]
