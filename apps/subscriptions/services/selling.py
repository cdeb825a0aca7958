"""Selling, renewing and ending subscriptions; the money goes through the ledger's services."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.customers.models import Address, Customer
from apps.ledger.models import Transaction
from apps.ledger.services import Method, tickets_sell, wallet_top_up
from apps.orders.models import CancelReason, Order, OrderChannel, OrderStatus
from apps.orders.services.lifecycle import Actor, order_cancel
from apps.org.models import Company
from apps.subscriptions.errors import SubscriptionError
from apps.subscriptions.models import Plan, Subscription, SubscriptionStatus, TermKind
from apps.subscriptions.schedule import Term, plan_days


def _check(company: Company, customer: Customer, plan: Plan, address: Address | None) -> Address:
    if customer.company_id != company.pk or plan.company_id != company.pk:
        raise SubscriptionError(_("This customer or plan belongs to another company."))
    if not plan.is_active:
        raise SubscriptionError(_("%(plan)s is no longer sold.") % {"plan": plan})
    if not plan.items.exists():
        raise SubscriptionError(_("%(plan)s has no products yet.") % {"plan": plan})
    if plan.term == TermKind.CARD and plan.ticket_package is None:
        raise SubscriptionError(
            _("%(plan)s needs the card package it is sold as.") % {"plan": plan}
        )
    address = address or customer.default_address
    if address is None or address.customer_id != customer.pk:
        raise SubscriptionError(_("Choose one of the customer's addresses."))
    return address


def prepaid_amount_fen(subscription: Subscription, start: date, end: date) -> int:
    """What the deliveries of a date range cost at the subscription's unit price."""
    days = plan_days(subscription.rule(), [], start=start, until=end, term=Term())
    units = sum(item.quantity for item in subscription.plan.items.all()) * subscription.quantity
    return len(days) * units * subscription.unit_price_fen


def _pay(
    subscription: Subscription, *, sale: int, method: str, start: date, user: Any
) -> Transaction | None:
    plan = subscription.plan
    key = f"subscription:{subscription.pk}:sale:{sale}"
    if plan.term == TermKind.CARD:
        assert plan.ticket_package is not None
        return tickets_sell(
            company=subscription.company,
            key=key,
            customer=subscription.customer,
            package=plan.ticket_package,
            method=method,
            quantity=subscription.quantity,
            created_by=user,
        )
    if plan.term == TermKind.PREPAID:
        assert subscription.end_date is not None
        amount = prepaid_amount_fen(subscription, start, subscription.end_date)
        if amount <= 0:
            return None
        return wallet_top_up(
            company=subscription.company,
            key=key,
            customer=subscription.customer,
            amount_fen=amount,
            method=method,
            created_by=user,
        )
    return None


@transaction.atomic
def subscription_sell(
    *,
    company: Company,
    customer: Customer,
    plan: Plan,
    start_date: date,
    method: str = Method.CASH,
    address: Address | None = None,
    quantity: int = 1,
    price_fen: int | None = None,
    auto_renew: bool = False,
    user: Any = None,
) -> Subscription:
    """A new subscription from ``start_date``; a card or a prepaid range is paid now."""
    address = _check(company, customer, plan, address)
    if quantity < 1:
        raise SubscriptionError(_("The quantity must be at least 1."))
    if start_date < timezone.localdate():
        raise SubscriptionError(_("A subscription cannot start in the past."))
    end = (
        start_date + timedelta(days=plan.term_days - 1)
        if plan.term == TermKind.PREPAID and plan.term_days
        else None
    )
    subscription = Subscription.objects.create(
        company=company,
        customer=customer,
        address=address,
        plan=plan,
        quantity=quantity,
        price_fen=price_fen,
        start_date=start_date,
        end_date=end,
        auto_renew=auto_renew,
        created_by=user,
    )
    _pay(subscription, sale=1, method=method, start=start_date, user=user)
    return subscription


@transaction.atomic
def subscription_renew(
    *, subscription: Subscription, method: str, user: Any = None
) -> Subscription:
    """One more card, or one more term of a prepaid range; a balance pause ends."""
    locked = (
        Subscription.objects.select_for_update()
        .select_related("plan", "company", "customer")
        .get(pk=subscription.pk)
    )
    if locked.status == SubscriptionStatus.CANCELLED:
        raise SubscriptionError(_("A cancelled subscription cannot be renewed."))
    if locked.plan.term == TermKind.MONTHLY:
        raise SubscriptionError(_("An open-ended subscription needs no renewal."))
    sales = Transaction.objects.filter(
        company=locked.company, key__startswith=f"subscription:{locked.pk}:sale:"
    ).count()
    start = timezone.localdate() + timedelta(days=1)
    if locked.plan.term == TermKind.PREPAID and locked.plan.term_days:
        start = max(start, (locked.end_date or start) + timedelta(days=1))
        locked.end_date = start + timedelta(days=locked.plan.term_days - 1)
    locked.status = SubscriptionStatus.ACTIVE
    locked.pause_reason = ""
    locked.paused_at = None
    locked.renewal_reminded_at = None
    locked.save()
    _pay(locked, sale=sales + 1, method=method, start=start, user=user)
    return locked


@transaction.atomic
def subscription_cancel(
    *, subscription: Subscription, reason: str, user: Any = None
) -> Subscription:
    if not reason.strip():
        raise SubscriptionError(_("Say why the subscription is cancelled."))
    locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if locked.status == SubscriptionStatus.CANCELLED:
        return locked
    locked.status = SubscriptionStatus.CANCELLED
    locked.cancel_reason = reason.strip()[:200]
    locked.ended_at = timezone.now()
    locked.save(update_fields=["status", "cancel_reason", "ended_at"])
    _cancel_open_orders(locked, user)
    return locked


def _cancel_open_orders(subscription: Subscription, user: Any) -> None:
    """Orders generated for days to come go with the subscription."""
    orders = Order.objects.filter(
        company_id=subscription.company_id,
        channel=OrderChannel.SUBSCRIPTION,
        external_id__startswith=f"{subscription.pk}:",
        status__in=(OrderStatus.PENDING, OrderStatus.ASSIGNED),
    )
    for order in orders:
        order_cancel(
            order=order,
            reason=CancelReason.CHANGED_MIND,
            actor=Actor(user=user),
            note=_("Subscription cancelled"),
        )
