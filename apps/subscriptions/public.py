"""The customer's self-service link: signed, expiring, bound to one subscription."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from apps.subscriptions.models import Subscription, SubscriptionStatus

SALT = "subscriptions.self-service"
LINK_MAX_AGE_SECONDS = 30 * 24 * 3600  # a new link goes out with every renewal or message


def self_service_token(subscription: Subscription) -> str:
    return signing.dumps({"s": subscription.pk, "c": subscription.customer_id}, salt=SALT)


def self_service_path(subscription: Subscription) -> str:
    return reverse("subscriptions:self_service", args=[self_service_token(subscription)])


def subscription_for_link(token: str) -> Subscription | None:
    """The subscription the link was made for; None when forged, expired or over."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    subscription_id, customer_id = data.get("s"), data.get("c")
    if not isinstance(subscription_id, int) or not isinstance(customer_id, int):
        return None
    return (
        Subscription.objects.select_related("company", "customer", "plan", "address")
        .filter(pk=subscription_id, customer_id=customer_id)
        .exclude(status=SubscriptionStatus.CANCELLED)
        .first()
    )
