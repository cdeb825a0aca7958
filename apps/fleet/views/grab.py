"""The courier's grab pool (抢单) on the phone: claim an order, hand one back."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.fleet.selectors.grab import grab_pool_for
from apps.fleet.services.grab import AlreadyTaken, order_claim, order_decline
from apps.orders.errors import OrderError
from apps.orders.models import Order
from apps.org.access import section_required
from apps.org.models import StaffMember
from apps.org.scoping import get_scoped_or_404

POOL = "fleet/grab/pool.html"


def _staff(request: HttpRequest) -> StaffMember:
    return request.staff  # type: ignore[attr-defined, no-any-return]


def _is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


@section_required("courier")
def grab_pool(request: HttpRequest) -> HttpResponse:
    context = {"pool": grab_pool_for(courier=_staff(request)), "today": timezone.localdate()}
    return render(request, f"{POOL}#pool" if _is_htmx(request) else POOL, context)


@require_POST
@section_required("courier")
def grab_claim(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_scoped_or_404(Order, request.company, pk=pk)  # type: ignore[attr-defined]
    state, message = "claimed", ""
    try:
        order = order_claim(order=order, courier=_staff(request))
    except AlreadyTaken as error:
        state, message = "taken", " ".join(error.messages)
    except OrderError as error:
        state, message = "refused", " ".join(error.messages)
    return _answer(request, order, state, message)


@require_POST
@section_required("courier")
def grab_decline(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_scoped_or_404(Order, request.company, pk=pk)  # type: ignore[attr-defined]
    state, message = "handed_back", ""
    try:
        order_decline(order=order, courier=_staff(request), note=request.POST.get("note", "")[:200])
    except OrderError as error:
        state, message = "refused", " ".join(error.messages)
    return _answer(request, order, state, message)


def _answer(request: HttpRequest, order: Order, state: str, message: str) -> HttpResponse:
    """htmx swaps the order's row for the outcome; without it, a message and the pool again."""
    if _is_htmx(request):
        context = {"order": order, "state": state, "message": message}
        return render(request, f"{POOL}#outcome", context)
    if state == "claimed":
        messages.success(request, _("Order %(number)s is yours.") % {"number": order.number})
    elif state == "handed_back":
        messages.success(request, _("Order %(number)s was handed back.") % {"number": order.number})
    else:
        messages.error(request, message)
    return redirect("fleet:grab_pool")
