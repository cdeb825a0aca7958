"""Setting up the fleet: vehicles, shifts and how each depot dispatches.

A shift moves ``planned → on ⇄ break → ended``. Only a planned shift may be
deleted or given to another courier or day; an ended shift is history and does
not change. Starting, breaking and ending again what is already so is a no-op,
so a phone that sends twice does no harm.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from apps.fleet.models import DispatchSettings, Shift, ShiftStatus, Vehicle
from apps.org.models import Company, Depot, Role, StaffMember

BUSY = (ShiftStatus.PLANNED, ShiftStatus.ON, ShiftStatus.BREAK)


def _save_new_or_explain(row: Any, field: str, message: str) -> None:
    """Insert under a savepoint: a concurrent twin that wins the unique index is a message."""
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as error:
        raise ValidationError({field: message}) from error


def _check_depot(company_id: int, depot: Depot | None, field: str = "depot") -> None:
    if depot is None or depot.company_id != company_id:
        raise ValidationError({field: _("Choose a depot of this company.")})


# Vehicles ---------------------------------------------------------------------


@transaction.atomic
def vehicle_create(
    *,
    company: Company,
    depot: Depot,
    name: str,
    kind: str,
    capacity_units: int,
    plate: str = "",
) -> Vehicle:
    _check_depot(company.pk, depot)
    vehicle = Vehicle(
        company=company,
        depot=depot,
        name=name.strip(),
        kind=kind,
        plate=plate.strip().upper(),
        capacity_units=capacity_units,
    )
    vehicle.full_clean()
    _save_new_or_explain(vehicle, "name", _("A vehicle with this name already exists."))
    return vehicle


@transaction.atomic
def vehicle_update(
    *,
    vehicle: Vehicle,
    depot: Depot,
    name: str,
    kind: str,
    capacity_units: int,
    plate: str = "",
) -> Vehicle:
    _check_depot(vehicle.company_id, depot)
    locked = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    if depot.pk != locked.depot_id and _busy_shifts(locked).exclude(depot=depot).exists():
        raise ValidationError(
            {"depot": _("The vehicle has shifts planned at its depot; change those first.")}
        )
    locked.depot, locked.name, locked.kind = depot, name.strip(), kind
    locked.plate, locked.capacity_units = plate.strip().upper(), capacity_units
    locked.full_clean()
    _save_new_or_explain(locked, "name", _("A vehicle with this name already exists."))
    return locked


def _busy_shifts(vehicle: Vehicle) -> Any:
    return Shift.objects.filter(
        vehicle=vehicle, date__gte=timezone.localdate(), status__in=BUSY
    ).select_related("courier__user")


@transaction.atomic
def vehicle_deactivate(*, vehicle: Vehicle) -> Vehicle:
    """Take a vehicle out of service; refused while shifts from today on still use it."""
    locked = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    busy = list(_busy_shifts(locked)[:3])
    if busy:
        raise ValidationError(
            _("%(vehicle)s is still on shifts (%(shifts)s); give them another vehicle first.")
            % {"vehicle": locked, "shifts": "、".join(str(shift) for shift in busy)}
        )
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    return locked


@transaction.atomic
def vehicle_reactivate(*, vehicle: Vehicle) -> Vehicle:
    locked = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    locked.is_active = True
    locked.save(update_fields=["is_active"])
    return locked


# Shifts -----------------------------------------------------------------------


def _hhmm(value: time) -> str:
    return time_format(value, "H:i")


def _minutes(start: time, end: time) -> int:
    return int(
        (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds() // 60
    )


def _check_courier(shift: Shift, errors: dict[str, list[str]]) -> None:
    courier = shift.courier
    if courier.company_id != shift.company_id or courier.role != Role.COURIER:
        errors["courier"] = [
            _("%(person)s is not a courier of this company.") % {"person": courier}
        ]
    elif not courier.is_active:
        errors["courier"] = [_("%(person)s is no longer active.") % {"person": courier}]


def _check_vehicle(shift: Shift, errors: dict[str, list[str]]) -> None:
    vehicle = shift.vehicle
    if vehicle is None:
        return
    if vehicle.company_id != shift.company_id:
        errors["vehicle"] = [_("Choose a vehicle of this company.")]
    elif not vehicle.is_active:
        errors["vehicle"] = [_("%(vehicle)s is out of service.") % {"vehicle": vehicle}]
    elif vehicle.depot_id != shift.depot_id:
        errors["vehicle"] = [
            _("%(vehicle)s belongs to depot %(depot)s.")
            % {"vehicle": vehicle, "depot": vehicle.depot}
        ]
    elif shift.starts_at < shift.ends_at:
        clash = (
            Shift.objects.filter(
                vehicle=vehicle,
                date=shift.date,
                starts_at__lt=shift.ends_at,
                ends_at__gt=shift.starts_at,
            )
            .exclude(pk=shift.pk)
            .select_related("courier__user")
            .first()
        )
        if clash is not None:
            errors["vehicle"] = [
                _("%(vehicle)s is already out with %(person)s from %(start)s to %(end)s.")
                % {
                    "vehicle": vehicle,
                    "person": clash.courier.user.display_name,
                    "start": _hhmm(clash.starts_at),
                    "end": _hhmm(clash.ends_at),
                }
            ]


def _check_day(shift: Shift, errors: dict[str, list[str]]) -> None:
    twin = (
        Shift.objects.filter(courier_id=shift.courier_id, date=shift.date)
        .exclude(pk=shift.pk)
        .first()
    )
    if twin is not None:
        errors["date"] = [
            _("%(person)s already has a shift on %(date)s (%(start)s–%(end)s).")
            % {
                "person": shift.courier.user.display_name,
                "date": date_format(shift.date, "SHORT_DATE_FORMAT"),
                "start": _hhmm(twin.starts_at),
                "end": _hhmm(twin.ends_at),
            }
        ]


def _check_hours(shift: Shift, errors: dict[str, list[str]]) -> None:
    if shift.starts_at >= shift.ends_at:
        errors["ends_at"] = [_("A shift must start before it ends.")]
    elif shift.break_minutes >= _minutes(shift.starts_at, shift.ends_at):
        errors["break_minutes"] = [_("The break is as long as the shift.")]


def _check_history(shift: Shift, today: date, errors: dict[str, list[str]]) -> None:
    before = Shift.objects.filter(pk=shift.pk).values("status", "courier_id", "date").first()
    if before is None:
        if shift.date < today:
            errors["date"] = [_("A shift cannot be planned for a day that is over.")]
        return
    if before["status"] == ShiftStatus.ENDED:
        errors["__all__"] = [_("This shift has ended and can no longer be changed.")]
    elif before["status"] != ShiftStatus.PLANNED and (
        before["courier_id"] != shift.courier_id or before["date"] != shift.date
    ):
        errors["__all__"] = [_("A started shift keeps its courier and its day.")]
    elif before["date"] != shift.date and shift.date < today:
        errors["date"] = [_("A shift cannot be planned for a day that is over.")]


def shift_check(*, shift: Shift, today: date | None = None) -> None:
    """Every rule a new or changed shift must meet; raises ``ValidationError`` by field.

    Reads only: the shift forms run it too, so that the page explains the problem
    in the words the services use.
    """
    errors: dict[str, list[str]] = {}
    _check_history(shift, today or timezone.localdate(), errors)
    if shift.depot.company_id != shift.company_id:
        errors["depot"] = [_("Choose a depot of this company.")]
    _check_courier(shift, errors)
    _check_hours(shift, errors)
    if "courier" not in errors:
        _check_day(shift, errors)
    _check_vehicle(shift, errors)
    if errors:
        raise ValidationError(errors)


def _save_shift(shift: Shift) -> Shift:
    shift_check(shift=shift)
    _save_new_or_explain(shift, "date", _("This courier already has a shift on that day."))
    return shift


@transaction.atomic
def shift_create(
    *,
    company: Company,
    courier: StaffMember,
    depot: Depot,
    date: date,
    starts_at: time,
    ends_at: time,
    vehicle: Vehicle | None = None,
    break_minutes: int = 0,
) -> Shift:
    return _save_shift(
        Shift(
            company=company,
            courier=courier,
            depot=depot,
            vehicle=vehicle,
            date=date,
            starts_at=starts_at,
            ends_at=ends_at,
            break_minutes=break_minutes,
        )
    )


@transaction.atomic
def shift_update(
    *,
    shift: Shift,
    courier: StaffMember,
    depot: Depot,
    date: date,
    starts_at: time,
    ends_at: time,
    vehicle: Vehicle | None = None,
    break_minutes: int = 0,
) -> Shift:
    locked = Shift.objects.select_for_update().get(pk=shift.pk)
    locked.courier, locked.depot, locked.vehicle, locked.date = courier, depot, vehicle, date
    locked.starts_at, locked.ends_at, locked.break_minutes = starts_at, ends_at, break_minutes
    return _save_shift(locked)


@transaction.atomic
def shift_delete(*, shift: Shift) -> None:
    locked = Shift.objects.select_for_update().get(pk=shift.pk)
    if locked.status != ShiftStatus.PLANNED:
        raise ValidationError(_("Only a planned shift can be deleted; end a started one instead."))
    locked.delete()


def _locked_shift(shift: Shift) -> Shift:
    return Shift.objects.select_for_update().select_related("courier__user").get(pk=shift.pk)


def _refuse(shift: Shift, target: str) -> ValidationError:
    return ValidationError(
        _("The shift is %(current)s and cannot become %(target)s.")
        % {"current": shift.get_status_display(), "target": ShiftStatus(target).label}
    )


@transaction.atomic
def shift_start(*, shift: Shift, now: datetime | None = None) -> Shift:
    """The courier starts work, or comes back from his break."""
    now = now or timezone.now()
    locked = _locked_shift(shift)
    if locked.status == ShiftStatus.ON:
        return locked
    if locked.status == ShiftStatus.BREAK:
        locked.status = ShiftStatus.ON
        locked.save(update_fields=["status"])
        return locked
    if locked.status != ShiftStatus.PLANNED:
        raise _refuse(locked, ShiftStatus.ON)
    if locked.date != timezone.localdate(now):
        raise ValidationError(
            _("This shift is for %(date)s, not today.")
            % {"date": date_format(locked.date, "SHORT_DATE_FORMAT")}
        )
    locked.status, locked.started_at = ShiftStatus.ON, now
    locked.save(update_fields=["status", "started_at"])
    return locked


@transaction.atomic
def shift_break(*, shift: Shift, now: datetime | None = None) -> Shift:
    """The courier goes on his break; dispatch gives him nothing until it is over."""
    locked = _locked_shift(shift)
    if locked.status == ShiftStatus.BREAK:
        return locked
    if locked.status != ShiftStatus.ON:
        raise _refuse(locked, ShiftStatus.BREAK)
    locked.status = ShiftStatus.BREAK
    locked.break_started_at = now or timezone.now()
    locked.save(update_fields=["status", "break_started_at"])
    return locked


@transaction.atomic
def shift_end(*, shift: Shift, now: datetime | None = None) -> Shift:
    locked = _locked_shift(shift)
    if locked.status == ShiftStatus.ENDED:
        return locked
    if locked.status not in (ShiftStatus.ON, ShiftStatus.BREAK):
        raise _refuse(locked, ShiftStatus.ENDED)
    locked.status, locked.ended_at = ShiftStatus.ENDED, now or timezone.now()
    locked.save(update_fields=["status", "ended_at"])
    return locked


# Dispatch settings ------------------------------------------------------------


@transaction.atomic
def dispatch_settings_save(
    *,
    depot: Depot,
    policy: str,
    grab_radius_km: Decimal,
    grab_timeout_minutes: int,
    max_open_orders: int,
) -> DispatchSettings:
    """Write the depot's dispatch settings, creating the row the first time."""
    row, _created = DispatchSettings.objects.select_for_update().get_or_create(
        depot=depot, defaults={"company_id": depot.company_id}
    )
    row.policy, row.grab_radius_km = policy, grab_radius_km
    row.grab_timeout_minutes, row.max_open_orders = grab_timeout_minutes, max_open_orders
    row.full_clean()
    row.save()
    return row
