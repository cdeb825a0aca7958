from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.customers.models import CustomerPhone
from apps.reports.period import Period
from apps.reports.selectors.customers import Activity, customer_report, segment_of
from tests.reports.conftest import MONDAY, World, query

pytestmark = pytest.mark.django_db
TODAY = MONDAY


def every(world: World, customer, days: int, times: int, *, units: int = 1, last: date) -> None:  # type: ignore[no-untyped-def]
    for i in range(times):
        world.order(
            last - timedelta(days=days * (times - 1 - i)),
            customer=customer,
            lines=[(world.water, units, 1500)],
        )


def activity(first_days_ago: int, last_days_ago: int, orders: int) -> Activity:
    return Activity(
        1, "x", TODAY - timedelta(first_days_ago), TODAY - timedelta(last_days_ago), orders, 0, 0
    )


@pytest.mark.parametrize(
    ("first", "last", "orders", "segment"),
    [
        (10, 2, 1, "new"),
        (300, 5, 12, "champion"),
        (300, 50, 5, "loyal"),
        (300, 90, 5, "at_risk"),
        (400, 200, 8, "lost"),
        (300, 40, 2, "occasional"),
    ],
)
def test_segments_follow_the_stated_rules(first: int, last: int, orders: int, segment: str) -> None:
    assert segment_of(activity(first, last, orders), TODAY) == segment


def test_a_regular_customer_who_went_quiet_is_dormant_with_his_usual_interval(world: World) -> None:
    quiet = world.customer("老王")
    CustomerPhone.objects.create(
        company=world.company, customer=quiet, number="13900001111", is_primary=True
    )
    every(world, quiet, 7, 4, last=TODAY - timedelta(days=40))
    steady = world.customer("小陈")
    every(world, steady, 7, 4, last=TODAY - timedelta(days=3))
    report = customer_report(
        company=world.company, period=Period(TODAY - timedelta(days=29), TODAY), today=TODAY
    )
    assert [(d.activity.name, d.usual_days, d.silent_days, d.phone) for d in report.dormant] == [
        ("老王", 7.0, 40 + 1, "13900001111")
    ]


def test_households_about_to_run_out_are_listed_for_today(world: World) -> None:
    due = world.customer("张阿姨")
    every(world, due, 10, 4, units=2, last=TODAY - timedelta(days=9))  # 5 days a unit: tomorrow
    later = world.customer("李叔")
    every(world, later, 10, 4, units=2, last=TODAY - timedelta(days=5))
    gas_only_once = world.customer("赵姐")
    world.order(TODAY - timedelta(days=30), customer=gas_only_once, lines=[(world.gas, 1, 12000)])
    report = customer_report(
        company=world.company, period=Period(TODAY - timedelta(days=29), TODAY), today=TODAY
    )
    assert [(r.name, r.runs_out_on) for r in report.running_out] == [
        ("张阿姨", TODAY + timedelta(days=1))
    ]


def test_new_and_returning_customers_in_the_period(world: World) -> None:
    old = world.customer()
    world.order(TODAY - timedelta(days=60), customer=old)
    world.order(TODAY, customer=old)
    world.order(TODAY)  # a new customer
    report = customer_report(company=world.company, period=Period(TODAY, TODAY), today=TODAY)
    assert (report.new, report.returning) == (1, 1)


def test_the_page_asks_a_fixed_number_of_queries(world: World, owner_client) -> None:  # type: ignore[no-untyped-def]
    url = reverse("reports:customers")
    with CaptureQueriesContext(connection) as empty:
        owner_client.get(url, query(TODAY - timedelta(days=29), TODAY))
    every(world, world.customer(), 10, 4, units=2, last=TODAY - timedelta(days=19))
    every(world, world.customer(), 7, 4, last=TODAY - timedelta(days=40))
    with CaptureQueriesContext(connection) as full:
        response = owner_client.get(url, query(TODAY - timedelta(days=29), TODAY))
    assert response.status_code == 200
    assert len(full) == len(empty)
