"""Reads for the fleet set-up pages: vehicles, couriers, the week of shifts, dispatch settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet

from apps.fleet.models import DispatchSettings, Shift, Vehicle
from apps.org.models import Company, Depot, Role, StaffMember


def vehicle_list(
    *, company: Company, depot: Depot | None = None, active_only: bool = False
) -> QuerySet[Vehicle]:
    vehicles = Vehicle.objects.filter(company=company).select_related("depot")
    if depot is not None:
        vehicles = vehicles.filter(depot=depot)
    return vehicles.filter(is_active=True) if active_only else vehicles


def courier_list(*, company: Company, active_only: bool = True) -> QuerySet[StaffMember]:
    couriers = StaffMember.objects.filter(company=company, role=Role.COURIER).select_related(
        "user", "home_depot"
    )
    return couriers.filter(is_active=True) if active_only else couriers


def shifts_on(*, company: Company, day: date, depot: Depot | None = None) -> QuerySet[Shift]:
    shifts = Shift.objects.filter(company=company, date=day).select_related(
        "courier__user", "depot", "vehicle"
    )
    if depot is not None:
        shifts = shifts.filter(depot=depot)
    return shifts.order_by("depot__name", "starts_at", "courier__user__first_name", "pk")


def shift_of(*, courier: StaffMember, day: date) -> Shift | None:
    return Shift.objects.filter(courier=courier, date=day).select_related("vehicle").first()


@dataclass(frozen=True)
class CourierWeek:
    courier: StaffMember
    days: list[tuple[date, Shift | None]]


@dataclass(frozen=True)
class ShiftWeek:
    depot: Depot
    monday: date
    days: list[date]
    rows: list[CourierWeek]

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.monday + timedelta(days=7)


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def shift_week(*, company: Company, depot: Depot, monday: date) -> ShiftWeek:
    """Who works when at a depot in one week: the depot's couriers and anyone with a shift there.

    Two queries whatever the number of couriers: the shifts, then the couriers.
    """
    days = [monday + timedelta(days=offset) for offset in range(7)]
    shifts = list(
        Shift.objects.filter(company=company, date__range=(days[0], days[-1])).select_related(
            "vehicle", "depot"
        )
    )
    here = {shift.courier_id for shift in shifts if shift.depot_id == depot.pk}
    couriers = courier_list(company=company, active_only=False).filter(
        Q(home_depot=depot, is_active=True) | Q(pk__in=here)
    )
    by_courier_day = {(shift.courier_id, shift.date): shift for shift in shifts}
    rows = [
        CourierWeek(courier, [(day, by_courier_day.get((courier.pk, day))) for day in days])
        for courier in couriers.order_by("user__first_name", "user__username", "pk")
    ]
    return ShiftWeek(depot=depot, monday=monday, days=days, rows=rows)


def dispatch_settings_for(*, depot: Depot) -> DispatchSettings:
    """The depot's dispatch settings (an unsaved row with the defaults when it has none)."""
    row = DispatchSettings.objects.filter(depot=depot).first()
    return row or DispatchSettings(company_id=depot.company_id, depot=depot)


def dispatch_settings_overview(*, company: Company) -> list[tuple[Depot, DispatchSettings]]:
    """Every active depot with its settings (defaults where none were saved): two queries."""
    saved = {row.depot_id: row for row in DispatchSettings.objects.filter(company=company)}
    depots = Depot.objects.filter(company=company, is_active=True).order_by("name")
    return [
        (depot, saved.get(depot.pk) or DispatchSettings(company=company, depot=depot))
        for depot in depots
    ]
