"""Vehicles, shifts and dispatch settings: the owner's and dispatcher's set-up pages and services."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.fleet.models import DispatchPolicy, DispatchSettings, Shift, ShiftStatus, Vehicle
from apps.fleet.services.setup import (
    shift_break,
    shift_create,
    shift_delete,
    shift_end,
    shift_start,
    shift_update,
    vehicle_deactivate,
)
from apps.org.models import Role, Skill, StaffMember
from tests.factories import DepotFactory
from tests.fleet.conftest import FleetWorld
from tests.orders.conftest import make_courier

pytestmark = pytest.mark.django_db


def _owner(fw: FleetWorld) -> Client:
    return fw.team.client_for(Role.OWNER)


def _dispatcher(fw: FleetWorld) -> Client:
    return fw.team.client_for(Role.DISPATCHER)


def _vehicle_data(fw: FleetWorld, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "面包车 1",
        "kind": "van",
        "plate": "浙a-88888",
        "capacity_units": "40",
        "depot": fw.depot.pk,
    }
    data.update(changes)
    return data


def _tomorrow() -> date:
    return timezone.localdate() + timedelta(days=1)


def _shift_data(fw: FleetWorld, courier: StaffMember, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "courier": courier.pk,
        "depot": fw.depot.pk,
        "vehicle": "",
        "date": _tomorrow().isoformat(),
        "starts_at": "08:00",
        "ends_at": "17:00",
        "break_minutes": "60",
    }
    data.update(changes)
    return data


# Vehicles ---------------------------------------------------------------------


def test_the_owner_adds_a_vehicle_and_finds_it_in_the_list(fw: FleetWorld) -> None:
    client = _owner(fw)
    response = client.post(reverse("fleet:vehicle_create"), _vehicle_data(fw))
    assert response.status_code == 302
    vehicle = Vehicle.objects.get(name="面包车 1")
    assert (vehicle.company, vehicle.depot, vehicle.capacity_units) == (fw.company, fw.depot, 40)
    assert vehicle.plate == "浙A-88888"
    listing = client.get(reverse("fleet:vehicle_list")).content.decode()
    assert "面包车 1" in listing and "浙A-88888" in listing


def test_a_vehicle_without_capacity_is_refused_in_chinese_and_nothing_is_saved(
    fw: FleetWorld,
) -> None:
    before = Vehicle.objects.count()
    response = _owner(fw).post(
        reverse("fleet:vehicle_create"), _vehicle_data(fw, capacity_units="0")
    )
    assert response.status_code == 200
    assert "确保该值大于或等于1" in response.content.decode()
    assert Vehicle.objects.count() == before


def test_a_second_vehicle_with_the_same_name_is_refused_with_a_message(fw: FleetWorld) -> None:
    name = fw.vehicles[0].name
    response = _owner(fw).post(reverse("fleet:vehicle_create"), _vehicle_data(fw, name=name))
    assert "同名的车辆已存在" in response.content.decode()
    assert Vehicle.objects.filter(name=name).count() == 1


def test_the_owner_edits_a_vehicle(fw: FleetWorld) -> None:
    vehicle = fw.vehicles[0]
    _owner(fw).post(
        reverse("fleet:vehicle_edit", args=[vehicle.pk]),
        _vehicle_data(fw, name="三轮车 甲", capacity_units="14", kind="e_trike"),
    )
    vehicle.refresh_from_db()
    assert (vehicle.name, vehicle.capacity_units) == ("三轮车 甲", 14)


def test_a_dispatcher_sees_vehicles_but_may_not_change_them(fw: FleetWorld) -> None:
    client = _dispatcher(fw)
    listing = client.get(reverse("fleet:vehicle_list")).content.decode()
    assert fw.vehicles[0].name in listing
    assert reverse("fleet:vehicle_create") not in listing
    assert client.post(reverse("fleet:vehicle_create"), _vehicle_data(fw)).status_code == 403
    vehicle = fw.vehicles[0]
    assert client.post(reverse("fleet:vehicle_deactivate", args=[vehicle.pk])).status_code == 403
    vehicle.refresh_from_db()
    assert vehicle.is_active


def test_a_vehicle_on_todays_shift_stays_in_service_with_a_message(fw: FleetWorld) -> None:
    vehicle = fw.vehicles[0]
    response = _owner(fw).post(reverse("fleet:vehicle_deactivate", args=[vehicle.pk]), follow=True)
    vehicle.refresh_from_db()
    assert vehicle.is_active
    assert "仍在班次上" in response.content.decode()


def test_a_free_vehicle_goes_out_of_service_and_back(fw: FleetWorld) -> None:
    vehicle = fw.vehicles[0]
    Shift.objects.filter(vehicle=vehicle).update(status=ShiftStatus.ENDED)
    client = _owner(fw)
    client.post(reverse("fleet:vehicle_deactivate", args=[vehicle.pk]))
    vehicle.refresh_from_db()
    assert not vehicle.is_active
    client.post(reverse("fleet:vehicle_reactivate", args=[vehicle.pk]))
    vehicle.refresh_from_db()
    assert vehicle.is_active


def test_an_out_of_service_vehicle_cannot_go_on_a_shift(fw: FleetWorld) -> None:
    vehicle = fw.vehicles[0]
    Shift.objects.filter(vehicle=vehicle).delete()
    vehicle = vehicle_deactivate(vehicle=vehicle)
    with pytest.raises(ValidationError) as refused:
        shift_create(
            company=fw.company,
            courier=make_courier(fw.ow),
            depot=fw.depot,
            vehicle=vehicle,
            date=_tomorrow(),
            starts_at=time(8),
            ends_at=time(12),
        )
    assert "vehicle" in refused.value.message_dict


# Shifts -----------------------------------------------------------------------


def test_a_dispatcher_plans_a_shift_and_sees_it_in_the_week(fw: FleetWorld) -> None:
    courier = make_courier(fw.ow, skills=[Skill.GAS_CERTIFIED])
    client = _dispatcher(fw)
    response = client.post(
        reverse("fleet:shift_create"),
        _shift_data(fw, courier, vehicle=fw.vehicles[0].pk, starts_at="06:00", ends_at="07:30"),
    )
    assert response.status_code == 302
    shift = Shift.objects.get(courier=courier)
    assert (shift.date, shift.starts_at, shift.break_minutes) == (_tomorrow(), time(6), 60)
    assert shift.status == ShiftStatus.PLANNED
    week = client.get(response["Location"]).content.decode()
    assert "06:00–07:30" in week
    assert courier.user.display_name in week
    assert "燃气上岗证" in week or str(Skill.GAS_CERTIFIED.label) in week


def test_a_second_shift_on_the_same_day_names_the_courier_and_the_first_shift(
    fw: FleetWorld,
) -> None:
    courier = make_courier(fw.ow)
    client = _dispatcher(fw)
    client.post(reverse("fleet:shift_create"), _shift_data(fw, courier))
    response = client.post(
        reverse("fleet:shift_create"), _shift_data(fw, courier, starts_at="18:00", ends_at="20:00")
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert f"{courier.user.display_name} 在 " in text
    assert "已有班次（08:00–17:00）" in text
    assert Shift.objects.filter(courier=courier).count() == 1


def test_the_service_refuses_a_second_shift_on_the_same_day(fw: FleetWorld) -> None:
    courier = fw.couriers[0]
    with pytest.raises(ValidationError) as refused:
        shift_create(
            company=fw.company,
            courier=courier,
            depot=fw.depot,
            date=timezone.localdate(),
            starts_at=time(6),
            ends_at=time(7),
        )
    assert list(refused.value.message_dict) == ["date"]


def test_a_vehicle_cannot_be_out_twice_at_the_same_time(fw: FleetWorld) -> None:
    busy = fw.shifts[0]
    response = _dispatcher(fw).post(
        reverse("fleet:shift_create"),
        _shift_data(
            fw,
            make_courier(fw.ow),
            vehicle=busy.vehicle_id,
            date=busy.date.isoformat(),
            starts_at="19:00",
            ends_at="21:00",
        ),
    )
    assert busy.courier.user.display_name in response.content.decode()
    assert "已被" in response.content.decode()
    assert Shift.objects.filter(vehicle_id=busy.vehicle_id).count() == 1


def test_a_vehicle_of_another_depot_is_refused(fw: FleetWorld) -> None:
    elsewhere = DepotFactory(company=fw.company, name="城西站")
    response = _dispatcher(fw).post(
        reverse("fleet:shift_create"),
        _shift_data(fw, make_courier(fw.ow), depot=elsewhere.pk, vehicle=fw.vehicles[0].pk),
    )
    assert "属于站点" in response.content.decode()
    assert not Shift.objects.filter(depot=elsewhere).exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"starts_at": "17:00", "ends_at": "08:00"}, "ends_at", "班次必须在结束前开始"),
        (
            {"starts_at": "08:00", "ends_at": "09:00", "break_minutes": "60"},
            "break_minutes",
            "休息",
        ),
        ({"date": "2020-01-06"}, "date", "已经过去"),
    ],
)
def test_a_shift_that_makes_no_sense_is_refused_in_chinese(
    fw: FleetWorld, changes: dict[str, str], field: str, message: str
) -> None:
    courier = make_courier(fw.ow)
    response = _dispatcher(fw).post(
        reverse("fleet:shift_create"), _shift_data(fw, courier, **changes)
    )
    form = response.context["form"]
    assert field in form.errors
    assert message in response.content.decode()
    assert not Shift.objects.filter(courier=courier).exists()


def test_the_shift_form_offers_only_this_companys_couriers_with_their_skills(
    fw: FleetWorld, other_team: object
) -> None:
    gas = make_courier(fw.ow, skills=[Skill.GAS_CERTIFIED])
    page = _dispatcher(fw).get(reverse("fleet:shift_create")).content.decode()
    assert (
        f"{gas.user.display_name}（{Skill.GAS_CERTIFIED.label}）" in page
        or gas.user.display_name in page
    )
    stranger = StaffMember.objects.exclude(company=fw.company).filter(role=Role.COURIER).first()
    assert stranger is not None
    assert f'value="{stranger.pk}"' not in page.split('name="courier"')[1].split("</select>")[0]


def test_a_planned_shift_can_be_edited_and_deleted(fw: FleetWorld) -> None:
    courier = make_courier(fw.ow)
    shift = shift_create(
        company=fw.company,
        courier=courier,
        depot=fw.depot,
        date=_tomorrow(),
        starts_at=time(8),
        ends_at=time(12),
    )
    client = _dispatcher(fw)
    client.post(
        reverse("fleet:shift_edit", args=[shift.pk]), _shift_data(fw, courier, ends_at="13:30")
    )
    shift.refresh_from_db()
    assert shift.ends_at == time(13, 30)
    client.post(reverse("fleet:shift_delete", args=[shift.pk]))
    assert not Shift.objects.filter(pk=shift.pk).exists()


def test_a_started_shift_is_not_deleted_and_keeps_its_courier_and_day(fw: FleetWorld) -> None:
    shift = fw.shifts[0]
    client = _dispatcher(fw)
    response = client.post(reverse("fleet:shift_delete", args=[shift.pk]), follow=True)
    assert "只能删除计划中的班次" in response.content.decode()
    assert Shift.objects.filter(pk=shift.pk).exists()
    with pytest.raises(ValidationError):
        shift_update(
            shift=shift,
            courier=fw.couriers[1] if shift.courier != fw.couriers[1] else fw.couriers[0],
            depot=fw.depot,
            date=shift.date,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
        )
    # The end time of a running shift may still move.
    shift_update(
        shift=shift,
        courier=shift.courier,
        depot=fw.depot,
        vehicle=shift.vehicle,
        date=shift.date,
        starts_at=shift.starts_at,
        ends_at=time(21),
    )
    shift.refresh_from_db()
    assert shift.ends_at == time(21)


def test_an_ended_shift_does_not_change(fw: FleetWorld) -> None:
    shift = shift_end(shift=fw.shifts[0])
    with pytest.raises(ValidationError) as refused:
        shift_update(
            shift=shift,
            courier=shift.courier,
            depot=fw.depot,
            vehicle=shift.vehicle,
            date=shift.date,
            starts_at=shift.starts_at,
            ends_at=time(21),
        )
    assert "已经结束" in " ".join(refused.value.messages)
    with pytest.raises(ValidationError):
        shift_delete(shift=shift)


def test_a_shift_starts_breaks_resumes_and_ends(fw: FleetWorld) -> None:
    shift = shift_create(
        company=fw.company,
        courier=make_courier(fw.ow),
        depot=fw.depot,
        date=timezone.localdate(),
        starts_at=time(0, 1),
        ends_at=time(23, 59),
    )
    now = timezone.now()
    started = shift_start(shift=shift, now=now)
    assert (started.status, started.started_at) == (ShiftStatus.ON, now)
    assert shift_start(shift=shift).started_at == now  # pressed twice: nothing changes
    lunch = now + timedelta(hours=4)
    on_break = shift_break(shift=shift, now=lunch)
    assert (on_break.status, on_break.break_started_at) == (ShiftStatus.BREAK, lunch)
    assert shift_break(shift=shift).break_started_at == lunch  # pressed twice
    resumed = shift_start(shift=shift)
    assert (resumed.status, resumed.started_at) == (ShiftStatus.ON, now)
    assert resumed.break_started_at == lunch  # the break is behind him
    shift_break(shift=shift)
    ended = shift_end(shift=shift, now=now + timedelta(hours=8))
    assert (ended.status, ended.ended_at) == (ShiftStatus.ENDED, now + timedelta(hours=8))
    assert shift_end(shift=shift).ended_at == now + timedelta(hours=8)


def test_illegal_shift_moves_are_refused_with_a_reason(fw: FleetWorld) -> None:
    planned = shift_create(
        company=fw.company,
        courier=make_courier(fw.ow),
        depot=fw.depot,
        date=_tomorrow(),
        starts_at=time(8),
        ends_at=time(12),
    )
    with pytest.raises(ValidationError, match="不是今天"):
        shift_start(shift=planned)
    with pytest.raises(ValidationError, match="计划中"):
        shift_break(shift=planned)
    with pytest.raises(ValidationError, match="计划中"):
        shift_end(shift=planned)
    ended = shift_end(shift=fw.shifts[0])
    with pytest.raises(ValidationError):
        shift_start(shift=ended)
    with pytest.raises(ValidationError):
        shift_break(shift=ended)
    assert Shift.objects.get(pk=planned.pk).status == ShiftStatus.PLANNED


def test_the_fleet_page_shows_who_works_today(fw: FleetWorld) -> None:
    page = _dispatcher(fw).get(reverse("fleet:index")).content.decode()
    assert f'href="{reverse("fleet:index")}" class="active"' in page
    for courier in fw.couriers:
        assert courier.user.display_name in page
    assert fw.vehicles[0].name in page
    assert fw.courier.user.display_name in page  # off today, listed as such


def test_the_courier_list_shows_skills_and_todays_shift(fw: FleetWorld) -> None:
    gas = make_courier(fw.ow, skills=[Skill.GAS_CERTIFIED, Skill.STAIRS])
    page = _dispatcher(fw).get(reverse("fleet:courier_list")).content.decode()
    assert gas.user.display_name in page
    assert str(Skill.STAIRS.label) in page or "能爬楼" in page
    assert "08:00–20:00" in page


def test_the_week_grid_moves_by_week_and_answers_a_bad_week_with_this_one(
    fw: FleetWorld,
) -> None:
    client = _dispatcher(fw)
    today = timezone.localdate()
    this_week = client.get(reverse("fleet:shift_list"), {"week": "nonsense"})
    assert this_week.context["week"].monday == today - timedelta(days=today.weekday())
    later = client.get(
        reverse("fleet:shift_list"), {"depot": fw.depot.pk, "week": _tomorrow().isoformat()}
    )
    assert later.context["week"].monday.weekday() == 0


# Dispatch settings ------------------------------------------------------------


def test_the_owner_sets_how_a_depot_dispatches(fw: FleetWorld) -> None:
    client = _owner(fw)
    url = reverse("fleet:dispatch_settings")
    page = client.get(url, {"depot": fw.depot.pk})
    assert page.status_code == 200
    assert not DispatchSettings.objects.exists()
    data = {
        "depot": fw.depot.pk,
        "policy": DispatchPolicy.GRAB,
        "grab_radius_km": "3.5",
        "grab_timeout_minutes": "4",
        "max_open_orders": "12",
    }
    assert client.post(url, data).status_code == 302
    row = DispatchSettings.objects.get(depot=fw.depot)
    assert (row.company, row.policy, row.grab_radius_km) == (
        fw.company,
        DispatchPolicy.GRAB,
        Decimal("3.5"),
    )
    client.post(url, {**data, "policy": DispatchPolicy.AUTO})
    assert DispatchSettings.objects.get(depot=fw.depot).policy == DispatchPolicy.AUTO
    assert DispatchSettings.objects.count() == 1


def test_dispatch_settings_out_of_range_are_explained_and_not_saved(fw: FleetWorld) -> None:
    response = _owner(fw).post(
        reverse("fleet:dispatch_settings"),
        {
            "depot": fw.depot.pk,
            "policy": DispatchPolicy.NEAREST,
            "grab_radius_km": "0",
            "grab_timeout_minutes": "5",
            "max_open_orders": "30",
        },
    )
    assert response.status_code == 200
    assert "确保该值大于或等于0.1" in response.content.decode()
    assert not DispatchSettings.objects.exists()


def test_a_dispatcher_may_not_change_dispatch_settings(fw: FleetWorld) -> None:
    response = _dispatcher(fw).post(
        reverse("fleet:dispatch_settings"), {"depot": fw.depot.pk, "policy": "auto"}
    )
    assert response.status_code == 403
    assert not DispatchSettings.objects.exists()
