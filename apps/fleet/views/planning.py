"""Route planning pages: the list of plans, "plan routes", a plan's progress and result, the route sheet."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from apps.fleet.forms.planning import PlanStartForm, StopMoveForm
from apps.fleet.models import CourierRoute, PlanStatus, RoutePlan, RouteStop
from apps.fleet.selectors import planning as selectors
from apps.fleet.services import planning as services
from apps.ledger.pdf import CJK_FONT, html_to_pdf
from apps.orders.services.lifecycle import Actor
from apps.org.access import section_required
from apps.org.models import Company


def _company(request: HttpRequest) -> Company:
    return request.company  # type: ignore[attr-defined, no-any-return]


def _plan(request: HttpRequest, pk: int) -> RoutePlan:
    try:
        return selectors.route_plan_get(company=_company(request), pk=pk)
    except RoutePlan.DoesNotExist:
        raise Http404 from None


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@section_required("dispatch")
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = selectors.route_plan_list(company=_company(request))[:50]
    return render(request, "fleet/planning/plan_list.html", {"plans": plans})


@section_required("dispatch")
def plan_new(request: HttpRequest) -> HttpResponse:
    company = _company(request)
    form = PlanStartForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.route_plan_start(
                company=company,
                depot=data["depot"],
                date=data["date"],
                slot_start=data["slot_start"],
                slot_end=data["slot_end"],
                time_limit_s=data["time_limit_s"],
                created_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("fleet:plan_detail", pk=plan.pk)
    return render(request, "fleet/planning/plan_new.html", {"form": form})


@section_required("dispatch")
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    if request.headers.get("HX-Request"):
        response = render(request, "fleet/planning/plan_detail.html#status", {"plan": plan})
        if not plan.is_running:
            response["HX-Refresh"] = "true"
        return response
    finished = plan.status in (PlanStatus.DONE, PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED)
    page = selectors.route_plan_page(plan=plan) if finished else None
    context = {
        "plan": plan,
        "page": page,
        "map_data": page.map_data() if page else None,
        "editable": plan.status == PlanStatus.DONE,
        "stale": plan.is_running
        and timezone.now() - plan.created_at
        > services.STALE_AFTER + timedelta(seconds=plan.time_limit_s),
    }
    return render(request, "fleet/planning/plan_detail.html", context)


@require_POST
@section_required("dispatch")
def plan_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    try:
        services.route_plan_cancel(plan=plan)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The plan was cancelled."))
    return redirect("fleet:plan_detail", pk=plan.pk)


@require_POST
@section_required("dispatch")
def plan_publish(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    try:
        outcome = services.route_plan_publish(plan=plan, actor=Actor(user=request.user))
    except ValidationError as error:
        _refused(request, error)
        return redirect("fleet:plan_detail", pk=plan.pk)
    if outcome.already:
        messages.info(request, _("This plan was already published."))
    else:
        messages.success(
            request,
            ngettext(
                "Published: %(count)d order assigned to the couriers.",
                "Published: %(count)d orders assigned to the couriers.",
                outcome.assigned,
            )
            % {"count": outcome.assigned},
        )
    if outcome.unassigned:
        messages.warning(
            request,
            ngettext(
                "%(count)d order this plan could not place went back to the pool.",
                "%(count)d orders this plan could not place went back to the pool.",
                outcome.unassigned,
            )
            % {"count": outcome.unassigned},
        )
    for number, why in outcome.refused:
        messages.error(request, _("%(number)s: %(error)s") % {"number": number, "error": why})
    return redirect("fleet:plan_detail", pk=plan.pk)


@require_POST
@section_required("dispatch")
def plan_stop_move(request: HttpRequest, pk: int, stop_pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    stop = RouteStop.objects.filter(plan=plan, pk=stop_pk).first()
    if stop is None:
        raise Http404
    form = StopMoveForm(request.POST, plan=plan)
    if not form.is_valid():
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, str(text))
        return redirect("fleet:plan_detail", pk=plan.pk)
    try:
        warnings = services.route_stop_move(
            plan=plan,
            stop=stop,
            courier=form.cleaned_data["courier"],
            position=form.cleaned_data["position"],
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The stop was moved and the routes timed again."))
        for warning in warnings:
            messages.warning(request, warning)
    return redirect(f"{reverse('fleet:plan_detail', kwargs={'pk': plan.pk})}#stop-{stop.pk}")


@section_required("dispatch")
def plan_sheet(request: HttpRequest, pk: int, courier_pk: int) -> HttpResponse:
    """A courier's route sheet as PDF, rendered on request (a few pages take well under a second)."""
    plan = _plan(request, pk)
    if plan.status not in (PlanStatus.DONE, PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED):
        raise Http404
    try:
        sheet = selectors.route_sheet(plan=plan, courier_id=courier_pk)
    except CourierRoute.DoesNotExist:
        raise Http404 from None
    html = render_to_string(
        "fleet/planning/route_sheet.html",
        {"sheet": sheet, "company": _company(request), "font": CJK_FONT},
        request=request,
    )
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    filename = f"route-{plan.date:%Y%m%d}-{plan.pk}-{courier_pk}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
