from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from apps.customers.models import (
    DEFAULT_SLA_HOURS,
    SlaRule,
    Ticket,
    TicketEvent,
    TicketPriority,
    TicketStatus,
    TicketType,
)
from apps.customers.selectors.tickets import sla_table, tickets_for_customer
from apps.customers.services import tickets as services
from apps.customers.tasks import escalate_overdue_tickets
from apps.org.models import Notice, Role, StaffMember
from tests.conftest import Team
from tests.customers.fillers_tickets import make_customer
from tests.factories import StaffFactory

OPEN, IN_PROGRESS, RESOLVED, CLOSED = (
    TicketStatus.OPEN,
    TicketStatus.IN_PROGRESS,
    TicketStatus.RESOLVED,
    TicketStatus.CLOSED,
)


def staff(team: Team, role: str) -> StaffMember:
    return StaffMember.objects.get(company=team.company, user=team.users[role])


def new_ticket(team: Team, **kwargs: Any) -> Ticket:
    defaults: dict[str, Any] = {
        "company": team.company,
        "customer": make_customer(team.company),
        "ticket_type": TicketType.COMPLAINT,
        "description": "水桶漏水",
        "actor": staff(team, Role.DISPATCHER),
    }
    return services.ticket_create(**(defaults | kwargs))


def to_status(team: Team, ticket: Ticket, target: str) -> Ticket:
    actor = staff(team, Role.DISPATCHER)
    if target == IN_PROGRESS:
        return services.ticket_start(ticket=ticket, actor=actor)
    if target == RESOLVED:
        return services.ticket_resolve(ticket=ticket, resolution="换了新桶", actor=actor)
    if target == CLOSED:
        return services.ticket_close(ticket=ticket, actor=actor)
    return services.ticket_reopen(ticket=ticket, actor=actor)


PATHS = {OPEN: [], IN_PROGRESS: [IN_PROGRESS], RESOLVED: [IN_PROGRESS, RESOLVED], CLOSED: [CLOSED]}
LEGAL = {
    (OPEN, IN_PROGRESS),
    (OPEN, CLOSED),
    (IN_PROGRESS, RESOLVED),
    (IN_PROGRESS, CLOSED),
    (RESOLVED, CLOSED),
    (RESOLVED, OPEN),
}


@pytest.mark.parametrize("start", [OPEN, IN_PROGRESS, RESOLVED, CLOSED])
@pytest.mark.parametrize("target", [OPEN, IN_PROGRESS, RESOLVED, CLOSED])
@pytest.mark.django_db
def test_every_transition_is_legal_or_refused_without_change(
    team: Team, start: str, target: str
) -> None:
    ticket = new_ticket(team)
    for step in PATHS[start]:
        ticket = to_status(team, ticket, step)
    events_before = TicketEvent.objects.filter(ticket=ticket).count()
    if (start, target) in LEGAL:
        ticket = to_status(team, ticket, target)
        ticket.refresh_from_db()
        assert ticket.status == target
        last = ticket.events.filter(kind="status").order_by("-id").first()
        assert (last.from_status, last.to_status) == (start, target)
        assert last.actor == staff(team, Role.DISPATCHER)
    else:
        with translation.override("zh-hans"), pytest.raises(ValidationError) as raised:
            to_status(team, ticket, target)
        assert raised.value.code == "illegal_transition"
        ticket.refresh_from_db()
        assert ticket.status == start
        assert TicketEvent.objects.filter(ticket=ticket).count() == events_before


@pytest.mark.django_db
def test_an_illegal_transition_says_why_in_chinese(team: Team) -> None:
    ticket = to_status(team, new_ticket(team), CLOSED)
    with translation.override("zh-hans"), pytest.raises(services.IllegalTransition) as raised:
        services.ticket_start(ticket=ticket, actor=None)
    assert raised.value.messages == ["状态为“已关闭”的工单不能变为“处理中”。"]


@pytest.mark.django_db
def test_starting_takes_the_ticket_and_the_timeline_records_everything(team: Team) -> None:
    dispatcher = staff(team, Role.DISPATCHER)
    ticket = new_ticket(team, order_reference="D20261122-7")
    ticket = services.ticket_start(ticket=ticket, actor=dispatcher)
    assert ticket.assignee == dispatcher
    services.ticket_add_note(ticket=ticket, note="已电话联系客户", actor=dispatcher)
    services.ticket_resolve(ticket=ticket, resolution="上门换桶", actor=dispatcher)
    ticket.refresh_from_db()
    assert ticket.resolution == "上门换桶" and ticket.resolved_at is not None
    kinds = list(ticket.events.values_list("kind", "from_status", "to_status", "note"))
    assert kinds == [
        ("created", "", "open", ""),
        ("status", "open", "in_progress", ""),
        ("assigned", "", "", dispatcher.user.display_name),
        ("note", "", "", "已电话联系客户"),
        ("status", "in_progress", "resolved", "上门换桶"),
    ]


@pytest.mark.django_db
def test_resolving_needs_a_resolution_note(team: Team) -> None:
    ticket = to_status(team, new_ticket(team), IN_PROGRESS)
    with pytest.raises(ValidationError):
        services.ticket_resolve(ticket=ticket, resolution="  ", actor=None)
    ticket.refresh_from_db()
    assert ticket.status == IN_PROGRESS


@pytest.mark.django_db
def test_reopening_gives_a_fresh_deadline(team: Team) -> None:
    ticket = to_status(team, to_status(team, new_ticket(team), IN_PROGRESS), RESOLVED)
    Ticket.objects.filter(pk=ticket.pk).update(due_at=timezone.now() - timedelta(days=3))
    ticket = services.ticket_reopen(ticket=ticket, actor=None, note="客户说还是漏")
    assert ticket.status == OPEN and ticket.resolved_at is None
    assert ticket.due_at > timezone.now() + timedelta(hours=23)


@pytest.mark.django_db
def test_only_active_staff_of_the_company_can_be_assigned(team: Team, other_team: Team) -> None:
    ticket = new_ticket(team)
    stranger = staff(other_team, Role.DISPATCHER)
    with pytest.raises(ValidationError):
        services.ticket_assign(ticket=ticket, assignee=stranger, actor=None)
    courier = staff(team, Role.COURIER)
    services.ticket_assign(ticket=ticket, assignee=courier, actor=None)
    ticket.refresh_from_db()
    assert ticket.assignee == courier
    closed = to_status(team, ticket, CLOSED)
    with pytest.raises(ValidationError):
        services.ticket_assign(ticket=closed, assignee=courier, actor=None)


@pytest.mark.django_db
def test_a_ticket_for_another_companys_customer_is_refused(team: Team, other_team: Team) -> None:
    with pytest.raises(ValidationError):
        new_ticket(team, customer=make_customer(other_team.company))
    assert not Ticket.objects.exists()


# --- SLA ---------------------------------------------------------------------------


@pytest.mark.parametrize("ticket_type", TicketType.values)
@pytest.mark.parametrize("priority", TicketPriority.values)
@pytest.mark.django_db
def test_the_deadline_follows_the_default_table(
    team: Team, ticket_type: str, priority: str
) -> None:
    before = timezone.now()
    ticket = new_ticket(team, ticket_type=ticket_type, priority=priority)
    hours = DEFAULT_SLA_HOURS[(ticket_type, priority)]
    assert (
        before + timedelta(hours=hours) <= ticket.due_at <= timezone.now() + timedelta(hours=hours)
    )


def test_the_defaults_are_sensible() -> None:
    assert DEFAULT_SLA_HOURS[(TicketType.COMPLAINT, TicketPriority.URGENT)] == 2
    assert DEFAULT_SLA_HOURS[(TicketType.COMPLAINT, TicketPriority.NORMAL)] == 24
    assert DEFAULT_SLA_HOURS[(TicketType.COMPLAINT, TicketPriority.LOW)] == 72
    for ticket_type in TicketType.values:
        hours = [DEFAULT_SLA_HOURS[(ticket_type, p)] for p in ("urgent", "high", "normal", "low")]
        assert hours == sorted(hours), "more urgent tickets are due sooner"


@pytest.mark.django_db
def test_a_company_rule_overrides_the_default_for_that_company_only(
    team: Team, other_team: Team
) -> None:
    SlaRule.objects.create(
        company=team.company, ticket_type=TicketType.REPAIR, priority=TicketPriority.HIGH, hours=5
    )
    start = timezone.now()
    kwargs = {"ticket_type": TicketType.REPAIR, "priority": TicketPriority.HIGH, "start": start}
    assert services.sla_deadline(company=team.company, **kwargs) == start + timedelta(hours=5)
    assert services.sla_deadline(company=other_team.company, **kwargs) == start + timedelta(
        hours=12
    )


@pytest.mark.django_db
def test_the_owner_edits_the_sla_table(team: Team) -> None:
    client = team.client_for(Role.OWNER)
    data = {
        cell.field_name: cell.hours
        for _l, cells in sla_table(company=team.company)
        for cell in cells
    }
    data["complaint__urgent"] = 1
    response = client.post(reverse("customers:sla_rules"), data)
    assert response.status_code == 302
    assert list(
        SlaRule.objects.filter(company=team.company).values_list("ticket_type", "priority", "hours")
    ) == [("complaint", "urgent", 1)]
    data["complaint__urgent"] = 0
    assert client.post(reverse("customers:sla_rules"), data).status_code == 200
    assert SlaRule.objects.get(company=team.company).hours == 1


# --- escalation --------------------------------------------------------------------


@pytest.mark.django_db
def test_escalation_marks_overdue_tickets_once_and_tells_the_owners_once(team: Team) -> None:
    second_owner = StaffFactory(company=team.company, role=Role.OWNER)
    overdue = new_ticket(team, priority=TicketPriority.URGENT)
    Ticket.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    on_time = new_ticket(team)
    finished = to_status(team, new_ticket(team), CLOSED)
    Ticket.objects.filter(pk=finished.pk).update(due_at=timezone.now() - timedelta(hours=1))

    assert escalate_overdue_tickets() == 1
    assert escalate_overdue_tickets() == 0

    overdue.refresh_from_db()
    on_time.refresh_from_db()
    assert overdue.escalated_at is not None and on_time.escalated_at is None
    assert overdue.events.filter(kind="escalated", actor=None).count() == 1
    notices = Notice.objects.filter(company=team.company)
    assert sorted(n.recipient_id for n in notices) == sorted(
        [staff(team, Role.OWNER).pk, second_owner.pk]
    )
    assert all(f"#{overdue.pk}" in n.text and "超时" in n.text for n in notices)
    assert notices[0].link == reverse("customers:ticket_detail", kwargs={"pk": overdue.pk})


@pytest.mark.django_db
def test_the_escalation_job_is_scheduled_every_five_minutes() -> None:
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="customers-escalate-overdue-tickets")
    assert schedule.func == "apps.customers.tasks.escalate_overdue_tickets"
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 5)


# --- pages -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_dispatcher_creates_a_ticket_from_a_customer(team: Team) -> None:
    customer = make_customer(team.company, "李雷")
    client = team.client_for(Role.DISPATCHER)
    page = client.get(reverse("customers:ticket_create") + f"?customer={customer.pk}")
    assert customer.code in page.content.decode()
    response = client.post(
        reverse("customers:ticket_create"),
        {
            "customer_ref": customer.phones.get().number,
            "ticket_type": "repair",
            "priority": "high",
            "description": "饮水机不出水",
            "order_reference": "",
            "assignee": "",
        },
    )
    ticket = Ticket.objects.get()
    assert response["Location"] == reverse("customers:ticket_detail", kwargs={"pk": ticket.pk})
    assert (ticket.customer, ticket.ticket_type, ticket.priority) == (customer, "repair", "high")
    assert ticket.created_by == staff(team, Role.DISPATCHER)
    assert "饮水机不出水" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_another_companys_customer_cannot_be_preselected(team: Team, other_team: Team) -> None:
    stranger = make_customer(other_team.company)
    url = reverse("customers:ticket_create") + f"?customer={stranger.pk}"
    assert team.client_for(Role.DISPATCHER).get(url).status_code == 404


@pytest.mark.django_db
def test_actions_through_the_detail_page(team: Team) -> None:
    client = team.client_for(Role.DISPATCHER)
    ticket = new_ticket(team)
    url = lambda action: reverse(f"customers:ticket_{action}", kwargs={"pk": ticket.pk})  # noqa: E731
    client.post(url("assign"), {"assignee": staff(team, Role.OWNER).pk})
    client.post(url("start"))
    response = client.post(url("resolve"), {"resolution": ""}, follow=True)
    assert "处理结果：该字段是必填项。" in response.content.decode()
    client.post(url("resolve"), {"resolution": "已退款"})
    response = client.post(url("start"), follow=True)
    assert "不能变为" in response.content.decode()
    client.post(url("note"), {"note": "客户满意"})
    client.post(url("close"))
    ticket.refresh_from_db()
    assert ticket.status == CLOSED and ticket.assignee == staff(team, Role.OWNER)
    assert ticket.events.count() == 6
    body = client.get(reverse("customers:ticket_detail", kwargs={"pk": ticket.pk})).content.decode()
    assert "客户满意" in body and "已退款" in body


@pytest.mark.django_db
def test_the_list_filters_and_the_overdue_view(
    team: Team, django_assert_max_num_queries: Any
) -> None:
    urgent = new_ticket(team, priority=TicketPriority.URGENT, description="急")
    new_ticket(team, ticket_type=TicketType.ENQUIRY, description="问价")
    Ticket.objects.filter(pk=urgent.pk).update(due_at=timezone.now() - timedelta(hours=1))
    client = team.client_for(Role.DISPATCHER)
    with django_assert_max_num_queries(12):
        body = client.get(reverse("customers:ticket_list")).content.decode()
    assert body.count('href="/customers/tickets/') >= 2
    filtered = client.get(reverse("customers:ticket_list"), {"ticket_type": "enquiry"})
    assert filtered.context["page"].paginator.count == 1
    partial = client.get(
        reverse("customers:ticket_list"), {"priority": "urgent"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in partial and f"#{urgent.pk}" in partial
    overdue = client.get(reverse("customers:ticket_overdue"))
    assert [t.pk for t in overdue.context["page"]] == [urgent.pk]
    by_customer = client.get(reverse("customers:ticket_list"), {"customer": urgent.customer_id})
    assert [t.pk for t in by_customer.context["page"]] == [urgent.pk]


@pytest.mark.django_db
def test_tickets_for_customer_lists_open_ones_first(team: Team) -> None:
    customer = make_customer(team.company)
    old = to_status(team, new_ticket(team, customer=customer), CLOSED)
    fresh = new_ticket(team, customer=customer)
    new_ticket(team)
    assert [t.pk for t in tickets_for_customer(customer=customer)] == [fresh.pk, old.pk]
    from django.template.loader import render_to_string

    html = render_to_string(
        "customers/tickets/_customer_tickets.html",
        {"tickets": tickets_for_customer(customer=customer), "customer": customer},
    )
    assert f"#{fresh.pk}" in html and f"?customer={customer.pk}" in html


@pytest.mark.parametrize(
    ("role", "reads", "works", "sla"),
    [
        (Role.OWNER, 200, 302, 200),
        (Role.DISPATCHER, 200, 302, 403),
        (Role.ACCOUNTANT, 200, 403, 403),
        (Role.COURIER, 403, 403, 403),
    ],
)
@pytest.mark.django_db
def test_permissions_per_role(team: Team, role: str, reads: int, works: int, sla: int) -> None:
    ticket = new_ticket(team)
    client = team.client_for(role)
    assert client.get(reverse("customers:ticket_list")).status_code == reads
    assert client.get(reverse("customers:ticket_overdue")).status_code == reads
    detail = reverse("customers:ticket_detail", kwargs={"pk": ticket.pk})
    assert client.get(detail).status_code == reads
    start = reverse("customers:ticket_start", kwargs={"pk": ticket.pk})
    assert client.post(start).status_code == works
    assert client.get(reverse("customers:ticket_create")).status_code == (
        200 if works == 302 else 403
    )
    assert client.get(reverse("customers:sla_rules")).status_code == sla
    ticket.refresh_from_db()
    assert ticket.status == (IN_PROGRESS if works == 302 else OPEN)


@pytest.mark.django_db
def test_another_companys_ticket_is_a_404(team: Team, other_team: Team) -> None:
    ticket = new_ticket(other_team)
    client = team.client_for(Role.OWNER)
    assert (
        client.get(reverse("customers:ticket_detail", kwargs={"pk": ticket.pk})).status_code == 404
    )
    for action in ("assign", "start", "resolve", "close", "reopen", "note"):
        url = reverse(f"customers:ticket_{action}", kwargs={"pk": ticket.pk})
        assert client.post(url, {"note": "x", "resolution": "x"}).status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == OPEN and ticket.events.count() == 1
