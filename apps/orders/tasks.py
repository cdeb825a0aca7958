"""django-q2 entry points of the orders app: thin, take ids, idempotent."""

from __future__ import annotations

from datetime import datetime


def notification_send(notification_id: int, dispatched: str | None = None) -> str:
    from apps.orders.services.notifications import notification_deliver

    return notification_deliver(
        notification_id=notification_id,
        dispatched=datetime.fromisoformat(dispatched) if dispatched else None,
    )


def notifications_send_due() -> int:
    """Scheduled every minute (migration 0002): hand due messages to jobs."""
    from apps.orders.services.notifications import notifications_send_due as send_due

    return send_due()


def idempotency_records_purge() -> int:
    """Scheduled daily (migration 0004): forget old Idempotency-Key responses."""
    from apps.orders.services.idempotency import idempotency_purge

    return idempotency_purge()
