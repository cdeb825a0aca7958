"""The fleet set-up pages: today at a glance, vehicles, the week of shifts, couriers, dispatch.

Owners set up vehicles and how each depot dispatches; dispatchers (and owners)
plan the shifts.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.fleet.forms.setup import DispatchSettingsForm, ShiftForm, VehicleForm
from apps.fleet.models import Shift, Vehicle
from apps.fleet.selectors import setup as selectors
from apps.fleet.services import setup as services
from apps.org.access import roles_required, section_required
from apps.org.models import Company, Depot, Role
from apps.org.scoping import get_scoped_or_404

owner_required = roles_required(frozenset({Role.OWNER}))


def company_of(request: HttpRequest) -> Company:
    return request.company  # type: ignore[attr-defined, no-any-return]


def chosen_depot(request: HttpRequest, source: Any = None) -> Depot | None:
    """The depot named by ``?depot=`` (another company's is a 404), else the person's own or the first."""
    company = company_of(request)
    wanted: str = (source if source is not None else request.GET).get("depot") or ""
    if wanted:
        return get_scoped_or_404(Depot, company, pk=wanted)
    depots = Depot.objects.filter(company=company, is_active=True).order_by("name")
    home: int | None = getattr(request.staff, "home_depot_id", None)  # type: ignore[attr-defined]
    return (depots.filter(pk=home).first() if home else None) or depots.first()


def _depots(request: HttpRequest) -> Any:
    return Depot.objects.filter(company=company_of(request), is_active=True).order_by("name")


def _form_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    # The board shares the "fleet" namespace; these pages belong to the Fleet section.
    return render(request, f"fleet/setup/{template}", {"active_section": "fleet", **context})


@section_required("fleet")
def index(request: HttpRequest) -> HttpResponse:
    company = company_of(request)
    today = timezone.localdate()
    shifts = list(selectors.shifts_on(company=company, day=today))
    working = {shift.courier_id for shift in shifts}
    couriers = selectors.courier_list(company=company)
    return _form_page(
        request,
        "index.html",
        {
            "tab": "index",
            "today": today,
            "shifts": shifts,
            "resting": [courier for courier in couriers if courier.pk not in working],
            "vehicles": selectors.vehicle_list(company=company, active_only=True).count(),
        },
    )


# Vehicles ---------------------------------------------------------------------


@section_required("fleet")
def vehicle_list(request: HttpRequest) -> HttpResponse:
    vehicles = selectors.vehicle_list(company=company_of(request)).order_by(
        "-is_active", "depot__name", "name"
    )
    return _form_page(request, "vehicle_list.html", {"tab": "vehicles", "vehicles": vehicles})


@owner_required
def vehicle_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    company = company_of(request)
    vehicle = get_scoped_or_404(Vehicle, company, pk=pk) if pk else None
    form = VehicleForm(request.POST or None, instance=vehicle, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            if vehicle is None:
                saved = services.vehicle_create(company=company, **form.cleaned_data)
            else:
                saved = services.vehicle_update(vehicle=vehicle, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("“%(object)s” was saved.") % {"object": saved})
            return redirect("fleet:vehicle_list")
    title = _("Edit %(thing)s") if vehicle else _("New %(thing)s")
    return _form_page(
        request,
        "vehicle_form.html",
        {
            "tab": "vehicles",
            "form": form,
            "vehicle": vehicle,
            "title": title % {"thing": Vehicle._meta.verbose_name},
        },
    )


@require_POST
@owner_required
def vehicle_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    vehicle = get_scoped_or_404(Vehicle, company_of(request), pk=pk)
    try:
        services.vehicle_deactivate(vehicle=vehicle)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(vehicle)s is out of service.") % {"vehicle": vehicle})
    return redirect("fleet:vehicle_list")


@require_POST
@owner_required
def vehicle_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    vehicle = get_scoped_or_404(Vehicle, company_of(request), pk=pk)
    services.vehicle_reactivate(vehicle=vehicle)
    messages.success(request, _("%(vehicle)s is back in service.") % {"vehicle": vehicle})
    return redirect("fleet:vehicle_list")


# Shifts -----------------------------------------------------------------------


def _week_start(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = timezone.localdate()
    return selectors.week_of(day)


def _week_url(depot: Depot, day: date) -> str:
    return f"{reverse('fleet:shift_list')}?depot={depot.pk}&week={selectors.week_of(day):%Y-%m-%d}"


@section_required("fleet")
def shift_list(request: HttpRequest) -> HttpResponse:
    depot = chosen_depot(request)
    context: dict[str, Any] = {"tab": "shifts", "depots": _depots(request), "depot": depot}
    if depot is not None:
        monday = _week_start(request.GET.get("week", ""))
        context["week"] = selectors.shift_week(
            company=company_of(request), depot=depot, monday=monday
        )
        context["today"] = timezone.localdate()
    return _form_page(request, "shift_week.html", context)


@section_required("fleet")
def shift_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    company = company_of(request)
    shift = get_scoped_or_404(Shift.objects.select_related("depot"), company, pk=pk) if pk else None
    initial: dict[str, Any] = {
        key: request.GET[key] for key in ("courier", "date", "depot") if key in request.GET
    }
    if shift is None and "depot" not in initial:
        initial["depot"] = chosen_depot(request)
    form = ShiftForm(request.POST or None, instance=shift, initial=initial, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            if shift is None:
                saved = services.shift_create(company=company, **form.cleaned_data)
            else:
                saved = services.shift_update(shift=shift, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The shift of %(shift)s was saved.") % {"shift": saved})
            return redirect(_week_url(saved.depot, saved.date))
    return _form_page(
        request,
        "shift_form.html",
        {
            "tab": "shifts",
            "form": form,
            "shift": shift,
            "title": _("Edit shift") if shift else _("New shift"),
            "cancel_url": reverse("fleet:shift_list"),
        },
    )


@require_POST
@section_required("fleet")
def shift_delete(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_scoped_or_404(
        Shift.objects.select_related("depot", "courier__user"), company_of(request), pk=pk
    )
    try:
        services.shift_delete(shift=shift)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("fleet:shift_edit", pk=shift.pk)
    messages.success(request, _("The shift of %(shift)s was deleted.") % {"shift": shift})
    return redirect(_week_url(shift.depot, shift.date))


# Couriers and dispatch settings -----------------------------------------------


@section_required("fleet")
def courier_list(request: HttpRequest) -> HttpResponse:
    company = company_of(request)
    today = timezone.localdate()
    shifts = {shift.courier_id: shift for shift in selectors.shifts_on(company=company, day=today)}
    couriers = [
        (courier, shifts.get(courier.pk))
        for courier in selectors.courier_list(company=company, active_only=False).order_by(
            "-is_active", "home_depot__name", "user__first_name", "pk"
        )
    ]
    return _form_page(request, "courier_list.html", {"tab": "couriers", "couriers": couriers})


@owner_required
def dispatch_settings(request: HttpRequest) -> HttpResponse:
    depot = chosen_depot(request, request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {
        "tab": "dispatch",
        "depot": depot,
        "overview": selectors.dispatch_settings_overview(company=company_of(request)),
    }
    if depot is not None:
        form = DispatchSettingsForm(
            request.POST or None, instance=selectors.dispatch_settings_for(depot=depot)
        )
        if request.method == "POST" and form.is_valid():
            services.dispatch_settings_save(depot=depot, **form.cleaned_data)
            messages.success(
                request, _("The dispatch settings of %(depot)s were saved.") % {"depot": depot}
            )
            return redirect(f"{reverse('fleet:dispatch_settings')}?depot={depot.pk}")
        context["form"] = form
    return _form_page(request, "dispatch_settings.html", context)
