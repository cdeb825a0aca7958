"""One order: its facts, lines, timeline and messages, and the actions its status allows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.orders.forms import orders as forms
from apps.orders.models import Order, OrderStatus
from apps.orders.selectors import order_events, order_get
from apps.orders.services import lifecycle, settlement
from apps.orders.views.common import actor_of, company_of, report_form_errors, report_refusal
from apps.org.access import roles_required
from apps.org.models import Role, StaffMember

S = OrderStatus
ORDER_ROLES = frozenset({Role.OWNER, Role.DISPATCHER, Role.ACCOUNTANT})
CORRECTING_ROLES = frozenset({Role.OWNER, Role.ACCOUNTANT})


def _get(request: HttpRequest, pk: int) -> Order:
    try:
        return order_get(company=company_of(request), pk=pk)
    except Order.DoesNotExist:
        raise Http404 from None


def _containers(order: Order) -> list[Any]:
    seen = {line.product.container_type for line in order.lines.all()}
    return sorted((c for c in seen if c is not None), key=lambda c: c.pk)


def _staff(request: HttpRequest) -> StaffMember:
    return request.staff  # type: ignore[attr-defined, no-any-return]


@dataclass(frozen=True)
class OrderAction:
    """A button on the order page: which statuses and roles see it, its form, what it calls."""

    name: str
    title: str | Promise
    statuses: frozenset[str]
    roles: frozenset[str]
    form: Callable[..., django_forms.Form]
    run: Callable[[HttpRequest, Order, Any], Order]
    danger: bool = False


def _assign(request: HttpRequest, order: Order, form: Any) -> Order:
    return lifecycle.order_assign(
        order=order,
        courier=form.cleaned_data["courier"],
        actor=actor_of(request),
        note=form.cleaned_data["note"],
    )


def _unassign(request: HttpRequest, order: Order, form: Any) -> Order:
    return lifecycle.order_unassign(order=order, actor=actor_of(request))


def _start(request: HttpRequest, order: Order, form: Any) -> Order:
    return lifecycle.order_start_delivery(order=order, actor=actor_of(request))


def _deliver(request: HttpRequest, order: Order, form: Any) -> Order:
    due = settlement.amount_due_fen(settlement.ledger_lines(form.order_lines, form.delivered()))
    return settlement.order_deliver(
        order=order,
        actor=actor_of(request),
        delivered=form.delivered(),
        payments=form.payments(due),
        empties=form.empties(),
        note=form.cleaned_data["note"],
    )


def _correct(request: HttpRequest, order: Order, form: Any) -> Order:
    due = settlement.amount_due_fen(settlement.ledger_lines(form.order_lines, form.delivered()))
    return settlement.order_correct_delivery(
        order=order,
        actor=actor_of(request),
        reason=form.cleaned_data["reason"],
        delivered=form.delivered(),
        payments=form.payments(due),
        empties=form.empties(),
    )


def _fail(request: HttpRequest, order: Order, form: Any) -> Order:
    data = form.cleaned_data
    return lifecycle.order_fail(
        order=order, reason=data["reason"], note=data["note"], actor=actor_of(request)
    )


def _reschedule(request: HttpRequest, order: Order, form: Any) -> Order:
    start, end = form.chosen_window()
    return lifecycle.order_reschedule(
        order=order,
        window_start=start,
        window_end=end,
        actor=actor_of(request),
        note=form.cleaned_data["note"],
    )


def _cancel(request: HttpRequest, order: Order, form: Any) -> Order:
    data = form.cleaned_data
    return lifecycle.order_cancel(
        order=order, reason=data["reason"], note=data["note"], actor=actor_of(request)
    )


def _plain(*args: Any, **kwargs: Any) -> django_forms.Form:
    kwargs.pop("company", None)
    kwargs.pop("order", None)
    return django_forms.Form(*args, **kwargs)


DISPATCH = frozenset({Role.OWNER, Role.DISPATCHER})

ACTIONS = (
    OrderAction(
        "assign",
        gettext_lazy("Assign"),
        frozenset({S.PENDING, S.ASSIGNED}),
        DISPATCH,
        lambda *a, company, order, **k: forms.AssignForm(*a, company=company, **k),
        _assign,
    ),
    OrderAction(
        "start", gettext_lazy("Out for delivery"), frozenset({S.ASSIGNED}), DISPATCH, _plain, _start
    ),
    OrderAction(
        "deliver",
        gettext_lazy("Record the delivery"),
        frozenset({S.ASSIGNED, S.OUT_FOR_DELIVERY}),
        DISPATCH,
        lambda *a, company, order, **k: forms.DeliveryForm(
            *a, order=order, containers=_containers(order), **k
        ),
        _deliver,
    ),
    OrderAction(
        "fail",
        gettext_lazy("Delivery failed"),
        frozenset({S.ASSIGNED, S.OUT_FOR_DELIVERY}),
        DISPATCH,
        lambda *a, company, order, **k: forms.FailForm(*a, **k),
        _fail,
    ),
    OrderAction(
        "reschedule",
        gettext_lazy("Reschedule"),
        frozenset({S.PENDING, S.ASSIGNED, S.FAILED}),
        DISPATCH,
        lambda *a, company, order, **k: forms.RescheduleForm(*a, **k),
        _reschedule,
    ),
    OrderAction(
        "unassign",
        gettext_lazy("Back to the pool"),
        frozenset({S.ASSIGNED}),
        DISPATCH,
        _plain,
        _unassign,
    ),
    OrderAction(
        "cancel",
        gettext_lazy("Cancel the order"),
        frozenset({S.PENDING, S.ASSIGNED, S.FAILED}),
        DISPATCH,
        lambda *a, company, order, **k: forms.CancelForm(*a, **k),
        _cancel,
        danger=True,
    ),
    OrderAction(
        "correct",
        gettext_lazy("Correct the delivery"),
        frozenset({S.DELIVERED}),
        CORRECTING_ROLES,
        lambda *a, company, order, **k: forms.CorrectionForm(
            *a, order=order, containers=_containers(order), **k
        ),
        _correct,
    ),
)
ACTIONS_BY_NAME = {action.name: action for action in ACTIONS}


def _available(order: Order, staff: StaffMember) -> list[tuple[OrderAction, django_forms.Form]]:
    return [
        (action, action.form(company=order.company, order=order, prefix=action.name))
        for action in ACTIONS
        if order.status in action.statuses and staff.role in action.roles
    ]


@roles_required(ORDER_ROLES)
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _get(request, pk)
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "events": order_events(order=order),
            "actions": _available(order, _staff(request)),
            "notifications": order.notifications.all()[:20],
        },
    )


@require_POST
@roles_required(ORDER_ROLES)
def order_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    order = _get(request, pk)
    action = ACTIONS_BY_NAME.get(name)
    if action is None or _staff(request).role not in action.roles:
        raise Http404
    form = action.form(request.POST, company=order.company, order=order, prefix=action.name)
    if form.is_valid():
        try:
            action.run(request, order, form)
        except ValidationError as error:
            report_refusal(request, error)
        else:
            messages.success(
                request,
                _("%(number)s: %(action)s — done.")
                % {"number": order.number, "action": action.title},
            )
            return redirect("orders:detail", pk=order.pk)
    else:
        report_form_errors(request, form)
    return redirect("orders:detail", pk=order.pk)
