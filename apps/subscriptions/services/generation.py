"""Daily generation: every subscription due on a day becomes that day's order.

One run per (company, day) at a time: the run's row is locked for the whole
generation, so a second run waits and then finds every order already made.
Each order's external id is ``"<subscription id>:<day>"`` (unique per company
and channel), so nothing is ever generated twice. A few statements per
thousand subscriptions: the subscriptions, their plans, the changes that
touch the day, the balances and the orders already made are read in bulk, the
schedule is applied in Python and the orders are written by
``orders_bulk_create``.

A card or wallet that cannot pay for the day gives no order: the customer gets
a reminder and, when the company says so, the subscription pauses until the
balance is topped up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from apps.customers.models import CustomerStatus
from apps.ledger.models import Account, AccountKind
from apps.ledger.services import Method
from apps.orders.models import (
    OPEN_STATUSES,
    Order,
    OrderChannel,
    OrderLine,
    PaymentIntent,
)
from apps.orders.services.bulk import BulkLine, BulkOrder, orders_bulk_create
from apps.org.models import Company
from apps.subscriptions.models import (
    CalendarChange,
    GenerationRun,
    PauseReason,
    Plan,
    PlanItem,
    Subscription,
    SubscriptionStatus,
    TermKind,
)
from apps.subscriptions.schedule import Change, ChangeKind, Kind, Planned, Rule, Term, plan_days
from apps.subscriptions.selectors import (
    LOCAL,
    UnitLine,
    subscription_settings_for,
    units_for,
    window_for,
)

PAYMENT_FOR_TERM = {
    TermKind.CARD: PaymentIntent.TICKETS,
    TermKind.PREPAID: PaymentIntent.WALLET,
    TermKind.MONTHLY: PaymentIntent.CREDIT,
}


def external_id(subscription_id: int, day: date) -> str:
    return f"{subscription_id}:{day.isoformat()}"


@dataclass
class Generated:
    day: date
    created: int = 0
    existing: int = 0
    short: list[int] = field(default_factory=list)  # newly short: paused and reminded
    still_short: int = 0  # paused for their balance before, and still short
    resumed: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Due:
    id: int
    customer_id: int
    address_id: int
    depot_id: int | None
    plan_id: int
    quantity: int
    price_fen: int | None
    start_date: date
    end_date: date | None
    status: str
    auto_renew: bool

    @property
    def waiting(self) -> bool:
        return self.status == SubscriptionStatus.PAUSED


@dataclass
class _PlanInfo:
    plan: Plan
    items: list[PlanItem]
    ticket_type_id: int | None


def _due_rows(company: Company, day: date) -> list[_Due]:
    """Active subscriptions, and those paused for their balance (a top-up resumes them)."""
    waiting = Q(status=SubscriptionStatus.PAUSED, pause_reason=PauseReason.BALANCE)
    rows = (
        Subscription.objects.filter(
            Q(status=SubscriptionStatus.ACTIVE) | waiting, company=company, start_date__lte=day
        )
        .exclude(customer__status=CustomerStatus.BLOCKED)
        .values_list(
            "id",
            "customer_id",
            "address_id",
            "address__depot_id",
            "plan_id",
            "quantity",
            "price_fen",
            "start_date",
            "end_date",
            "status",
            "auto_renew",
        )
        .order_by("id")
    )
    return [_Due(*row) for row in rows]


def _plans(company: Company) -> dict[int, _PlanInfo]:
    plans = Plan.objects.filter(company=company).select_related("ticket_package")
    items: dict[int, list[PlanItem]] = defaultdict(list)
    for item in PlanItem.objects.filter(plan__company=company).order_by("pk"):
        items[item.plan_id].append(item)
    return {
        plan.pk: _PlanInfo(
            plan,
            items[plan.pk],
            plan.ticket_package.ticket_type_id if plan.ticket_package else None,
        )
        for plan in plans
    }


def _change(row: dict[str, Any]) -> Change:
    return Change(
        kind=ChangeKind(row["kind"]),
        day=row["day"],
        until=row["until"],
        quantity=row["quantity"],
        product_id=row["product_id"],
    )


def _changes(company: Company, day: date, past_end: Iterable[int]) -> dict[int, list[Change]]:
    """Per subscription, the changes that can matter on ``day``, oldest first."""
    fields = ("subscription_id", "kind", "day", "until", "quantity", "product_id")
    covering = Q(day=day) | Q(day__lt=day, until__gte=day)
    rows = list(
        CalendarChange.objects.filter(covering, company=company)
        .order_by("at", "pk")
        .values("at", "pk", *fields)
    )
    paused = {r["subscription_id"] for r in rows if r["kind"] == ChangeKind.PAUSE}
    whole = set(past_end)
    if paused:
        rows += CalendarChange.objects.filter(
            company=company, kind=ChangeKind.RESUME, day__lte=day, subscription_id__in=paused
        ).values("at", "pk", *fields)
    if whole:
        rows += CalendarChange.objects.filter(
            company=company, subscription_id__in=whole, day__lt=day
        ).values("at", "pk", *fields)
    unique = {row["pk"]: row for row in rows}
    result: dict[int, list[Change]] = defaultdict(list)
    for row in sorted(unique.values(), key=lambda r: (r["at"], r["pk"])):
        result[row["subscription_id"]].append(_change(row))
    return result


def _planned(
    due: _Due, info: _PlanInfo, changes: list[Change], day: date, rules: dict[Any, Rule]
) -> Planned | None:
    plan = info.plan
    rule = rules.get((plan.pk, due.start_date))
    if rule is None:
        rule = rules[(plan.pk, due.start_date)] = plan.rule(due.start_date)
    if not changes and (due.end_date is None or day <= due.end_date):
        # The common case needs no calendar: the rule alone decides.
        return Planned(day, Kind.REGULAR) if rule.is_due(day) else None
    if due.end_date is not None and day > due.end_date:
        term = Term(end=due.end_date, extend_on_skip=plan.skip_rule == "extend")
        days = plan_days(rule, changes, start=due.start_date, until=day, term=term)
    else:
        days = plan_days(rule, changes, start=day, until=day, term=Term())
    return days[-1] if days and days[-1].day == day else None


def _existing(company: Company, day: date) -> set[str]:
    day_start = datetime.combine(day, time(0), tzinfo=LOCAL)
    return set(
        Order.objects.filter(
            company=company,
            channel=OrderChannel.SUBSCRIPTION,
            window_start__gte=day_start,
            window_start__lt=day_start + timedelta(days=1),
        ).values_list("external_id", flat=True)
    )


class _Purse:
    """What each customer can still pay with: card tickets per ticket type, wallet fen."""

    def __init__(self, company: Company, before: datetime) -> None:
        # Every customer balance of the company: one scan, cheaper than naming thousands.
        self.tickets: dict[tuple[int, int], int] = {}
        self.wallet: dict[int, int] = {}
        accounts = Account.objects.filter(
            company=company,
            customer__isnull=False,
            kind__in=(AccountKind.TICKETS, AccountKind.WALLET),
        ).values_list("kind", "customer_id", "ticket_type_id", "balance", "normal")
        for kind, customer_id, ticket_type_id, balance, normal in accounts.iterator(5000):
            if kind == AccountKind.TICKETS:
                self.tickets[(customer_id, ticket_type_id)] = balance * normal
            else:
                self.wallet[customer_id] = balance * normal
        self._reserve_open(company, before)

    def _reserve_open(self, company: Company, before: datetime) -> None:
        """Open subscription orders of earlier days will be paid first."""
        open_lines = (
            OrderLine.objects.filter(
                order__company=company,
                order__channel=OrderChannel.SUBSCRIPTION,
                order__status__in=OPEN_STATUSES,
                order__window_start__lt=before,
            )
            .values("order__customer_id", "order__payment_intent")
            .annotate(units=Sum("quantity"), fen=Sum(F("quantity") * F("unit_price_fen")))
        )
        for row in open_lines:
            customer_id = row["order__customer_id"]
            if row["order__payment_intent"] == PaymentIntent.WALLET:
                self.wallet[customer_id] = self.wallet.get(customer_id, 0) - row["fen"]
            elif row["order__payment_intent"] == PaymentIntent.TICKETS:
                for key in [k for k in self.tickets if k[0] == customer_id]:
                    self.tickets[key] -= row["units"]

    def take(self, due: _Due, info: _PlanInfo, lines: list[BulkLine]) -> bool:
        """Set aside what the day costs; False (and nothing set aside) when it is short."""
        term = info.plan.term
        if term == TermKind.CARD:
            key = (due.customer_id, info.ticket_type_id or 0)
            units = sum(line.quantity for line in lines)
            if self.tickets.get(key, 0) < units:
                return False
            self.tickets[key] -= units
        elif term == TermKind.PREPAID:
            fen = sum(line.quantity * line.unit_price_fen for line in lines)
            if self.wallet.get(due.customer_id, 0) < fen:
                return False
            self.wallet[due.customer_id] = self.wallet.get(due.customer_id, 0) - fen
        return True


def _bulk_order(due: _Due, info: _PlanInfo, units: list[UnitLine], day: date) -> BulkOrder:
    price = info.plan.price_fen if due.price_fen is None else due.price_fen
    start, end = window_for(day, info.plan.slot)
    return BulkOrder(
        customer_id=due.customer_id,
        address_id=due.address_id,
        depot_id=due.depot_id,
        external_id=external_id(due.id, day),
        window_start=start,
        window_end=end,
        payment_intent=PAYMENT_FOR_TERM[TermKind(info.plan.term)],
        lines=tuple(BulkLine(u.product_id, u.quantity, price) for u in units),
        notes=info.plan.name,
    )


def _auto_pause(company: Company, ids: list[int]) -> None:
    if ids and subscription_settings_for(company).auto_pause:
        Subscription.objects.filter(pk__in=ids, status=SubscriptionStatus.ACTIVE).update(
            status=SubscriptionStatus.PAUSED,
            pause_reason=PauseReason.BALANCE,
            paused_at=timezone.now(),
        )


def _renewed(due: _Due, info: _PlanInfo, draft: BulkOrder, purse: _Purse) -> bool:
    """A card that renews itself from the wallet does, when the wallet can pay for it."""
    from apps.subscriptions.services.selling import subscription_renew

    package = info.plan.ticket_package
    if not due.auto_renew or info.plan.term != TermKind.CARD or package is None:
        return False
    try:
        with transaction.atomic():
            subscription_renew(subscription=Subscription(pk=due.id), method=Method.WALLET)
    except ValidationError:
        return False
    key = (due.customer_id, package.ticket_type_id)
    purse.tickets[key] = purse.tickets.get(key, 0) + package.total_tickets * due.quantity
    purse.wallet[due.customer_id] = (
        purse.wallet.get(due.customer_id, 0) - package.price_fen * due.quantity
    )
    return purse.take(due, info, list(draft.lines))


def _resume(ids: list[int]) -> None:
    if ids:
        Subscription.objects.filter(pk__in=ids, status=SubscriptionStatus.PAUSED).update(
            status=SubscriptionStatus.ACTIVE, pause_reason="", paused_at=None
        )


@transaction.atomic
def deliveries_generate(*, company: Company, day: date) -> Generated:
    """Make ``day``'s orders from every subscription due; safe to run again and at once."""
    from apps.subscriptions.services.reminders import low_balance_remind

    run, _created = GenerationRun.objects.get_or_create(company=company, day=day)
    run = GenerationRun.objects.select_for_update().get(pk=run.pk)
    result = Generated(day=day)
    rows = _due_rows(company, day)
    plans = _plans(company)
    changes = _changes(company, day, [r.id for r in rows if r.end_date and r.end_date < day])
    existing = _existing(company, day)
    purse = _Purse(company, window_for(day, "morning")[0])
    drafts: list[BulkOrder] = []
    rules: dict[Any, Rule] = {}
    for due in rows:
        info = plans[due.plan_id]
        planned = _planned(due, info, changes.get(due.id, []), day, rules)
        if planned is None:
            continue
        if external_id(due.id, day) in existing:
            result.existing += 1
            continue
        draft = _bulk_order(due, info, units_for(info.items, due.quantity, planned), day)
        if not purse.take(due, info, list(draft.lines)) and not _renewed(due, info, draft, purse):
            if due.waiting:
                result.still_short += 1
            else:
                result.short.append(due.id)
            continue
        if due.waiting:
            result.resumed.append(due.id)
        drafts.append(draft)
    result.created = len(orders_bulk_create(company=company, orders=drafts))
    _auto_pause(company, result.short)
    _resume(result.resumed)
    low_balance_remind(company=company, subscription_ids=result.short, day=day)
    run.started_at = run.started_at or timezone.now()
    run.finished_at = timezone.now()
    run.created += result.created
    run.short = len(result.short)
    run.save()
    return result
