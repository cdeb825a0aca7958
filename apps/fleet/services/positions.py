"""Courier positions: the phone reports, we append; a daily job forgets old ones.

A phone without signal keeps its fixes and sends them later in one batch, in
whatever order it has them. A batch sent twice (the answer was lost on the way
back) stores nothing the second time: a courier's fix is known by its time.
One bad fix in a batch is reported by its index and does not hold back the
others, so a phone never retries a batch forever. New fixes refresh the ETAs
of the courier's remaining stops after commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.geo import validate_latitude_in_china, validate_longitude_in_china
from apps.fleet.models import CourierPosition
from apps.fleet.services.eta import courier_etas_refresh
from apps.org.models import Company, Role, StaffMember

# A phone's clock may run a little ahead of ours.
CLOCK_SKEW = timedelta(minutes=2)
MAX_ACCURACY_M = 50_000
MICRODEGREE = Decimal("0.000001")
PURGE_CHUNK = 5000


@dataclass(frozen=True)
class PositionData:
    latitude: Decimal | float | str
    longitude: Decimal | float | str
    recorded_at: datetime
    accuracy_m: int | None = None


@dataclass
class BatchResult:
    stored: list[CourierPosition] = field(default_factory=list)
    duplicates: int = 0
    rejected: list[tuple[int, list[str]]] = field(default_factory=list)


def _coordinate(value: Decimal | float | str, name: str) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(MICRODEGREE)
    except (InvalidOperation, ValueError) as error:
        raise ValidationError(
            _("%(name)s is not a number.") % {"name": name}, code="invalid"
        ) from error
    if not number.is_finite():
        raise ValidationError(_("%(name)s is not a number.") % {"name": name}, code="invalid")
    return number


def _validated(
    courier: StaffMember, data: PositionData, now: datetime, oldest: datetime
) -> CourierPosition:
    latitude = _coordinate(data.latitude, _("Latitude"))
    longitude = _coordinate(data.longitude, _("Longitude"))
    validate_latitude_in_china(latitude)
    validate_longitude_in_china(longitude)
    recorded_at = data.recorded_at
    if timezone.is_naive(recorded_at):
        recorded_at = timezone.make_aware(recorded_at)
    if recorded_at > now + CLOCK_SKEW:
        raise ValidationError(_("The position is dated in the future."), code="future")
    if recorded_at < oldest:
        raise ValidationError(_("The position is too old to keep."), code="too_old")
    accuracy = data.accuracy_m
    if accuracy is not None and not 0 <= accuracy <= MAX_ACCURACY_M:
        raise ValidationError(
            _("The accuracy must be between 0 and %(most)s metres.") % {"most": MAX_ACCURACY_M},
            code="accuracy",
        )
    return CourierPosition(
        company_id=courier.company_id,
        courier=courier,
        latitude=latitude,
        longitude=longitude,
        accuracy_m=accuracy,
        recorded_at=recorded_at,
    )


def _check_courier(courier: StaffMember) -> None:
    if courier.role != Role.COURIER or not courier.is_active:
        raise ValidationError(
            _("%(person)s is not an active courier.") % {"person": courier}, code="not_courier"
        )


@transaction.atomic
def positions_record_batch(
    *, courier: StaffMember, positions: Sequence[PositionData], now: datetime | None = None
) -> BatchResult:
    """Append a phone's fixes, in any order; report the bad ones by their index."""
    _check_courier(courier)
    now = now or timezone.now()
    oldest = now - timedelta(days=settings.POSITION_RETENTION_DAYS)
    result = BatchResult()
    fresh: dict[datetime, CourierPosition] = {}
    for index, data in enumerate(positions):
        try:
            row = _validated(courier, data, now, oldest)
        except ValidationError as error:
            result.rejected.append((index, error.messages))
            continue
        if row.recorded_at in fresh:
            result.duplicates += 1
        else:
            fresh[row.recorded_at] = row
    if fresh:
        known = set(
            CourierPosition.objects.filter(
                courier=courier, recorded_at__range=(min(fresh), max(fresh))
            ).values_list("recorded_at", flat=True)
        )
        result.duplicates += len(known & fresh.keys())
        new = [row for at, row in sorted(fresh.items()) if at not in known]
        result.stored = CourierPosition.objects.bulk_create(new)
    if result.stored:
        # The ETAs follow the courier; a failure there must not refuse his positions.
        transaction.on_commit(partial(courier_etas_refresh, courier=courier, now=now), robust=True)
    return result


@transaction.atomic
def position_record(
    *,
    courier: StaffMember,
    latitude: Decimal | float | str,
    longitude: Decimal | float | str,
    recorded_at: datetime,
    accuracy_m: int | None = None,
    now: datetime | None = None,
) -> CourierPosition:
    """Append one fix (the one already stored for that moment, if it was sent before)."""
    data = PositionData(latitude, longitude, recorded_at, accuracy_m)
    result = positions_record_batch(courier=courier, positions=[data], now=now)
    if result.rejected:
        raise ValidationError(result.rejected[0][1])
    if result.stored:
        return result.stored[0]
    at = recorded_at if timezone.is_aware(recorded_at) else timezone.make_aware(recorded_at)
    return CourierPosition.objects.filter(courier=courier, recorded_at=at).latest("pk")


def positions_purge(*, now: datetime | None = None, days: int | None = None) -> int:
    """Forget positions older than ``POSITION_RETENTION_DAYS``; scheduled daily (migration 0002).

    Company by company along the (company, recorded_at) index, in small chunks each
    committed on its own, so the phones' inserts never wait long behind it.
    """
    cutoff = (now or timezone.now()) - timedelta(
        days=settings.POSITION_RETENTION_DAYS if days is None else days
    )
    deleted = 0
    for company_id in Company.objects.order_by("pk").values_list("pk", flat=True):
        old = CourierPosition.objects.filter(company_id=company_id, recorded_at__lt=cutoff)
        while ids := list(old.values_list("pk", flat=True)[:PURGE_CHUNK]):
            with transaction.atomic():
                count, _rows = CourierPosition.objects.filter(pk__in=ids).delete()
            deleted += count
    return deleted
