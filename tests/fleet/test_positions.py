"""Courier positions: validation, offline batches, the phone's endpoint and the retention job."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from apps.fleet.models import CourierPosition, Shift, ShiftStatus
from apps.fleet.services import positions as positions_service
from apps.fleet.services.positions import (
    PositionData,
    position_record,
    positions_purge,
    positions_record_batch,
)
from apps.org.models import Role, StaffMember
from tests.conftest import Team
from tests.fleet.conftest import DEPOT_LAT, DEPOT_LNG, FleetWorld, make_fleet_world

pytestmark = pytest.mark.django_db

URL = "fleet:positions_post"


def _fix(minutes_ago: float = 0, *, lat: Any = DEPOT_LAT, lng: Any = DEPOT_LNG) -> PositionData:
    return PositionData(
        latitude=lat,
        longitude=lng,
        recorded_at=timezone.now() - timedelta(minutes=minutes_ago),
        accuracy_m=10,
    )


def test_a_position_is_stored_for_the_couriers_company(fw: FleetWorld) -> None:
    courier = fw.couriers[0]
    at = timezone.now() - timedelta(seconds=5)
    row = position_record(
        courier=courier, latitude=30.2741234, longitude="120.1551", accuracy_m=8, recorded_at=at
    )
    row.refresh_from_db()
    assert (row.company_id, row.courier_id) == (fw.company.pk, courier.pk)
    assert row.latitude == Decimal("30.274123")
    assert (row.accuracy_m, row.recorded_at) == (8, at)


@pytest.mark.parametrize(
    ("lat", "lng", "message"),
    [
        (48.8566, 2.3522, "outside China"),
        (30.27, 190, "outside China"),
        ("north", 120.15, "not a number"),
        ("NaN", 120.15, "not a number"),
    ],
)
def test_a_position_outside_china_or_not_a_number_is_refused(
    fw: FleetWorld, lat: Any, lng: Any, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        position_record(
            courier=fw.couriers[0], latitude=lat, longitude=lng, recorded_at=timezone.now()
        )
    assert refused.value.messages
    assert not CourierPosition.objects.exists()


def test_a_position_from_the_future_is_refused_but_a_little_clock_skew_is_fine(
    fw: FleetWorld,
) -> None:
    courier = fw.couriers[0]
    with pytest.raises(ValidationError):
        position_record(
            courier=courier,
            latitude=DEPOT_LAT,
            longitude=DEPOT_LNG,
            recorded_at=timezone.now() + timedelta(minutes=10),
        )
    position_record(
        courier=courier,
        latitude=DEPOT_LAT,
        longitude=DEPOT_LNG,
        recorded_at=timezone.now() + timedelta(seconds=40),
    )
    assert CourierPosition.objects.count() == 1


def test_a_position_older_than_the_retention_and_a_silly_accuracy_are_refused(
    fw: FleetWorld,
) -> None:
    result = positions_record_batch(
        courier=fw.couriers[0],
        positions=[
            _fix(60 * 24 * 31),
            PositionData(DEPOT_LAT, DEPOT_LNG, timezone.now(), accuracy_m=-3),
            _fix(1),
        ],
    )
    assert [index for index, _messages in result.rejected] == [0, 1]
    assert len(result.stored) == 1


def test_only_an_active_courier_reports_positions(fw: FleetWorld) -> None:
    dispatcher = StaffMember.objects.get(user=fw.team.users[Role.DISPATCHER])
    with pytest.raises(ValidationError):
        positions_record_batch(courier=dispatcher, positions=[_fix()])
    gone = fw.couriers[0]
    StaffMember.objects.filter(pk=gone.pk).update(is_active=False)
    gone.refresh_from_db()
    with pytest.raises(ValidationError):
        positions_record_batch(courier=gone, positions=[_fix()])
    assert not CourierPosition.objects.exists()


def test_an_offline_batch_in_any_order_is_stored_once_and_the_newest_is_latest(
    fw: FleetWorld,
) -> None:
    courier = fw.couriers[0]
    batch = [_fix(3), _fix(9), _fix(1), _fix(6)]
    first = positions_record_batch(courier=courier, positions=batch)
    assert len(first.stored) == 4
    again = positions_record_batch(courier=courier, positions=[*batch, batch[0]])
    assert (len(again.stored), again.duplicates) == (0, 5)
    assert CourierPosition.objects.filter(courier=courier).count() == 4
    from apps.fleet.selectors.positions import latest_position

    latest = latest_position(courier_id=courier.pk)
    assert latest is not None and latest.recorded_at == batch[2].recorded_at


def test_a_new_position_refreshes_the_couriers_etas_after_commit(
    fw: FleetWorld, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(
        positions_service, "courier_etas_refresh", lambda **kwargs: calls.append(kwargs) or 0
    )
    courier = fw.couriers[0]
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        positions_record_batch(courier=courier, positions=[_fix(1)], now=now)
    assert calls == [{"courier": courier, "now": now}]
    with django_capture_on_commit_callbacks(execute=True):
        positions_record_batch(courier=courier, positions=[_fix(1)] * 0, now=now)
    assert len(calls) == 1


# The phone's endpoint -----------------------------------------------------------


def _phone(team: Team) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.users[Role.COURIER])
    client.get(reverse("fleet:courier_today"))  # sets the CSRF cookie like the page does
    return client


def _post(client: Client, body: Any, *, csrf: bool = True) -> Any:
    token = client.cookies["csrftoken"].value if csrf and "csrftoken" in client.cookies else ""
    return client.post(
        reverse(URL),
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-CSRFToken": token} if token else {},
    )


def _on_shift(fw: FleetWorld) -> StaffMember:
    """The team's own courier (the one who logs in) on shift today."""
    courier = StaffMember.objects.get(user=fw.team.users[Role.COURIER], company=fw.company)
    Shift.objects.create(
        company=fw.company,
        courier=courier,
        depot=fw.depot,
        date=timezone.localdate(),
        starts_at=datetime.min.time(),
        ends_at=datetime.max.time().replace(microsecond=0),
        status=ShiftStatus.ON,
    )
    return courier


def _body(minutes_ago: float = 0, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "latitude": 30.2741,
        "longitude": 120.1551,
        "accuracy_m": 12.4,
        "recorded_at": (timezone.now() - timedelta(minutes=minutes_ago)).isoformat(),
    }
    body.update(changes)
    return body


def test_the_phone_posts_one_position(fw: FleetWorld) -> None:
    courier = _on_shift(fw)
    response = _post(_phone(fw.team), _body())
    assert response.status_code == 200
    assert response.json() == {"stored": 1, "duplicates": 0, "rejected": []}
    row = CourierPosition.objects.get()
    assert (row.courier_id, row.company_id, row.accuracy_m) == (courier.pk, fw.company.pk, 12)


def test_the_phone_posts_a_batch_with_a_bad_fix_and_milliseconds(fw: FleetWorld) -> None:
    _on_shift(fw)
    millis = int((timezone.now() - timedelta(minutes=2)).timestamp() * 1000)
    body = {
        "positions": [
            _body(5),
            _body(latitude=1.0),
            _body(recorded_at=millis),
            "nonsense",
            _body(recorded_at="yesterday-ish"),
        ]
    }
    response = _post(_phone(fw.team), body)
    data = response.json()
    assert response.status_code == 200
    assert data["stored"] == 2
    assert [row["index"] for row in data["rejected"]] == [1, 3, 4]
    assert all(row["errors"] for row in data["rejected"])
    assert CourierPosition.objects.count() == 2


def test_a_batch_with_nothing_usable_is_a_bad_request(fw: FleetWorld) -> None:
    _on_shift(fw)
    client = _phone(fw.team)
    assert _post(client, [_body(latitude=99.0)]).status_code == 400
    assert _post(client, []).status_code == 400
    assert _post(client, {"positions": "all of them"}).status_code == 400
    response = client.post(
        reverse(URL),
        data="{not json",
        content_type="application/json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )
    assert response.status_code == 400
    assert not CourierPosition.objects.exists()


def test_the_endpoint_wants_a_csrf_token(fw: FleetWorld) -> None:
    _on_shift(fw)
    response = _post(_phone(fw.team), _body(), csrf=False)
    assert response.status_code == 403
    assert not CourierPosition.objects.exists()


def test_the_endpoint_wants_a_signed_in_courier_on_shift(fw: FleetWorld) -> None:
    anonymous = Client()
    assert anonymous.post(reverse(URL), _body(), content_type="application/json").status_code == 401
    dispatcher = fw.team.client_for(Role.DISPATCHER)
    assert (
        dispatcher.post(reverse(URL), _body(), content_type="application/json").status_code == 403
    )
    assert anonymous.get(reverse(URL)).status_code == 405
    # The courier has no shift today yet.
    assert _post(_phone(fw.team), _body()).status_code == 403
    assert not CourierPosition.objects.exists()


def test_another_companys_courier_cannot_post_as_ours(fw: FleetWorld, other_team: Team) -> None:
    ours = _on_shift(fw)
    theirs = make_fleet_world(other_team)
    stranger = StaffMember.objects.get(user=other_team.users[Role.COURIER])
    Shift.objects.create(
        company=theirs.company,
        courier=stranger,
        depot=theirs.depot,
        date=timezone.localdate(),
        starts_at=datetime.min.time(),
        ends_at=datetime.max.time().replace(microsecond=0),
        status=ShiftStatus.ON,
    )
    response = _post(_phone(other_team), {**_body(), "courier": ours.pk, "company": fw.company.pk})
    assert response.status_code == 200
    row = CourierPosition.objects.get()
    assert (row.courier_id, row.company_id) == (stranger.pk, other_team.company.pk)
    assert not CourierPosition.objects.filter(company=fw.company).exists()


# Retention ------------------------------------------------------------------------


def test_the_purge_forgets_positions_older_than_the_retention(
    fw: FleetWorld, settings: Any
) -> None:
    settings.POSITION_RETENTION_DAYS = 30
    courier = fw.couriers[0]
    now = timezone.now()
    positions_record_batch(courier=courier, positions=[_fix(5), _fix(60 * 24 * 29)], now=now)
    old = CourierPosition.objects.create(
        company=fw.company,
        courier=courier,
        latitude=DEPOT_LAT,
        longitude=DEPOT_LNG,
        recorded_at=now - timedelta(days=31),
    )
    assert positions_purge(now=now) == 1
    assert not CourierPosition.objects.filter(pk=old.pk).exists()
    assert CourierPosition.objects.count() == 2
    assert positions_purge(now=now) == 0
    assert positions_purge(now=now, days=1) == 1


def test_the_purge_runs_daily_by_schedule() -> None:
    schedule = Schedule.objects.get(name="fleet-positions-purge")
    assert schedule.func == "apps.fleet.services.positions.positions_purge"
    assert schedule.schedule_type == Schedule.DAILY
    assert positions_purge() == 0  # what the scheduler calls: no arguments
