"""django-q2 entry points of the customers app: thin, take ids, idempotent."""

from __future__ import annotations

from apps.core.jobs import job_enqueue


def geocode_address(address_id: int) -> None:
    from apps.customers.services.geocoding import address_geocode

    address_geocode(address_id=address_id)


def geocode_address_later(*, address_id: int) -> None:
    """Queue geocoding inside the caller's transaction.

    With the ORM broker the queued job is a row written in the same transaction
    as the address: both commit, or neither does.
    """
    job_enqueue(
        "apps.customers.tasks.geocode_address",
        address_id,
        task_name=f"geocode-address-{address_id}",
    )


def escalate_overdue_tickets() -> int:
    """Scheduled every five minutes (see migration 0002): escalate overdue tickets once."""
    from apps.customers.services.tickets import tickets_escalate_overdue

    return tickets_escalate_overdue()
