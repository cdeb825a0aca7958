"""The customer's public tracking page, and the staff buttons that revoke or renew its link.

The page needs no log-in: the unguessable token in the link is the key. It
shows only what :func:`apps.orders.public.tracking_page` prepares, in the
customer's language; unknown, revoked and expired links all get the same 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from apps.orders.models import Order
from apps.orders.public import order_for_tracking, tracking_page, tracking_url
from apps.orders.ratelimit import WINDOW_SECONDS, client_address, over_limit
from apps.orders.services.notifications import customer_language
from apps.orders.services.tracking import order_tracking_renew, order_tracking_revoke
from apps.orders.views.common import actor_of, company_of
from apps.org.access import section_required
from apps.org.scoping import get_scoped_or_404

REFRESH_SECONDS = 30


def _private(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def tracking_page_view(request: HttpRequest, token: str) -> HttpResponse:
    if over_limit(
        scope="tracking", who=client_address(request), limit=settings.TRACKING_RATE_LIMIT
    ):
        busy = render(request, "orders/tracking_unavailable.html", {"busy": True}, status=429)
        busy["Retry-After"] = str(WINDOW_SECONDS)
        return _private(busy)
    order = order_for_tracking(token)
    if order is None:
        return _private(render(request, "orders/tracking_unavailable.html", status=404))
    language = customer_language(order.customer)
    template = "orders/tracking.html"
    if request.headers.get("HX-Request"):
        template += "#live"
    with translation.override(language):
        response = render(
            request,
            template,
            {
                "page": tracking_page(order),
                "refresh": REFRESH_SECONDS,
                "now": timezone.now(),
                "map_tile_url": settings.MAP_TILE_URL,
            },
        )
    response["Content-Language"] = language
    return _private(response)


def _back(order: Order) -> HttpResponse:
    return redirect("orders:detail", pk=order.pk)


@section_required("orders")
@require_POST
def tracking_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_scoped_or_404(Order, company_of(request), pk=pk)
    order_tracking_revoke(order=order, actor=actor_of(request))
    messages.success(request, _("The tracking link no longer works."))
    return _back(order)


@section_required("orders")
@require_POST
def tracking_renew(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_scoped_or_404(Order, company_of(request), pk=pk)
    order = order_tracking_renew(order=order, actor=actor_of(request))
    messages.success(
        request,
        _("New tracking link: %(url)s (the old one no longer works).")
        % {"url": tracking_url(order)},
    )
    return _back(order)
