"""Back-office pages of subscriptions, and the customer's self-service page (no log-in)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.orders.services.notifications import customer_language
from apps.org.access import roles_required, section_required
from apps.org.crud import Column, Crud
from apps.org.models import Company, Role
from apps.org.scoping import get_scoped_or_404
from apps.subscriptions.forms import (
    SELF_SERVICE_KINDS,
    CalendarChangeForm,
    CancelForm,
    CompanyPauseForm,
    PlanForm,
    PlanItemFormSet,
    RenewForm,
    SellForm,
)
from apps.subscriptions.models import ChangeChannel, Plan, Subscription, SubscriptionStatus
from apps.subscriptions.public import self_service_path, subscription_for_link
from apps.subscriptions.selectors import (
    deliveries_left,
    ending_soon,
    local_today,
    month_view,
    paused_long,
    plans_of,
    subscription_list,
    subscription_settings_for,
    upcoming,
    wallet_balance_fen,
)
from apps.subscriptions.services.calendar import Who, calendar_change, company_pause
from apps.subscriptions.services.reminders import calendar_link_send
from apps.subscriptions.services.selling import (
    subscription_cancel,
    subscription_renew,
    subscription_sell,
)

SECTION = "subscriptions"


def _company(request: HttpRequest) -> Company:
    return request.company  # type: ignore[attr-defined, no-any-return]


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _month(request: HttpRequest) -> tuple[int, int]:
    try:
        first = date.fromisoformat(request.GET.get("month", "") + "-01")
    except ValueError:
        first = local_today().replace(day=1)
    return first.year, first.month


def _neighbours(year: int, month: int) -> tuple[str, str]:
    before = (year - 1, 12) if month == 1 else (year, month - 1)
    after = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{before[0]}-{before[1]:02d}", f"{after[0]}-{after[1]:02d}"


@section_required(SECTION)
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    company = _company(request)
    status = request.GET.get("status", "")
    if status not in SubscriptionStatus.values:
        status = ""
    rows = subscription_list(company, status=status)[:200]
    return render(
        request,
        "subscriptions/index.html",
        {
            "rows": rows,
            "status": status,
            "statuses": SubscriptionStatus.choices,
            "pause_form": CompanyPauseForm(),
        },
    )


@section_required(SECTION)
@require_safe
def retention(request: HttpRequest) -> HttpResponse:
    company = _company(request)
    rules = subscription_settings_for(company)
    return render(
        request,
        "subscriptions/retention.html",
        {
            "ending": ending_soon(company, within_days=rules.remind_days_left),
            "paused": paused_long(company),
            "rules": rules,
            "renew_form": RenewForm(),
        },
    )


plan_pages = Crud(
    section=SECTION,
    name="plan",
    model=Plan,
    form_class=PlanForm,
    plural_url="plans",
    inline_formset=PlanItemFormSet,
    columns=(Column(gettext_lazy("name"), "name"),),
)
owner_only = roles_required(frozenset({Role.OWNER}))
plan_edit = owner_only(plan_pages.edit_view)


@section_required(SECTION)
@require_safe
def plans(request: HttpRequest) -> HttpResponse:
    return render(request, "subscriptions/plans.html", {"plans": plans_of(_company(request))})


def _detail_context(subscription: Subscription, year: int, month: int) -> dict[str, object]:
    before, after = _neighbours(year, month)
    return {
        "subscription": subscription,
        "weeks": month_view(subscription, year, month),
        "month": date(year, month, 1),
        "before": before,
        "after": after,
        "left": deliveries_left(subscription),
        "wallet_fen": wallet_balance_fen(subscription),
        "changes": subscription.changes.select_related("actor", "product").order_by("-at", "-pk")[
            :50
        ],
    }


@section_required(SECTION)
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request)
    subscription = get_scoped_or_404(
        Subscription.objects.select_related("customer", "plan", "address"), company, pk=pk
    )
    form = CalendarChangeForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            calendar_change(
                subscription=subscription, who=Who(user=request.user), **form.cleaned_data
            )
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("The calendar was changed."))
            return redirect("subscriptions:detail", pk=pk)
    year, month = _month(request)
    context = _detail_context(subscription, year, month)
    context.update(
        form=form,
        renew_form=RenewForm(),
        cancel_form=CancelForm(),
        link=request.build_absolute_uri(self_service_path(subscription)),
    )
    return render(request, "subscriptions/detail.html", context)


@section_required(SECTION)
@require_POST
def renew(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_scoped_or_404(Subscription, _company(request), pk=pk)
    form = RenewForm(request.POST)
    if form.is_valid():
        try:
            subscription_renew(
                subscription=subscription, method=form.cleaned_data["method"], user=request.user
            )
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("The subscription was renewed."))
    return redirect("subscriptions:detail", pk=pk)


@section_required(SECTION)
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_scoped_or_404(Subscription, _company(request), pk=pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the subscription is cancelled."))
    else:
        subscription_cancel(
            subscription=subscription, reason=form.cleaned_data["reason"], user=request.user
        )
        messages.success(request, _("The subscription was cancelled."))
    return redirect("subscriptions:detail", pk=pk)


@section_required(SECTION)
@require_POST
def send_link(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_scoped_or_404(
        Subscription.objects.select_related("company", "customer", "plan"), _company(request), pk=pk
    )
    url = request.build_absolute_uri(self_service_path(subscription))
    calendar_link_send(subscription=subscription, url=url)
    messages.success(request, _("The link is on its way to the customer."))
    return redirect("subscriptions:detail", pk=pk)


@section_required(SECTION)
@require_http_methods(["GET", "POST"])
def sell(request: HttpRequest) -> HttpResponse:
    company = _company(request)
    form = SellForm(request.POST or None, company=company, initial={"start_date": local_today()})
    if request.method == "POST" and form.is_valid():
        try:
            subscription = subscription_sell(
                company=company, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(
                request, _("Subscription %(number)s sold.") % {"number": subscription.number}
            )
            return redirect("subscriptions:detail", pk=subscription.pk)
    return render(request, "subscriptions/sell.html", {"form": form})


@section_required(SECTION)
@require_POST
def pause_all(request: HttpRequest) -> HttpResponse:
    form = CompanyPauseForm(request.POST)
    if form.is_valid():
        try:
            count = company_pause(
                company=_company(request), who=Who(user=request.user), **form.cleaned_data
            )
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("%(count)s subscriptions paused.") % {"count": count})
    else:
        messages.error(request, _("Give the first and the last day of the pause."))
    return redirect("subscriptions:index")


@require_http_methods(["GET", "POST"])
def self_service(request: HttpRequest, token: str) -> HttpResponse:
    subscription = subscription_for_link(token)
    if subscription is None:
        return _private(render(request, "subscriptions/self_service_gone.html", status=404))
    with translation.override(customer_language(subscription.customer)):
        form = CalendarChangeForm(
            request.POST or None, company=subscription.company, kinds=SELF_SERVICE_KINDS
        )
        if request.method == "POST" and form.is_valid():
            try:
                calendar_change(
                    subscription=subscription,
                    who=Who(channel=ChangeChannel.SELF_SERVICE),
                    **form.cleaned_data,
                )
            except ValidationError as error:
                _refused(request, error)
            else:
                messages.success(request, _("Done: your calendar was changed."))
                return redirect(request.path)
        year, month = _month(request)
        context = _detail_context(subscription, year, month)
        context["form"] = form
        context["upcoming"] = upcoming(subscription, count=5)
        response = render(request, "subscriptions/self_service.html", context)
    return _private(response)


def _private(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "same-origin"  # the form posts back: Origin must not be null
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response
