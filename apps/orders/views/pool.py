"""The dispatcher's pool: today's orders by status, filters, bulk actions, live refresh."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from apps.orders.forms.orders import BulkForm, PoolFilterForm
from apps.orders.models import OrderStatus
from apps.orders.selectors import order_pool
from apps.orders.services.lifecycle import order_assign, order_cancel, order_reschedule
from apps.orders.views.common import actor_of, company_of, report_form_errors
from apps.org.access import section_required

PAGE_SIZE = 100


@section_required("orders")
def index(request: HttpRequest) -> HttpResponse:
    company = company_of(request)
    form = PoolFilterForm(request.GET or None, company=company)
    pool_filter = form.pool_filter()
    pool = order_pool(company=company, pool=pool_filter)
    base = request.GET.copy()
    for name in ("status", "overdue", "page"):
        base.pop(name, None)
    paginator = Paginator(pool.orders, PAGE_SIZE)
    paginator.count = pool.listed  # the status counts hold it already
    context = {
        "form": form,
        "pool": pool,
        "page": paginator.get_page(request.GET.get("page")),
        "pool_filter": pool_filter,
        "status_tabs": [
            (value, label, pool.counts.get(value, 0)) for value, label in OrderStatus.choices
        ],
        "base_query": base.urlencode(),
        "bulk": BulkForm(company=company),
        "now": timezone.now(),
        "query": request.GET.urlencode(),
    }
    if request.headers.get("HX-Request"):
        return render(request, "orders/pool.html#pool", context)
    return render(request, "orders/pool.html", context)


@require_POST
@section_required("orders")
def bulk(request: HttpRequest) -> HttpResponse:
    form = BulkForm(request.POST, company=company_of(request))
    back = redirect(f"{reverse('orders:index')}?{request.POST.get('query', '')}")
    if not form.is_valid():
        report_form_errors(request, form)
        return back
    done, refused = _apply_bulk(request, form)
    if done:
        messages.success(
            request,
            ngettext("%(count)d order updated.", "%(count)d orders updated.", done)
            % {"count": done},
        )
    for number, error in refused:
        messages.error(
            request,
            _("%(number)s: %(error)s") % {"number": number, "error": " ".join(error.messages)},
        )
    return back


def _apply_bulk(
    request: HttpRequest, form: BulkForm
) -> tuple[int, list[tuple[str, ValidationError]]]:
    """Each order is its own transaction: one refusal does not undo the others."""
    data = form.cleaned_data
    actor = actor_of(request)
    done, refused = 0, []
    for order in data["orders"]:
        try:
            with transaction.atomic():
                if data["action"] == BulkForm.ASSIGN:
                    order_assign(order=order, courier=data["courier"], actor=actor)
                elif data["action"] == BulkForm.CANCEL:
                    order_cancel(order=order, reason=data["reason"], actor=actor)
                else:
                    window = form.presets[data["window"]]
                    order_reschedule(
                        order=order, window_start=window.start, window_end=window.end, actor=actor
                    )
            done += 1
        except ValidationError as error:
            refused.append((order.number, error))
    return done, refused
