"""What a delivered or failed subscription order means for its subscription.

Delivered: the order's own settlement has already redeemed the card (or paid
from the wallet), exactly once; here only the renewal reminder is checked.
Failed: nothing was deducted, so a "credit back" needs no posting — the
delivery stays on the card or in the wallet — and the customer is told. A
make-up delivery is a ``make_up`` calendar change on the next day, which the
next generation (or the order already generated for that day) picks up. Who was
at fault decides: the station's fault follows the plan (make up when skipped
days extend the term, else credit); the customer's (not home…) follows the
company's rule.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.orders.models import FailReason, Order, OrderChannel
from apps.orders.models.notifications import CustomerMessageEvent
from apps.orders.services.notifications import customer_language
from apps.subscriptions.models import ChangeChannel, FaultRule, SkipRule, Subscription
from apps.subscriptions.schedule import ChangeKind
from apps.subscriptions.selectors import subscription_settings_for
from apps.subscriptions.services.calendar import Who, calendar_change
from apps.subscriptions.services.reminders import outcome_tell, renewals_remind

CUSTOMER_FAULTS = frozenset(
    {FailReason.NOT_HOME, FailReason.PHONE_OFF, FailReason.REFUSED, FailReason.WRONG_ADDRESS}
)


def _subscription_of(order_id: int) -> tuple[Order, Subscription] | None:
    order = Order.objects.filter(pk=order_id, channel=OrderChannel.SUBSCRIPTION).first()
    if order is None or ":" not in order.external_id:
        return None
    subscription_id = order.external_id.split(":", 1)[0]
    subscription = (
        Subscription.objects.select_related("company", "plan", "customer")
        .filter(pk=int(subscription_id), company_id=order.company_id)
        .first()
    )
    return (order, subscription) if subscription else None


def fault_rule(subscription: Subscription, reason: str) -> str:
    if reason in CUSTOMER_FAULTS:
        return subscription_settings_for(subscription.company).not_home_rule
    return FaultRule.MAKE_UP if subscription.plan.skip_rule == SkipRule.EXTEND else FaultRule.CREDIT


def delivery_made(*, order_id: int) -> None:
    found = _subscription_of(order_id)
    if found is not None:
        renewals_remind(company=found[1].company, subscription_ids=[found[1].pk])


@transaction.atomic
def delivery_failed(*, order_id: int, reason: str) -> str:
    """Apply the rule for a failed delivery; returns the rule applied ("" when none)."""
    found = _subscription_of(order_id)
    if found is None:
        return ""
    order, subscription = found
    rule = fault_rule(subscription, reason)
    day = timezone.localtime(order.window_start).date()
    with translation.override(customer_language(subscription.customer)):
        if rule == FaultRule.MAKE_UP:
            calendar_change(
                subscription=subscription,
                kind=ChangeKind.MAKE_UP,
                day=day + timedelta(days=1),
                who=Who(channel=ChangeChannel.SYSTEM),
                note=_("Make-up for order %(number)s") % {"number": order.number},
                check=False,
            )
            event, text = (
                CustomerMessageEvent.MAKE_UP,
                _(
                    "%(company)s: sorry, today's delivery did not arrive. We bring it again tomorrow."
                ),
            )
        elif rule == FaultRule.CREDIT:
            event, text = (
                CustomerMessageEvent.CREDITED,
                _(
                    "%(company)s: today's delivery did not arrive and was not charged; it stays on your balance."
                ),
            )
        else:
            return rule
        outcome_tell(
            subscription=subscription,
            key=f"subscription:{subscription.pk}:{event}:{order.pk}",
            event=event,
            text=text % {"company": subscription.company.name},
        )
    return rule
