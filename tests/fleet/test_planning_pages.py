"""The planning pages: plan routes, watch the job, read the result, adjust, publish, print."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.customers.models import CustomerPhone
from apps.fleet.models import CourierRoute, PlanStatus, RoutePlan, RouteStop
from apps.fleet.services.planning import route_plan_compute
from apps.orders.models import OrderStatus
from apps.org.models import Role
from tests.fleet.conftest import FleetWorld
from tests.fleet.test_planning import for_tomorrow, order_tomorrow, start, tomorrow

pytestmark = pytest.mark.django_db


def dispatcher(fw: FleetWorld) -> Client:
    return fw.team.client_for(Role.DISPATCHER)


def planned(fw: FleetWorld, orders: int = 4) -> RoutePlan:
    for_tomorrow(fw)
    for n in range(orders):
        order_tomorrow(fw, 9 + n % 3, 12 + n % 3)
    return route_plan_compute(plan_id=start(fw).pk)


def test_plan_routes_queues_a_plan_and_its_page_polls_the_progress(fw: FleetWorld) -> None:
    response = dispatcher(fw).post(
        reverse("fleet:plan_new"),
        {
            "depot": fw.depot.pk,
            "date": tomorrow().isoformat(),
            "slot": "morning",
            "time_limit_s": "5",
        },
        follow=True,
    )

    plan = RoutePlan.objects.get()
    assert (plan.slot_start.hour, plan.slot_end.hour, plan.time_limit_s) == (6, 12, 5)
    assert plan.created_by == fw.team.users[Role.DISPATCHER]
    text = response.content.decode()
    assert 'hx-trigger="every 1s"' in text and "<progress" in text
    assert reverse("fleet:plan_cancel", args=[plan.pk]) in text


def test_the_form_explains_bad_input_and_changes_nothing(fw: FleetWorld) -> None:
    response = dispatcher(fw).post(
        reverse("fleet:plan_new"),
        {"depot": fw.depot.pk, "date": "2020-01-01", "slot": "custom", "time_limit_s": "999"},
    )

    text = response.content.decode()
    assert "已经过去" in text  # the day has passed
    assert "180" in text  # the time limit's ceiling
    assert not RoutePlan.objects.exists()


def test_a_second_plan_for_a_slot_being_planned_is_refused_on_the_form(fw: FleetWorld) -> None:
    client = dispatcher(fw)
    data = {
        "depot": fw.depot.pk,
        "date": tomorrow().isoformat(),
        "slot": "day",
        "time_limit_s": "2",
    }
    client.post(reverse("fleet:plan_new"), data)

    response = client.post(reverse("fleet:plan_new"), data)

    assert "已在规划中" in response.content.decode()
    assert RoutePlan.objects.count() == 1


def test_the_status_fragment_reloads_the_page_once_the_plan_is_done(fw: FleetWorld) -> None:
    for_tomorrow(fw)
    plan = start(fw)
    client = dispatcher(fw)
    url = reverse("fleet:plan_detail", args=[plan.pk])

    running = client.get(url, headers={"HX-Request": "true"})
    assert "HX-Refresh" not in running and "<progress" in running.content.decode()
    assert "<html" not in running.content.decode()

    route_plan_compute(plan_id=plan.pk)
    done = client.get(url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"


def test_the_plan_page_shows_each_couriers_route_on_the_map_and_what_was_not_placed(
    fw: FleetWorld,
) -> None:
    plan = planned(fw)
    lost = order_tomorrow(fw)
    RouteStop.objects.create(plan=plan, order=lost, dropped_reason="time_window")

    response = dispatcher(fw).get(reverse("fleet:plan_detail", args=[plan.pk]))

    text = response.content.decode()
    data = json.loads(
        text.split('id="plan-map-data" type="application/json">')[1].split("</script>")[0]
    )
    assert data["depot"]["lat"] == pytest.approx(30.2741)
    used = [r for r in data["routes"] if r["stops"]]
    assert used and all(len(r["path"]) >= 3 for r in used)  # depot → stops → depot
    assert sum(len(r["stops"]) for r in data["routes"]) == 4
    for stop in RouteStop.objects.filter(plan=plan).exclude(courier=None).select_related("order"):
        assert stop.order.number in text
        assert f"{timezone.localtime(stop.arrival_at):%H:%M}" in text
    assert lost.number in text and "无法按时送达" in text  # the reason, in Chinese
    assert "发布给配送员" in text  # the publish button
    assert (
        reverse(
            "fleet:plan_route_sheet",
            args=[
                plan.pk,
                used
                and RouteStop.objects.filter(plan=plan).exclude(courier=None).first().courier_id,
            ],
        )
        in text
    )  # type: ignore[union-attr]


def test_the_plan_page_takes_the_same_number_of_queries_however_many_stops(
    fw: FleetWorld,
) -> None:
    client = dispatcher(fw)
    small = planned(fw, orders=2)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("fleet:plan_detail", args=[small.pk]))
    for _ in range(10):
        order_tomorrow(fw)
    fw.add_courier()
    for_tomorrow(fw)
    RoutePlan.objects.filter(pk=small.pk).update(status=PlanStatus.CANCELLED)
    big = route_plan_compute(plan_id=start(fw).pk)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("fleet:plan_detail", args=[big.pk]))

    assert response.status_code == 200
    assert RouteStop.objects.filter(plan=big).count() == 12
    assert len(many) == len(few) <= 12, [q["sql"][:120] for q in many.captured_queries]


def test_moving_a_stop_on_the_page_puts_it_on_the_other_courier_and_times_both_again(
    fw: FleetWorld,
) -> None:
    plan = planned(fw)
    stop = RouteStop.objects.filter(plan=plan).exclude(courier=None).first()
    assert stop is not None
    other = next(c for c in fw.couriers if c.pk != stop.courier_id)
    before = RouteStop.objects.filter(plan=plan, courier=other).count()

    response = dispatcher(fw).post(
        reverse("fleet:plan_stop_move", args=[plan.pk, stop.pk]),
        {"courier": other.pk, "position": 1},
        follow=True,
    )

    stop.refresh_from_db()
    assert stop.courier == other and stop.sequence == 1 and stop.trip == 1
    assert RouteStop.objects.filter(plan=plan, courier=other).count() == before + 1
    sequences = list(
        RouteStop.objects.filter(plan=plan, courier=other)
        .order_by("sequence")
        .values_list("sequence", flat=True)
    )
    assert sequences == list(range(1, before + 2))
    arrivals = list(
        RouteStop.objects.filter(plan=plan, courier=other)
        .order_by("sequence")
        .values_list("arrival_at", flat=True)
    )
    assert arrivals == sorted(arrivals)
    route = CourierRoute.objects.get(plan=plan, courier=other)
    assert route.distance_m > 0
    assert "已调整" in response.content.decode()


def test_bad_moves_are_explained_and_change_nothing(fw: FleetWorld) -> None:
    plan = planned(fw)
    stop = RouteStop.objects.filter(plan=plan).exclude(courier=None).first()
    assert stop is not None
    outsider = fw.add_courier()  # on shift, but planned after this plan was computed
    client = dispatcher(fw)
    url = reverse("fleet:plan_stop_move", args=[plan.pk, stop.pk])

    not_in_plan = client.post(url, {"courier": outsider.pk, "position": 1}, follow=True)
    no_position = client.post(url, {"courier": stop.courier_id, "position": "x"}, follow=True)

    assert "选择一个有效的选项" in not_in_plan.content.decode()
    assert "整数" in no_position.content.decode()
    fresh = RouteStop.objects.get(pk=stop.pk)
    assert (fresh.courier_id, fresh.sequence) == (stop.courier_id, stop.sequence)


def test_publishing_from_the_page_assigns_the_orders_and_a_second_click_says_so(
    fw: FleetWorld,
) -> None:
    plan = planned(fw)
    client = dispatcher(fw)
    url = reverse("fleet:plan_publish", args=[plan.pk])

    first = client.post(url, follow=True)
    second = client.post(url, follow=True)

    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED
    assert all(
        s.order.status == OrderStatus.ASSIGNED
        for s in RouteStop.objects.filter(plan=plan).select_related("order")
    )
    assert "已发布" in first.content.decode()
    assert "此前已经发布" in second.content.decode()
    assert "发布给配送员" not in second.content.decode()  # nothing left to publish


def test_cancelling_from_the_page(fw: FleetWorld) -> None:
    for_tomorrow(fw)
    plan = start(fw)

    response = dispatcher(fw).post(reverse("fleet:plan_cancel", args=[plan.pk]), follow=True)

    plan.refresh_from_db()
    assert plan.status == PlanStatus.CANCELLED
    assert "已取消" in response.content.decode()


def test_the_list_shows_plans_with_their_counts(fw: FleetWorld) -> None:
    plan = planned(fw)

    response = dispatcher(fw).get(reverse("fleet:plan_list"))

    text = response.content.decode()
    assert reverse("fleet:plan_detail", args=[plan.pk]) in text
    assert "待发布" in text  # "ready to publish"


def test_the_list_takes_the_same_number_of_queries_however_many_plans(fw: FleetWorld) -> None:
    client = dispatcher(fw)
    planned(fw, orders=2)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("fleet:plan_list"))
    for plan in RoutePlan.objects.all():
        RoutePlan.objects.filter(pk=plan.pk).update(status=PlanStatus.PUBLISHED)
    for _ in range(3):
        route_plan_compute(plan_id=start(fw).pk)
        RoutePlan.objects.filter(status=PlanStatus.DONE).update(status=PlanStatus.SUPERSEDED)
    with CaptureQueriesContext(connection) as four:
        response = client.get(reverse("fleet:plan_list"))

    assert response.content.decode().count("plan-status plan-") == 4
    assert len(four) == len(one), [q["sql"][:100] for q in four.captured_queries]


@pytest.mark.parametrize("role", [Role.COURIER, Role.ACCOUNTANT])
def test_only_dispatchers_and_owners_open_the_planning_pages(fw: FleetWorld, role: str) -> None:
    plan = planned(fw, orders=1)
    courier_id = RouteStop.objects.filter(plan=plan).exclude(courier=None).first().courier_id  # type: ignore[union-attr]
    urls = [
        ("get", reverse("fleet:plan_list")),
        ("get", reverse("fleet:plan_new")),
        ("get", reverse("fleet:plan_detail", args=[plan.pk])),
        ("get", reverse("fleet:plan_route_sheet", args=[plan.pk, courier_id])),
        ("post", reverse("fleet:plan_publish", args=[plan.pk])),
        ("post", reverse("fleet:plan_cancel", args=[plan.pk])),
    ]
    refused = fw.team.client_for(role)
    owner = fw.team.client_for(Role.OWNER)
    for method, url in urls:
        assert getattr(refused, method)(url).status_code == 403, url
    for url in [u for m, u in urls if m == "get"]:
        assert owner.get(url).status_code == 200, url
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DONE


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is not installed")
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_route_sheet_is_a_chinese_pdf_with_the_stops_in_order(
    fw: FleetWorld, tmp_path: Path
) -> None:
    plan = planned(fw, orders=3)
    route = next(r for r in CourierRoute.objects.filter(plan=plan) if r.trip_loads)
    stops = list(
        RouteStop.objects.filter(plan=plan, courier=route.courier)
        .select_related("order__customer", "order__address")
        .order_by("sequence")
    )
    first = stops[0].order
    CustomerPhone.objects.create(
        company=fw.company, customer=first.customer, number="13906715502", is_primary=True
    )
    first.notes = "放门口鞋柜"
    first.deposit_containers = 0  # a regular: he has buckets to give back
    first.save(update_fields=["notes", "deposit_containers"])

    response = dispatcher(fw).get(
        reverse("fleet:plan_route_sheet", args=[plan.pk, route.courier_id])
    )

    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content, tmp_path)
    assert "配送路线单" in text and route.courier.user.display_name in text
    assert "13906715502" in text and "放门口鞋柜" in text
    assert "18.9L 桶装水 × 2" in text and "空桶: 18.9L 水桶 × 2" in text  # deliver, empties back
    assert text.count("空桶") == 1  # new customers pay a deposit and give nothing back
    positions = [text.index(stop.order.number) for stop in stops]
    assert positions == sorted(positions)


def test_a_route_sheet_for_a_courier_not_in_the_plan_is_not_found(fw: FleetWorld) -> None:
    plan = planned(fw, orders=1)

    response = dispatcher(fw).get(
        reverse("fleet:plan_route_sheet", args=[plan.pk, fw.team.users[Role.OWNER].pk])
    )

    assert response.status_code == 404


def test_route_stops_are_called_delivery_points_and_never_depots(fw: FleetWorld) -> None:
    plan = planned(fw, orders=1)
    RouteStop.objects.filter(plan=plan).update(courier=fw.couriers[0])

    text = dispatcher(fw).get(reverse("fleet:plan_detail", args=[plan.pk])).content.decode()

    assert "这名配送员没有配送点。" in text
    assert "1 个配送点" in text
    assert "有配送点的配送员" in text
    assert "没有站点" not in text and "个站点" not in text
