"""django-q2 entry point: forget old Idempotency-Key responses (scheduled daily, migration 0004)."""

from __future__ import annotations


def idempotency_records_purge() -> int:
    from apps.orders.services.idempotency import idempotency_purge

    return idempotency_purge()
