"""django-q2 entry points of dispatch: thin, take ids, idempotent."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def order_dispatch(order_id: int, exclude_courier_ids: list[int] | None = None) -> str:
    """Queued when an order arrives (or is handed back) at a depot that dispatches by itself."""
    from apps.fleet.services.dispatch import order_dispatch as dispatch

    with translation.override(settings.LANGUAGE_CODE):
        return dispatch(order_id=order_id, exclude_courier_ids=exclude_courier_ids or ()).action


def grab_offer_expire(offer_id: int) -> str:
    """Scheduled once per grab-pool offer, at its expiry: the automatic fallback."""
    from apps.fleet.services.grab import grab_offer_expire as expire

    with translation.override(settings.LANGUAGE_CODE):
        return expire(offer_id=offer_id)
