"""Demo service tickets for 清泉水站: a few open ones, one of them already overdue."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.core.demo import DemoWorld
from apps.customers.models import Customer, Ticket, TicketPriority, TicketType
from apps.customers.services.tickets import ticket_create
from apps.org.models import Role, StaffMember

COMPANY = "清泉水站"
# (description, type, priority, assign to the dispatcher, hours already past the deadline)
TICKETS = [
    (
        "送来的水桶有裂缝，漏了一地，要求换桶并上门清理。",
        TicketType.COMPLAINT,
        TicketPriority.URGENT,
        True,
        3,
    ),
    ("饮水机出水很慢，请师傅上门看看。", TicketType.REPAIR, TicketPriority.NORMAL, False, 0),
    ("想了解一下水票套餐和月结怎么开通。", TicketType.ENQUIRY, TicketPriority.LOW, False, 0),
    (
        "配送员昨天下午迟到两个小时，没有提前电话。",
        TicketType.COMPLAINT,
        TicketPriority.NORMAL,
        True,
        0,
    ),
]


def seed(world: DemoWorld) -> None:
    company = world.companies[COMPANY]
    if Ticket.objects.filter(company=company).exists():
        world.log("customers: demo tickets already there")
        return
    customers = list(Customer.objects.filter(company=company).order_by("code")[: len(TICKETS)])
    staff = StaffMember.objects.filter(company=company, is_active=True)
    dispatcher = staff.filter(role=Role.DISPATCHER).first()
    owner = staff.filter(role=Role.OWNER).first()
    for customer, (text, ticket_type, priority, assign, hours_late) in zip(
        customers, TICKETS, strict=False
    ):
        ticket = ticket_create(
            company=company,
            customer=customer,
            ticket_type=ticket_type,
            priority=priority,
            description=text,
            assignee=dispatcher if assign else None,
            actor=dispatcher or owner,
        )
        if hours_late:
            # An old complaint nobody solved in time: the escalation job will pick it up.
            opened = timezone.now() - timedelta(hours=hours_late + 2)
            Ticket.objects.filter(pk=ticket.pk).update(
                created_at=opened, due_at=timezone.now() - timedelta(hours=hours_late)
            )
            ticket.events.update(created_at=opened)
    world.log(f"customers: {min(len(customers), len(TICKETS))} demo tickets, one overdue")
