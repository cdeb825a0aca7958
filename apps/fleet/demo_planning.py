"""Demo: today's routes planned and published for every depot with couriers on shift.

Called by the demo seeding once vehicles and shifts exist. It runs the planning job
in this process (a couple of seconds per depot) rather than through the queue, and
plans nothing twice: a depot that already has a published plan for today is skipped.
"""

from __future__ import annotations

from datetime import time

from django.utils import timezone

from apps.fleet.models import PlanStatus, RoutePlan, Shift
from apps.fleet.services.planning import END_OF_DAY, route_plan_compute, route_plan_publish
from apps.orders.services.lifecycle import Actor
from apps.org.models import Company, Depot, Role, StaffMember

DEMO_TIME_LIMIT_S = 2


def seed_fleet_routes(
    company: Company, *, time_limit_s: int = DEMO_TIME_LIMIT_S
) -> list[RoutePlan]:
    today = timezone.localdate()
    depot_ids = Shift.objects.filter(company=company, date=today).values("depot_id")
    plans = []
    for depot in Depot.objects.filter(company=company, is_active=True, pk__in=depot_ids):
        if RoutePlan.objects.filter(
            depot=depot,
            date=today,
            status__in=[PlanStatus.PUBLISHED, PlanStatus.QUEUED, PlanStatus.RUNNING],
        ).exists():
            continue
        plan = RoutePlan.objects.create(
            company=company,
            depot=depot,
            date=today,
            slot_start=time(0, 0),
            slot_end=END_OF_DAY,
            time_limit_s=time_limit_s,
            created_by=_dispatcher(company).user,
        )
        plan = route_plan_compute(plan_id=plan.pk)
        if plan.status == PlanStatus.DONE:
            plan = route_plan_publish(plan=plan, actor=_dispatcher(company)).plan
        plans.append(plan)
    return plans


def _dispatcher(company: Company) -> Actor:
    dispatcher = StaffMember.objects.filter(company=company, role=Role.DISPATCHER).first()
    return Actor(user=dispatcher.user if dispatcher else None)
