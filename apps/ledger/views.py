"""The accountant's and owner's ledger pages. Every view is guarded by the "ledger" section."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.customers.models import Customer
from apps.ledger import forms, selectors, services, statements
from apps.ledger.models import Discrepancy, Handover, Statement, StatementBatch, Transaction
from apps.org.access import section_required
from apps.org.models import StaffMember
from apps.org.scoping import get_scoped_or_404

ledger_required = section_required("ledger")


def _company(request: HttpRequest) -> Any:
    return request.company  # type: ignore[attr-defined]


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@ledger_required
def index(request: HttpRequest) -> HttpResponse:
    company = _company(request)
    query = request.GET.get("q", "").strip()
    found = []
    if query:
        found = list(
            Customer.objects.filter(company=company)
            .filter(
                Q(name__icontains=query)
                | Q(code__icontains=query)
                | Q(phones__number__contains=query)
            )
            .distinct()[:20]
        )
    aging = selectors.aging(company=company)
    return render(
        request,
        "ledger/index.html",
        {
            "query": query,
            "found": found,
            "discrepancies": selectors.open_discrepancies(company=company),
            "handovers": selectors.handover_list(company=company)[:10],
            "aging": aging[:10],
            "aging_total": sum(row.total for row in aging),
            "statements": selectors.statement_list(company=company)[:8],
            "transactions": selectors.recent_transactions(company=company, limit=15),
            "couriers": selectors.courier_list(company=company),
            "low_stock": [
                a
                for a in selectors.stock_levels(company=company)
                if a.low_threshold is not None and a.display_balance < a.low_threshold
            ],
        },
    )


# --- a customer's book --------------------------------------------------------------


@ledger_required
def customer(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request)
    who = get_scoped_or_404(Customer, company, pk=pk)
    today = timezone.localdate()
    return render(
        request,
        "ledger/customer.html",
        {
            "customer": who,
            "summary": selectors.customer_summary(customer=who),
            "history": selectors.customer_history(customer=who)[:300],
            "actions": CUSTOMER_ACTIONS,
            "period_form": forms.PeriodForm(
                initial={"period_start": today.replace(day=1), "period_end": today}
            ),
            "statements": Statement.objects.filter(company=company, customer=who)[:10],
        },
    )


@dataclass(frozen=True)
class CustomerAction:
    """A ledger action on one customer: its form's fields are the service's arguments."""

    name: str
    title: str | Promise
    form: type[forms.LedgerForm]
    service: Callable[..., Any]


CUSTOMER_ACTIONS = (
    CustomerAction(
        "top_up", gettext_lazy("Top up the wallet"), forms.TopUpForm, services.wallet_top_up
    ),
    CustomerAction(
        "wallet_refund",
        gettext_lazy("Pay back the wallet"),
        forms.WalletRefundForm,
        services.wallet_refund,
    ),
    CustomerAction(
        "ticket_sell", gettext_lazy("Sell tickets"), forms.TicketSellForm, services.tickets_sell
    ),
    CustomerAction(
        "ticket_redeem",
        gettext_lazy("Redeem tickets"),
        forms.TicketRedeemForm,
        services.tickets_redeem,
    ),
    CustomerAction(
        "ticket_refund",
        gettext_lazy("Refund unused tickets"),
        forms.TicketRefundForm,
        services.tickets_refund,
    ),
    CustomerAction(
        "deposit_take", gettext_lazy("Take a deposit"), forms.DepositTakeForm, services.deposit_take
    ),
    CustomerAction(
        "lend", gettext_lazy("Lend containers"), forms.LendForm, services.containers_lend
    ),
    CustomerAction(
        "deposit_refund",
        gettext_lazy("Refund a deposit"),
        forms.DepositRefundForm,
        services.deposit_refund,
    ),
    CustomerAction(
        "write_off",
        gettext_lazy("Write off lost containers"),
        forms.WriteOffForm,
        services.containers_write_off,
    ),
    CustomerAction(
        "credit_settle",
        gettext_lazy("Settle monthly credit"),
        forms.CreditSettleForm,
        services.credit_settle,
    ),
)


def customer_action_view(action: CustomerAction) -> Callable[..., HttpResponse]:
    @ledger_required
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        company = _company(request)
        who = get_scoped_or_404(Customer, company, pk=pk)
        form = action.form(request.POST or None, company=company)
        if request.method == "POST" and form.is_valid():
            try:
                arguments = {k: v for k, v in form.cleaned_data.items() if k != "token"}
                txn = action.service(
                    company=company,
                    key=form.key,
                    customer=who,
                    created_by=request.user,
                    **arguments,
                )
            except ValidationError as error:
                _refused(request, error)
            else:
                messages.success(request, _("Recorded as transaction #%(id)s.") % {"id": txn.pk})
                return redirect("ledger:customer", pk=who.pk)
        return render(
            request,
            "ledger/action.html",
            {"form": form, "title": action.title, "customer": who},
        )

    view.__name__ = f"customer_{action.name}"
    return view


# --- transactions and reversal ------------------------------------------------------


@ledger_required
def transaction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request)
    txn = get_scoped_or_404(
        Transaction.objects.select_related(
            "customer", "courier__user", "created_by", "reversal_of"
        ),
        company,
        pk=pk,
    )
    return render(
        request,
        "ledger/transaction.html",
        {
            "txn": txn,
            "postings": txn.postings.select_related(
                "account__customer",
                "account__courier__user",
                "account__depot",
                "account__ticket_type",
                "account__container_type",
                "account__product",
            ),
            "reversed_by": Transaction.objects.filter(reversal_of=txn).first(),
            "form": forms.ReverseForm(),
        },
    )


@ledger_required
def transaction_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request)
    txn = get_scoped_or_404(Transaction, company, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the transaction is reversed."))
        return redirect("ledger:transaction", pk=txn.pk)
    try:
        reversal = services.transaction_reverse(
            company=company, txn=txn, reason=form.cleaned_data["reason"], created_by=request.user
        )
    except ValidationError as error:
        _refused(request, error)
        return redirect("ledger:transaction", pk=txn.pk)
    messages.success(request, _("Reversed by transaction #%(id)s.") % {"id": reversal.pk})
    return redirect("ledger:transaction", pk=reversal.pk)


# --- courier hand-over ---------------------------------------------------------------


@ledger_required
def handovers(request: HttpRequest) -> HttpResponse:
    company = _company(request)
    return render(
        request,
        "ledger/handovers.html",
        {
            "handovers": selectors.handover_list(company=company)[:100],
            "couriers": selectors.courier_list(company=company),
            "discrepancies": selectors.open_discrepancies(company=company),
        },
    )


@ledger_required
def handover_new(request: HttpRequest) -> HttpResponse:
    company = _company(request)
    courier = get_scoped_or_404(
        StaffMember.objects.filter(role="courier").select_related("user", "home_depot"),
        company,
        pk=request.GET.get("courier"),
    )
    day = timezone.localdate()
    existing = Handover.objects.filter(company=company, courier=courier, day=day).first()
    if existing is not None:
        messages.info(request, _("Today's hand-over of this courier is already recorded."))
        return redirect("ledger:handover", pk=existing.pk)
    expected = selectors.handover_expected(company=company, courier=courier)
    form = forms.HandoverForm(
        request.POST or None, company=company, courier=courier, expected=expected
    )
    scan = services.scan_collected_fen(company=company, courier=courier, day=day)
    if request.method == "POST" and form.is_valid():
        try:
            handover = services.handover_record(
                company=company,
                courier=courier,
                day=day,
                depot=form.cleaned_data["depot"],
                counted=form.counts("counted"),
                declared=form.counts("declared"),
                scan_declared_fen=form.cleaned_data["scan_declared_fen"] or 0,
                note=form.cleaned_data["note"],
                created_by=request.user,
            )
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("The hand-over was recorded."))
            return redirect("ledger:handover", pk=handover.pk)
    return render(
        request,
        "ledger/handover_new.html",
        {"form": form, "courier": courier, "day": day, "scan_expected_fen": scan},
    )


@ledger_required
def handover_detail(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request)
    handover = get_scoped_or_404(
        Handover.objects.select_related("courier__user", "transaction__depot", "created_by"),
        company,
        pk=pk,
    )
    return render(
        request,
        "ledger/handover.html",
        {
            "handover": handover,
            "lines": handover.lines.select_related(
                "account__ticket_type", "account__container_type"
            ),
            "discrepancies": handover.discrepancies.select_related("account", "resolution"),
            "resolve_form": forms.ResolveForm(),
            "sheets": Statement.objects.filter(company=company, handover=handover)[:3],
        },
    )


@ledger_required
def discrepancy_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request)
    discrepancy = get_scoped_or_404(Discrepancy, company, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.discrepancy_resolve(
                company=company,
                discrepancy=discrepancy,
                resolution=form.cleaned_data["resolution"],
                note=form.cleaned_data["note"],
                created_by=request.user,
            )
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("The difference is resolved."))
    return redirect("ledger:handover", pk=discrepancy.handover_id)


# --- receivables ---------------------------------------------------------------------


@ledger_required
def aging(request: HttpRequest) -> HttpResponse:
    company = _company(request)
    rows = selectors.aging(company=company)
    return render(
        request,
        "ledger/aging.html",
        {
            "rows": rows,
            "totals": {
                "current": sum(r.current for r in rows),
                "days_0_30": sum(r.days_0_30 for r in rows),
                "days_31_60": sum(r.days_31_60 for r in rows),
                "days_60_plus": sum(r.days_60_plus for r in rows),
                "total": sum(r.total for r in rows),
            },
            "month_form": forms.MonthForm(),
        },
    )


@ledger_required
def credit_close(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request)
    who = get_scoped_or_404(Customer, company, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.MonthForm(request.POST)
    if form.is_valid():
        try:
            bill = services.credit_month_close(
                company=company, customer=who, month=form.cleaned_data["month"]
            )
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(
                request,
                _("%(month)s closed: %(amount)s.")
                % {"month": bill.month.strftime("%Y-%m"), "amount": _yuan(bill.amount_fen)},
            )
    return redirect("ledger:customer", pk=who.pk)


def _yuan(fen: int) -> str:
    from apps.core.money import format_yuan

    return format_yuan(fen)


# --- stock ---------------------------------------------------------------------------


@ledger_required
def stock(request: HttpRequest) -> HttpResponse:
    company = _company(request)
    form = forms.StockForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            _stock_run(request, form)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Recorded."))
            return redirect("ledger:stock")
    return render(
        request,
        "ledger/stock.html",
        {"levels": selectors.stock_levels(company=company), "form": form},
    )


def _stock_run(request: HttpRequest, form: forms.StockForm) -> None:
    company = _company(request)
    data = form.cleaned_data
    common = {"company": company, "depot": data["depot"]}
    action, product, quantity = data["action"], data["product"], data["quantity"]
    if action == "receive":
        services.stock_receive(
            **common,
            key=form.key,
            product=product,
            quantity=quantity,
            empties_returned=data["empties"] or 0,
            created_by=request.user,
        )
    elif action == "load":
        services.stock_load(
            **common,
            key=form.key,
            courier=data["courier"],
            product=product,
            quantity=quantity,
            created_by=request.user,
        )
    elif action == "return":
        empties = (
            {product.container_type: data["empties"]}
            if product.container_type and data["empties"]
            else {}
        )
        services.stock_return(
            **common,
            key=form.key,
            courier=data["courier"],
            goods={product: quantity},
            empties=empties,
            created_by=request.user,
        )
    elif action == "count":
        services.stock_count(
            **common, key=form.key, product=product, counted=quantity, created_by=request.user
        )
    else:
        services.stock_threshold_set(**common, product=product, threshold=quantity or None)


# --- statements ----------------------------------------------------------------------


@ledger_required
def statement_list(request: HttpRequest) -> HttpResponse:
    company = _company(request)
    return render(
        request,
        "ledger/statements.html",
        {
            "statements": selectors.statement_list(company=company)[:100],
            "batches": selectors.batch_list(company=company)[:12],
            "month_form": forms.MonthForm(),
        },
    )


@ledger_required
def statement_new(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request)
    who = get_scoped_or_404(Customer, company, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.PeriodForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("ledger:customer", pk=who.pk)
    statement = statements.statement_request(
        company=company,
        customer=who,
        period_start=form.cleaned_data["period_start"],
        period_end=form.cleaned_data["period_end"],
        created_by=request.user,
    )
    return redirect("ledger:statement", pk=statement.pk)


@ledger_required
def collection_sheet_new(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request)
    handover = get_scoped_or_404(Handover, company, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    statement = statements.collection_sheet_request(
        company=company, handover=handover, created_by=request.user
    )
    return redirect("ledger:statement", pk=statement.pk)


@ledger_required
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_scoped_or_404(
        Statement.objects.select_related("customer", "handover__courier__user"),
        _company(request),
        pk=pk,
    )
    template = (
        "ledger/_statement_status.html"
        if request.headers.get("HX-Request")
        else "ledger/statement.html"
    )
    return render(request, template, {"statement": statement})


@ledger_required
def statement_download(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_scoped_or_404(Statement, _company(request), pk=pk, status="done")
    return cast(
        HttpResponse,
        FileResponse(
            statement.file.open("rb"),
            as_attachment=True,
            filename=statement.filename,
            content_type="application/pdf",
        ),
    )


@ledger_required
@require_POST
def batch_new(request: HttpRequest) -> HttpResponse:
    company = _company(request)
    form = forms.MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a month."))
        return redirect("ledger:statements")
    try:
        batch = statements.batch_request(
            company=company, month=form.cleaned_data["month"], created_by=request.user
        )
    except ValidationError as error:
        _refused(request, error)
        return redirect("ledger:statements")
    return redirect("ledger:batch", pk=batch.pk)


@ledger_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_scoped_or_404(StatementBatch, _company(request), pk=pk)
    template = (
        "ledger/_batch_status.html" if request.headers.get("HX-Request") else "ledger/batch.html"
    )
    return render(request, template, {"batch": batch})


@ledger_required
def batch_download(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_scoped_or_404(StatementBatch, _company(request), pk=pk, status="done")
    return cast(
        HttpResponse,
        FileResponse(
            batch.file.open("rb"),
            as_attachment=True,
            filename=f"statements-{batch.month:%Y-%m}.zip",
            content_type="application/zip",
        ),
    )


def customer_url(customer: Customer) -> str:
    return reverse("ledger:customer", kwargs={"pk": customer.pk})
