"""The incoming-call card on the dispatcher's screen, polled by htmx (来电弹屏)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from apps.orders.models import IncomingCall
from apps.orders.selectors_calls import calls_recent
from apps.orders.services.calls import call_mark_seen
from apps.orders.views.common import company_of
from apps.org.access import section_required
from apps.org.scoping import get_scoped_or_404


def _card(request: HttpRequest) -> HttpResponse:
    calls = calls_recent(company=company_of(request))
    return render(request, "orders/_incoming_call.html", {"calls": calls})


@require_GET
@section_required("orders")
def calls_latest(request: HttpRequest) -> HttpResponse:
    return _card(request)


@require_POST
@section_required("orders")
def call_seen(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_scoped_or_404(IncomingCall, company_of(request), pk=pk)
    call_mark_seen(call=call)
    if request.headers.get("HX-Request"):
        return _card(request)
    back = request.headers.get("Referer", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return redirect("orders:index")
