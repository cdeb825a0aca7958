"""The dispatcher's board: map, order pool, couriers and exceptions of one depot, live."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from apps.fleet.forms.board import BoardActionForm
from apps.fleet.selectors.board import (
    Board,
    BoardCourier,
    BoardOrder,
    assignment_warnings,
    board_get,
)
from apps.fleet.views.setup import chosen_depot, company_of
from apps.orders.models import Order
from apps.orders.services.lifecycle import Actor, order_assign, order_unassign
from apps.org.access import section_required
from apps.org.models import Depot

REFRESH_SECONDS = 15


def _depots(request: HttpRequest) -> list[Depot]:
    return list(Depot.objects.filter(company=company_of(request), is_active=True).order_by("name"))


@section_required("dispatch")
def board(request: HttpRequest) -> HttpResponse:
    depot = chosen_depot(request)
    context: dict[str, Any] = {"depot": depot, "refresh": REFRESH_SECONDS}
    if depot is not None:
        context["board"] = board_get(company=company_of(request), depot=depot)
        if request.headers.get("HX-Request"):
            return render(request, "fleet/board/board.html#live", context)
    context.update(
        depots=_depots(request),
        form=BoardActionForm(company=company_of(request)),
        tiles=settings.MAP_TILE_URL,
        attribution=settings.MAP_TILE_ATTRIBUTION,
    )
    return render(request, "fleet/board/board.html", context)


def _hhmm(value: Any) -> str:
    return timezone.localtime(value).strftime("%H:%M")


def _order_point(item: BoardOrder, colours: dict[int, str]) -> dict[str, Any] | None:
    order = item.order
    address = order.address
    if address.latitude is None or address.longitude is None:
        return None
    goods = "、".join(f"{line.product.name}×{line.quantity}" for line in order.lines.all())
    courier = order.courier.user.display_name if order.courier else ""
    parts = [
        order.number,
        order.customer.name,
        goods,
        f"{_hhmm(order.window_start)}–{_hhmm(order.window_end)}",
        order.get_status_display(),
        courier,
        _("late") if item.late else "",
    ]
    return {
        "id": order.pk,
        "number": order.number,
        "lat": float(address.latitude),
        "lng": float(address.longitude),
        "status": order.status,
        "late": item.late,
        "soon": item.soon,
        "selectable": item.selectable,
        "courier": order.courier_id,
        "colour": colours.get(order.courier_id or 0) if order.is_open else None,
        "label": " · ".join(part for part in parts if part),
    }


def _courier_point(courier: BoardCourier, board: Board) -> dict[str, Any] | None:
    position = courier.position
    if position is None:
        return None
    capacity = courier.capacity
    units = format(courier.load.normalize(), "f")
    load = f"{units}/{capacity}" if capacity else units
    parts = [
        courier.staff.user.display_name,
        courier.status_label,
        _("load %(load)s") % {"load": load},
        _("next: %(order)s") % {"order": courier.next_stop.number} if courier.next_stop else "",
        _("seen %(ago)s ago") % {"ago": timesince(position.recorded_at, board.now)},
    ]
    return {
        "id": courier.staff.pk,
        "name": courier.staff.user.display_name,
        "lat": float(position.latitude),
        "lng": float(position.longitude),
        "status": courier.status,
        "colour": courier.colour,
        "quiet": courier.quiet,
        "short": f"{courier.staff.user.display_name} {load}",
        "label": " · ".join(part for part in parts if part),
    }


def _map_data(board: Board, depots: list[Depot]) -> dict[str, Any]:
    colours = {courier.staff.pk: courier.colour for courier in board.couriers}
    return {
        "depot": board.depot.pk,
        "depots": [
            {"id": d.pk, "name": d.name, "lat": float(d.latitude), "lng": float(d.longitude)}
            for d in depots
        ],
        "orders": [p for p in (_order_point(item, colours) for item in board.orders) if p],
        "couriers": [p for p in (_courier_point(c, board) for c in board.couriers) if p],
        "routes": [
            {
                "courier": route.courier.staff.pk,
                "colour": route.courier.colour,
                "points": [[float(lat), float(lng)] for lat, lng in route.points],
            }
            for route in board.routes
        ],
        "at": board.now.isoformat(),
    }


@section_required("dispatch")
def board_data(request: HttpRequest) -> HttpResponse:
    """What the board's map draws; its script asks again every few seconds."""
    depot = chosen_depot(request)
    if depot is None:
        return JsonResponse({"depots": [], "orders": [], "couriers": [], "routes": []})
    data = board_get(company=company_of(request), depot=depot)
    return JsonResponse(_map_data(data, _depots(request)))


def _board_url(depot: Depot | None) -> str:
    return f"{reverse('fleet:board')}?depot={depot.pk}" if depot else reverse("fleet:board")


@require_POST
@section_required("dispatch")
def board_assign(request: HttpRequest) -> HttpResponse:
    """Assign the ticked orders to a courier, or put them back in the pool: each on its own."""
    form = BoardActionForm(request.POST, company=company_of(request))
    valid = form.is_valid()
    back = redirect(_board_url(form.cleaned_data.get("depot")))
    if not valid:
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for text in errors:
                messages.error(request, f"{label}：{text}" if label else str(text))
        return back
    data = form.cleaned_data
    actor = Actor(user=request.user)
    done: list[Order] = []
    refused = []
    for order in data["orders"]:
        try:
            if data["action"] == BoardActionForm.ASSIGN:
                order_assign(order=order, courier=data["courier"], actor=actor)
            else:
                order_unassign(order=order, actor=actor)
            done.append(order)
        except ValidationError as error:
            refused.append((order.number, " ".join(error.messages)))
    _report(request, data, done, refused)
    return back


def _report(
    request: HttpRequest, data: dict[str, Any], done: list[Order], refused: list[tuple[str, str]]
) -> None:
    count = len(done)
    if done and data["action"] == BoardActionForm.ASSIGN:
        messages.success(
            request,
            ngettext(
                "%(count)d order assigned to %(courier)s.",
                "%(count)d orders assigned to %(courier)s.",
                count,
            )
            % {"count": count, "courier": data["courier"].user.display_name},
        )
        for warning in assignment_warnings(orders=done, courier=data["courier"]):
            messages.warning(request, warning)
    elif done:
        messages.success(
            request,
            ngettext(
                "%(count)d order is back in the pool.",
                "%(count)d orders are back in the pool.",
                count,
            )
            % {"count": count},
        )
    for number, reason in refused:
        messages.error(request, _("%(number)s: %(error)s") % {"number": number, "error": reason})
