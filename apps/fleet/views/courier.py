"""The courier's phone pages: today, one stop, the actions he records, the hand-over.

Forms post to :func:`courier_actions`. The page's script sends them as JSON
batches (kept on the phone while there is no signal); without the script a form
posts directly and the page comes back with a message.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.fleet.forms.courier import ChangeForm, DeliveryRecordForm, LoadOutForm, ProblemForm
from apps.fleet.models import CourierActionOutcome, Shift, ShiftStatus
from apps.fleet.photos import photo_for_token
from apps.fleet.selectors import courier as selectors
from apps.fleet.services.courier import (
    StopAction,
    courier_action_apply,
    courier_conflicts_seen,
    handover_confirm,
    shift_start_with_load,
)
from apps.fleet.services.grab import order_accepted
from apps.fleet.services.setup import shift_break, shift_end
from apps.org.access import section_required
from apps.org.models import StaffMember

MAX_ACTIONS = 200


def _staff(request: HttpRequest) -> StaffMember:
    return request.staff  # type: ignore[attr-defined, no-any-return]


@never_cache
@section_required("courier")
def courier_today(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    day = selectors.courier_day(courier=staff, day=timezone.localdate())
    load_form = None
    if day.shift is not None and day.shift.status == ShiftStatus.PLANNED:
        load_form = LoadOutForm(products=selectors.courier_products(staff))
    return render(
        request,
        "fleet/courier/today.html",
        {"staff": staff, "day": day, "load_form": load_form},
    )


@never_cache
@section_required("courier")
def courier_stop_page(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _staff(request)
    stop = selectors.courier_stop(courier=staff, pk=pk)
    if stop is None:
        raise Http404
    return render(
        request,
        "fleet/courier/stop.html",
        {
            "stop": stop,
            "order": stop.order,
            "deliver_form": DeliveryRecordForm(order=stop.order),
            "problem_form": ProblemForm(),
            "change_form": ChangeForm(order=stop.order, products=selectors.courier_products(staff)),
            "action_key": uuid.uuid4().hex,
            "accepted": order_accepted(stop.order, staff),
            "payment_qr": stop.order.depot.payment_qr if stop.order.depot else None,
        },
    )


# --- shift ---------------------------------------------------------------------------


def _today_shift_or_404(staff: StaffMember) -> Shift:
    shift = selectors.courier_shift(courier=staff, day=timezone.localdate())
    if shift is None:
        raise Http404
    return shift


@require_POST
@section_required("courier")
def courier_shift_start(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    shift = _today_shift_or_404(staff)
    form = LoadOutForm(request.POST, products=selectors.courier_products(staff))
    if not form.is_valid():
        messages.error(request, _("Check the quantities loaded."))
        return redirect("fleet:courier_today")
    try:
        shift_start_with_load(shift=shift, load=form.load(), user=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("fleet:courier_today")


@require_POST
@section_required("courier")
def courier_shift_break(request: HttpRequest) -> HttpResponse:
    return _shift_move(request, shift_break, then="fleet:courier_today")


@require_POST
@section_required("courier")
def courier_shift_end(request: HttpRequest) -> HttpResponse:
    """The shift ends; his hand-over summary comes next."""
    return _shift_move(request, shift_end, then="fleet:courier_handover")


def _shift_move(request: HttpRequest, move: Callable[..., Shift], *, then: str) -> HttpResponse:
    shift = _today_shift_or_404(_staff(request))
    try:
        move(shift=shift)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("fleet:courier_today")
    return redirect(then)


# --- actions -------------------------------------------------------------------------


class BadAction(ValueError):
    pass


def _decimal(value: Any, name: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError) as error:
        raise BadAction(_("%(name)s is not a number.") % {"name": name}) from error


def _moment(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as error:
        raise BadAction(_("occurred_at is not a time.")) from error
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _stop_action(raw: Any) -> StopAction:
    if not isinstance(raw, dict):
        raise BadAction(_("An action must be an object."))
    key, kind = str(raw.get("key", "")).strip(), str(raw.get("kind", ""))
    if not key or len(key) > 64:
        raise BadAction(_("Every action needs a key of at most 64 characters."))
    try:
        order_id = int(str(raw.get("order")))
    except ValueError as error:
        raise BadAction(_("Every action names its order.")) from error
    payload = raw.get("payload") or {}
    if not isinstance(payload, dict):
        raise BadAction(_("payload must be an object."))
    return StopAction(
        key=key,
        kind=kind,
        order_id=order_id,
        payload=payload,
        occurred_at=_moment(raw.get("occurred_at")),
        latitude=_decimal(raw.get("latitude"), "latitude"),
        longitude=_decimal(raw.get("longitude"), "longitude"),
    )


@require_POST
@section_required("courier")
def courier_actions(request: HttpRequest) -> HttpResponse:
    """``{"actions": [{key, kind, order, occurred_at, latitude, longitude, payload}]}``.

    The answer lists one result per action, in order:
    ``{"results": [{"key", "outcome", "message", "order_status", "change_fen"}]}``.
    """
    if request.content_type != "application/json":
        return _form_action(request)
    try:
        body = json.loads(request.body or b"{}")
        raws = body.get("actions") if isinstance(body, dict) else None
        if not isinstance(raws, list) or len(raws) > MAX_ACTIONS:
            raise BadAction(_("Send a list of at most %(count)s actions.") % {"count": MAX_ACTIONS})
        actions = [_stop_action(raw) for raw in raws]
    except (ValueError, BadAction) as error:
        return JsonResponse({"detail": str(error)}, status=400)
    staff = _staff(request)
    results = [
        courier_action_apply(courier=staff, action=action, user=request.user) for action in actions
    ]
    return JsonResponse(
        {
            "results": [
                {
                    "key": r.key,
                    "outcome": r.outcome,
                    "message": r.message,
                    "order_status": r.order_status,
                    "change_fen": r.change_fen,
                }
                for r in results
            ]
        }
    )


def _form_action(request: HttpRequest) -> HttpResponse:
    """A form posted without the page's script: one action, then back to the page."""
    data = request.POST
    try:
        action = _stop_action(
            {
                "key": data.get("key"),
                "kind": data.get("kind"),
                "order": data.get("order"),
                "payload": {k: v for k, v in data.items() if k not in ("key", "kind", "order")},
            }
        )
    except BadAction as error:
        return HttpResponseBadRequest(str(error))
    result = courier_action_apply(
        courier=_staff(request), action=action, user=request.user, keep_refusal=False
    )
    if result.outcome == CourierActionOutcome.APPLIED:
        messages.success(request, _("Recorded."))
        return redirect("fleet:courier_today")
    messages.error(request, result.message)
    return redirect("fleet:courier_stop", pk=action.order_id)


@require_POST
@section_required("courier")
def courier_problems_seen(request: HttpRequest) -> HttpResponse:
    courier_conflicts_seen(courier=_staff(request))
    return redirect("fleet:courier_today")


# --- end of day ----------------------------------------------------------------------


@never_cache
@section_required("courier")
def courier_handover(request: HttpRequest) -> HttpResponse:
    summary = selectors.courier_handover(courier=_staff(request), day=timezone.localdate())
    return render(request, "fleet/courier/handover.html", {"summary": summary})


@require_POST
@section_required("courier")
def courier_handover_confirm(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    day = timezone.localdate()
    summary = selectors.courier_handover(courier=staff, day=day)
    if handover_confirm(courier=staff, day=day, figures=summary.as_figures()):
        messages.success(request, _("Confirmed. Hand the cash, tickets and empties to the depot."))
    return redirect("fleet:courier_handover")


# --- installable app -----------------------------------------------------------------


@section_required("courier")
def courier_manifest(request: HttpRequest) -> HttpResponse:
    manifest = {
        "name": _("Songda courier"),
        "short_name": _("Songda"),
        "start_url": reverse("fleet:courier_today"),
        "scope": reverse("fleet:courier_today"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b6e4f",
        "icons": [
            {
                "src": settings.STATIC_URL + "img/favicon.svg",
                "sizes": "any",
                "type": "image/svg+xml",
            }
        ],
    }
    return JsonResponse(manifest, content_type="application/manifest+json")


def courier_service_worker(request: HttpRequest) -> HttpResponse:
    """Served under /fleet/courier/ so that it may control the courier's pages."""
    script = render_to_string(
        "fleet/courier/sw.js",
        {
            "today": reverse("fleet:courier_today"),
            "static": [
                settings.STATIC_URL + "css/mobile.css",
                settings.STATIC_URL + "js/courier.js",
            ],
        },
    )
    response = HttpResponse(script, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


def delivery_photo(request: HttpRequest, token: str) -> FileResponse:
    photo = photo_for_token(token)
    if photo is None:
        raise Http404
    response = FileResponse(photo.image.open("rb"))
    response["Cache-Control"] = "private, max-age=86400"
    return response
