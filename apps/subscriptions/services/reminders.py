"""Messages to subscribers through the orders outbox: low balance, renewal, make-ups, credits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.orders.models.notifications import CustomerMessageEvent
from apps.orders.services.notifications import (
    CustomerMessage,
    customer_language,
    customer_messages_enqueue,
)
from apps.org.models import Company
from apps.subscriptions.models import Subscription, SubscriptionStatus, TermKind
from apps.subscriptions.selectors import (
    card_balances,
    deliveries_left,
    left_on_card,
    local_today,
    subscription_settings_for,
)


def _message(subscription: Subscription, key: str, event: str, text_of: object) -> CustomerMessage:
    with translation.override(customer_language(subscription.customer)):
        text = str(text_of(subscription))  # type: ignore[operator]
    return CustomerMessage(customer=subscription.customer, key=key, event=event, text=text)


def _subscriptions(ids: Iterable[int]) -> list[Subscription]:
    return list(
        Subscription.objects.filter(pk__in=list(ids))
        .select_related("company", "plan", "customer")
        .prefetch_related("customer__phones")
    )


def _low_balance_text(subscription: Subscription) -> str:
    return _(
        "%(company)s: your %(plan)s balance is too low for the next delivery. "
        "Please top up; deliveries resume once it is paid."
    ) % {"company": subscription.company.name, "plan": subscription.plan.name}


def low_balance_remind(*, company: Company, subscription_ids: Iterable[int], day: date) -> int:
    """One message per subscription and delivery day that could not be paid."""
    messages = [
        _message(
            s,
            f"subscription:{s.pk}:low:{day.isoformat()}",
            CustomerMessageEvent.LOW_BALANCE,
            _low_balance_text,
        )
        for s in _subscriptions(subscription_ids)
    ]
    return customer_messages_enqueue(company=company, messages=messages) if messages else 0


def _renewal_text(subscription: Subscription) -> str:
    left = deliveries_left(subscription)
    if left is not None:
        return _(
            "%(company)s: %(left)s deliveries are left on your %(plan)s. Renew to keep them coming."
        ) % {"company": subscription.company.name, "left": left, "plan": subscription.plan.name}
    return _("%(company)s: your %(plan)s ends on %(end)s. Renew to keep it coming.") % {
        "company": subscription.company.name,
        "plan": subscription.plan.name,
        "end": subscription.end_date,
    }


def needs_renewal(
    subscription: Subscription,
    *,
    deliveries: int,
    days: int,
    today: date,
    balances: dict[tuple[int, int], int],
) -> bool:
    if subscription.plan.term == TermKind.CARD:
        left = left_on_card(subscription, balances)
        return left is not None and left <= deliveries
    end = subscription.end_date
    return end is not None and end <= today + timedelta(days=days)


@transaction.atomic
def renewals_remind(*, company: Company, subscription_ids: Iterable[int] | None = None) -> int:
    """Remind, once per term, every active subscription that is about to run out."""
    rules = subscription_settings_for(company)
    today = local_today()
    candidates = Subscription.objects.filter(
        company=company, status=SubscriptionStatus.ACTIVE, renewal_reminded_at__isnull=True
    )
    if subscription_ids is not None:
        candidates = candidates.filter(pk__in=list(subscription_ids))
    candidates = candidates.select_related(
        "company", "plan__ticket_package", "customer"
    ).prefetch_related("plan__items", "customer__phones")
    rows = list(candidates)
    small = subscription_ids is not None
    balances = card_balances(company, [s.customer_id for s in rows] if small else None)
    due = [
        s
        for s in rows
        if needs_renewal(
            s,
            deliveries=rules.remind_deliveries_left,
            days=rules.remind_days_left,
            today=today,
            balances=balances,
        )
    ]
    messages = [
        _message(
            s,
            f"subscription:{s.pk}:renewal:{today.isoformat()}",
            CustomerMessageEvent.RENEWAL,
            _renewal_text,
        )
        for s in due
    ]
    Subscription.objects.filter(pk__in=[s.pk for s in due]).update(
        renewal_reminded_at=timezone.now()
    )
    return customer_messages_enqueue(company=company, messages=messages) if messages else 0


def outcome_tell(*, subscription: Subscription, key: str, event: str, text: str) -> None:
    customer_messages_enqueue(
        company=subscription.company,
        messages=[CustomerMessage(customer=subscription.customer, key=key, event=event, text=text)],
    )


def _link_text(subscription: Subscription, url: str) -> str:
    return _("%(company)s: your %(plan)s deliveries, to skip, pause or change: %(url)s") % {
        "company": subscription.company.name,
        "plan": subscription.plan.name,
        "url": url,
    }


@transaction.atomic
def calendar_link_send(*, subscription: Subscription, url: str) -> int:
    """Send the customer the link to his calendar page (at most once a day)."""
    with translation.override(customer_language(subscription.customer)):
        text = _link_text(subscription, url)
    key = f"subscription:{subscription.pk}:link:{local_today().isoformat()}"
    message = CustomerMessage(
        customer=subscription.customer, key=key, event=CustomerMessageEvent.CALENDAR_LINK, text=text
    )
    return customer_messages_enqueue(company=subscription.company, messages=[message])
