"""Reads about subscriptions that pages, generation and reminders share."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.catalog.models import Product
from apps.ledger.models import Account, AccountKind
from apps.orders.models import Order, OrderChannel
from apps.org.models import Company
from apps.subscriptions.models import (
    SLOT_TIMES,
    CalendarChange,
    PauseReason,
    Plan,
    PlanItem,
    Subscription,
    SubscriptionSettings,
    SubscriptionStatus,
    TermKind,
)
from apps.subscriptions.schedule import Change, ChangeKind, Planned, Term, month_grid, plan_days

LOCAL = ZoneInfo(settings.TIME_ZONE)


def subscription_settings_for(company: Company) -> SubscriptionSettings:
    row = SubscriptionSettings.objects.filter(company=company).first()
    return row or SubscriptionSettings(company=company)


def window_for(day: date, slot: str) -> tuple[datetime, datetime]:
    start, end = SLOT_TIMES[slot]
    return (datetime.combine(day, start, tzinfo=LOCAL), datetime.combine(day, end, tzinfo=LOCAL))


def local_today() -> date:
    return timezone.localdate()


def as_change(row: CalendarChange) -> Change:
    return Change(
        kind=ChangeKind(row.kind),
        day=row.day,
        until=row.until,
        quantity=row.quantity,
        product_id=row.product_id,
    )


def changes_of(subscription: Subscription) -> list[Change]:
    return [as_change(row) for row in subscription.changes.order_by("at", "pk")]


@dataclass(frozen=True)
class UnitLine:
    product_id: int
    quantity: int


def units_for(items: Sequence[PlanItem], multiplier: int, planned: Planned) -> list[UnitLine]:
    """The products and units one planned day brings."""
    per_set = planned.quantity or multiplier
    times = per_set * planned.deliveries
    if planned.product_id is not None:
        total = sum(item.quantity for item in items) * times
        return [UnitLine(planned.product_id, total)]
    return [UnitLine(item.product_id, item.quantity * times) for item in items]


def units_per_delivery(subscription: Subscription) -> int:
    return sum(item.quantity for item in subscription.plan.items.all()) * subscription.quantity


def term_of(subscription: Subscription, *, remaining: int | None = None) -> Term:
    plan = subscription.plan
    return Term(
        remaining=remaining if plan.term == TermKind.CARD else None,
        end=subscription.end_date,
        extend_on_skip=plan.skip_rule == "extend",
    )


def card_account(subscription: Subscription) -> Account | None:
    package = subscription.plan.ticket_package
    if package is None:
        return None
    return Account.objects.filter(
        company_id=subscription.company_id,
        kind=AccountKind.TICKETS,
        customer_id=subscription.customer_id,
        ticket_type_id=package.ticket_type_id,
    ).first()


def wallet_balance_fen(subscription: Subscription) -> int:
    account = Account.objects.filter(
        company_id=subscription.company_id,
        kind=AccountKind.WALLET,
        customer_id=subscription.customer_id,
    ).first()
    return account.display_balance if account else 0


def deliveries_left(subscription: Subscription) -> int | None:
    """For a card: the deliveries its tickets still pay for; None for other terms."""
    if subscription.plan.term != TermKind.CARD:
        return None
    account = card_account(subscription)
    units = units_per_delivery(subscription)
    return (account.display_balance if account else 0) // max(units, 1)


def calendar_of(subscription: Subscription, start: date, until: date) -> dict[date, Planned]:
    """What each day from ``start`` to ``until`` brings, counting a card from today on."""
    today = local_today()
    first = max(start, subscription.start_date, today)
    remaining = deliveries_left(subscription)
    days = plan_days(
        subscription.rule(),
        changes_of(subscription),
        start=first,
        until=until,
        term=term_of(subscription, remaining=remaining),
    )
    return {planned.day: planned for planned in days}


def subscription_list(company: Company, *, status: str = "") -> QuerySet[Subscription]:
    queryset = Subscription.objects.filter(company=company).select_related(
        "customer", "plan", "address"
    )
    return queryset.filter(status=status) if status else queryset


def plans_of(company: Company) -> QuerySet[Plan]:
    return Plan.objects.filter(company=company).prefetch_related("items__product")


def card_balances(
    company: Company, customer_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], int]:
    """Customers' card tickets, by (customer, ticket type): one query for a whole list."""
    accounts = Account.objects.filter(
        company=company, kind=AccountKind.TICKETS, customer__isnull=False
    )
    if customer_ids is not None:
        accounts = accounts.filter(customer_id__in=list(customer_ids))
    rows = accounts.values_list("customer_id", "ticket_type_id", "balance", "normal")
    return {(c, t): balance * normal for c, t, balance, normal in rows}


def left_on_card(subscription: Subscription, balances: dict[tuple[int, int], int]) -> int | None:
    package = subscription.plan.ticket_package
    if subscription.plan.term != TermKind.CARD or package is None:
        return None
    tickets = balances.get((subscription.customer_id, package.ticket_type_id), 0)
    return tickets // max(units_per_delivery(subscription), 1)


@dataclass(frozen=True)
class Ending:
    subscription: Subscription
    left: int | None  # deliveries left on a card
    ends: date | None  # last day of a date range


def ending_soon(company: Company, *, within_days: int) -> list[Ending]:
    """Subscriptions to renew: a range ending within ``within_days``, a card running low or out."""
    row = subscription_settings_for(company)
    horizon = local_today() + timedelta(days=within_days)
    waiting = Q(status=SubscriptionStatus.PAUSED, pause_reason=PauseReason.BALANCE)
    current = (
        Subscription.objects.filter(Q(status=SubscriptionStatus.ACTIVE) | waiting, company=company)
        .select_related("customer", "plan__ticket_package")
        .prefetch_related("plan__items")
    )
    by_date = [
        Ending(s, None, s.end_date)
        for s in current.filter(end_date__isnull=False, end_date__lte=horizon)
    ]
    balances = card_balances(company)
    cards = [
        Ending(s, left_on_card(s, balances), None) for s in current.filter(plan__term=TermKind.CARD)
    ]
    low = [e for e in cards if (e.left or 0) <= row.remind_deliveries_left]
    return sorted(
        [*by_date, *low], key=lambda e: (e.left if e.left is not None else 99, e.ends or date.max)
    )


def paused_long(company: Company) -> QuerySet[Subscription]:
    row = subscription_settings_for(company)
    since = timezone.now() - timedelta(days=row.long_pause_days)
    return subscription_list(company, status=SubscriptionStatus.PAUSED).filter(paused_at__lte=since)


def changes_covering(
    company: Company, day: date, ids: Iterable[int] | None = None
) -> QuerySet[CalendarChange]:
    covering = Q(day=day) | Q(day__lt=day, until__gte=day)
    queryset = CalendarChange.objects.filter(covering, company=company)
    return queryset.filter(subscription_id__in=ids) if ids is not None else queryset


@dataclass(frozen=True)
class DayCell:
    day: date
    planned: Planned | None
    units: int
    product_name: str
    past: bool = False
    order_status: str = ""

    @property
    def css(self) -> str:
        return "none" if self.planned is None else self.planned.kind.value


class _Shower:
    """Turns planned days of one subscription into cells, naming swapped products."""

    def __init__(self, subscription: Subscription) -> None:
        self.subscription = subscription
        self.items = list(subscription.plan.items.select_related("product"))
        self.names = {item.product_id: str(item.product) for item in self.items}

    def name(self, planned: Planned) -> str:
        if planned.product_id is None:
            return " + ".join(self.names.values())
        if planned.product_id not in self.names:
            product = Product.objects.filter(pk=planned.product_id).first()
            self.names[planned.product_id] = str(product or "")
        return self.names[planned.product_id]

    def cell(self, day: date, planned: Planned | None, **extra: object) -> DayCell:
        if planned is None:
            return DayCell(day=day, planned=None, units=0, product_name="", **extra)  # type: ignore[arg-type]
        lines = units_for(self.items, self.subscription.quantity, planned)
        return DayCell(
            day=day,
            planned=planned,
            units=sum(line.quantity for line in lines),
            product_name=self.name(planned),
            **extra,  # type: ignore[arg-type]
        )


def month_view(subscription: Subscription, year: int, month: int) -> list[list[DayCell | None]]:
    """The month as weeks of days: what each one brings, and the generated order's status."""
    weeks = month_grid(year, month)
    days = [d for week in weeks for d in week if d is not None]
    planned = calendar_of(subscription, days[0], days[-1])
    shower = _Shower(subscription)
    statuses = dict(
        Order.objects.filter(
            company_id=subscription.company_id,
            channel=OrderChannel.SUBSCRIPTION,
            external_id__startswith=f"{subscription.pk}:",
        ).values_list("external_id", "status")
    )
    today = local_today()
    return [
        [
            shower.cell(
                d,
                planned.get(d),
                past=d <= today,
                order_status=statuses.get(f"{subscription.pk}:{d.isoformat()}", ""),
            )
            if d
            else None
            for d in week
        ]
        for week in weeks
    ]


def upcoming(subscription: Subscription, *, count: int, horizon_days: int = 62) -> list[DayCell]:
    """The next ``count`` deliveries from tomorrow on."""
    start = local_today() + timedelta(days=1)
    planned = calendar_of(subscription, start, start + timedelta(days=horizon_days))
    shower = _Shower(subscription)
    return [shower.cell(day, planned[day]) for day in sorted(planned)[:count]]


def active_count(company: Company) -> int:
    return Subscription.objects.filter(company=company, status=SubscriptionStatus.ACTIVE).count()


@dataclass(frozen=True)
class Ended:
    customer_name: str
    ended_on: date
    reason: str


def ended_between(company: Company, start: datetime, end: datetime) -> list[Ended]:
    """Subscriptions cancelled or ended in [start, end), newest first (for churn reports)."""
    rows = (
        Subscription.objects.filter(company=company, ended_at__gte=start, ended_at__lt=end)
        .select_related("customer")
        .order_by("-ended_at")
    )
    return [
        Ended(row.customer.name, timezone.localdate(row.ended_at), row.cancel_reason)
        for row in rows
        if row.ended_at is not None
    ]
