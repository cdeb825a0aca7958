"""The courier's phone reports where it is: ``POST /fleet/positions/`` with JSON.

The phone is signed in as the courier (a session, with the CSRF token in the
``X-CSRFToken`` header) and works a shift today. The body is one position or
many (a phone that lost signal sends what it kept, in any order)::

    {"latitude": 30.2741, "longitude": 120.1551, "accuracy_m": 12,
     "recorded_at": "2025-05-04T09:30:00+08:00"}
    {"positions": [{…}, {…}]}

``recorded_at`` is ISO 8601 or milliseconds since 1970 (what a browser's
Geolocation API gives). The answer says how many were stored, how many had
been stored before, and which were refused and why (by their index)::

    {"stored": 2, "duplicates": 0, "rejected": [{"index": 1, "errors": ["…"]}]}

A position is always the signed-in courier's own: the body cannot name another.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.fleet.models import Shift, ShiftStatus
from apps.fleet.services.positions import PositionData, positions_record_batch
from apps.org.models import Role, StaffMember

MAX_BATCH = 1000
REPORTING = (ShiftStatus.ON, ShiftStatus.BREAK, ShiftStatus.ENDED)


class BadPosition(ValueError):
    pass


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


def _recorded_at(value: Any) -> datetime:
    if isinstance(value, bool):
        raise BadPosition(_("recorded_at is not a time."))
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError) as error:
            raise BadPosition(_("recorded_at is not a time.")) from error
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError as error:
            raise BadPosition(_("recorded_at is not a time.")) from error
    raise BadPosition(_("recorded_at is missing."))


def _position(raw: Any) -> PositionData:
    if not isinstance(raw, dict):
        raise BadPosition(_("A position must be an object."))
    for name in ("latitude", "longitude"):
        if isinstance(raw.get(name), bool) or not isinstance(raw.get(name), int | float | str):
            raise BadPosition(_("%(name)s is missing.") % {"name": name})
    accuracy = raw.get("accuracy_m")
    if accuracy is not None and (
        isinstance(accuracy, bool) or not isinstance(accuracy, int | float)
    ):
        raise BadPosition(_("accuracy_m is not a number."))
    return PositionData(
        latitude=raw["latitude"],
        longitude=raw["longitude"],
        recorded_at=_recorded_at(raw.get("recorded_at")),
        accuracy_m=round(accuracy) if accuracy is not None else None,
    )


def _items(body: Any) -> list[Any]:
    if isinstance(body, list):
        return body
    if isinstance(body, dict) and "positions" in body:
        if not isinstance(body["positions"], list):
            raise BadPosition(_("positions must be a list."))
        return body["positions"]
    return [body]


def _works_today(courier: StaffMember) -> bool:
    return Shift.objects.filter(
        courier=courier, date=timezone.localdate(), status__in=REPORTING
    ).exists()


@require_POST
def positions_post(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        return _error(_("Log in first."), 401)
    courier: StaffMember | None = getattr(request, "staff", None)
    if courier is None or courier.role != Role.COURIER:
        return _error(_("Only couriers report positions."), 403)
    if not _works_today(courier):
        return _error(_("Start your shift first."), 403)
    try:
        items = _items(json.loads(request.body or b"null"))
    except (ValueError, BadPosition) as error:
        return _error(
            str(error) if isinstance(error, BadPosition) else _("The body is not JSON."), 400
        )
    if not items or len(items) > MAX_BATCH:
        return _error(_("Send between 1 and %(most)s positions.") % {"most": MAX_BATCH}, 400)
    parsed: list[tuple[int, PositionData]] = []
    rejected: list[dict[str, Any]] = []
    for index, raw in enumerate(items):
        try:
            parsed.append((index, _position(raw)))
        except BadPosition as error:
            rejected.append({"index": index, "errors": [str(error)]})
    result = positions_record_batch(courier=courier, positions=[data for _i, data in parsed])
    rejected += [{"index": parsed[i][0], "errors": errors} for i, errors in result.rejected]
    rejected.sort(key=lambda row: row["index"])
    status = 400 if rejected and not result.stored and not result.duplicates else 200
    return JsonResponse(
        {"stored": len(result.stored), "duplicates": result.duplicates, "rejected": rejected},
        status=status,
    )
