from __future__ import annotations

from datetime import date, datetime, time
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.catalog.models import Product, TicketPackage
from apps.fleet.models import (
    CommissionSettings,
    CourierAction,
    CourierPosition,
    PlanStatus,
    RoutePlan,
    RouteStop,
    Shift,
    Vehicle,
)
from apps.orders.models import Order, OrderStatus
from apps.org.models import Company, Depot, Role, StaffMember, User


def _counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (
            Company,
            Depot,
            StaffMember,
            User,
            Product,
            TicketPackage,
            Order,
            Vehicle,
            Shift,
            CourierPosition,
            RoutePlan,
        )
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("working_hours")
def test_the_demo_builds_a_believable_world_idempotently(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = _counts()
    call_command("seed_demo", stdout=StringIO())
    assert _counts() == first
    water = Company.objects.get(name="清泉水站")
    assert Depot.objects.filter(company=water).count() == 2
    couriers = StaffMember.objects.filter(company=water, role=Role.COURIER)
    assert couriers.count() == 8
    assert {s.role for s in StaffMember.objects.filter(company=water)} == set(Role.values)
    assert Company.objects.filter(name="晨光鲜奶").exists()
    for username in ("owner", "dispatcher", "courier", "accountant", "dairy"):
        assert User.objects.get(username=username).check_password("songda123")
        assert username in out.getvalue()
    assert Product.objects.filter(
        company=water, category="gas", required_skill="gas_certified"
    ).exists()
    assert Vehicle.objects.filter(company=water).count() == 8
    today = Shift.objects.filter(company=water, date=timezone.localdate())
    assert set(today.values_list("courier", flat=True)) == set(
        couriers.values_list("pk", flat=True)
    )
    out_for_delivery = Order.objects.filter(company=water, status=OrderStatus.OUT_FOR_DELIVERY)
    assert out_for_delivery.exists()
    for order in out_for_delivery:
        assert CourierPosition.objects.filter(courier=order.courier).count() >= 2
    published = RoutePlan.objects.filter(company=water, status=PlanStatus.PUBLISHED)
    assert published.exists()
    assert RouteStop.objects.filter(plan__in=published).exclude(courier=None).exists()
    # Couriers on shift have worked part of their route on the phone.
    worked = CourierAction.objects.filter(company=water, outcome="applied")
    assert {"deliver", "fail", "arrive"} <= set(worked.values_list("kind", flat=True))
    assert CommissionSettings.objects.filter(company=water).exists()


@pytest.mark.django_db
def test_the_demo_refuses_to_run_without_debug(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())
    assert Company.objects.count() == 0


@pytest.mark.django_db
def test_if_empty_leaves_a_used_database_alone(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    Company.objects.create(name="真实的水站")
    call_command("seed_demo", "--if-empty", stdout=StringIO())
    assert list(Company.objects.values_list("name", flat=True)) == ["真实的水站"]


@pytest.mark.django_db
def test_a_demo_built_in_the_evening_still_has_couriers_for_todays_orders(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    evening = datetime.combine(date.today(), time(17, 15), tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(evening, tick=True):
        call_command("seed_demo", stdout=StringIO())
        water = Company.objects.get(name="清泉水站")
        still_to_go = Order.objects.filter(
            company=water,
            status__in=[OrderStatus.PENDING, OrderStatus.ASSIGNED],
            window_start__date=timezone.localdate(),
        )
        latest_window_end = timezone.localtime(max(o.window_end for o in still_to_go)).time()
        shifts = Shift.objects.filter(company=water, date=timezone.localdate(), status="on")
        assert shifts.exists()
        assert all(shift.ends_at >= latest_window_end for shift in shifts)
        assert all(
            depot.closes_at >= latest_window_end for depot in Depot.objects.filter(company=water)
        )
        assert Order.objects.filter(company=water, status=OrderStatus.OUT_FOR_DELIVERY).exists()
