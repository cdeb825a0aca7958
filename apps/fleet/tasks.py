"""django-q2 entry points of the fleet: thin, take ids, idempotent."""

from __future__ import annotations


def route_plan_run(plan_id: int) -> str:
    """Compute a queued route plan; a plan that already finished is left alone."""
    from apps.fleet.services.planning import route_plan_compute

    return str(route_plan_compute(plan_id=plan_id).status)
