"""Service ticket pages: list (with an overdue view), create, detail with actions, SLA table.

Everyone who opens the customers section may read tickets; owners and
dispatchers work them; only owners change the SLA table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from apps.customers.forms.tickets import (
    AssignForm,
    NoteForm,
    OptionalNoteForm,
    ResolveForm,
    SlaForm,
    TicketCreateForm,
    TicketFilterForm,
)
from apps.customers.models import Customer, Ticket
from apps.customers.selectors.tickets import sla_table, ticket_events, ticket_list, ticket_queryset
from apps.customers.services import tickets as services
from apps.org.access import roles_required, section_required
from apps.org.models import Role
from apps.org.scoping import get_scoped_or_404

TICKET_WORKERS = frozenset({Role.OWNER, Role.DISPATCHER})
workers_only = roles_required(TICKET_WORKERS)
owners_only = roles_required(frozenset({Role.OWNER}))


def _list_page(request: HttpRequest, *, overdue: bool) -> HttpResponse:
    company = request.company  # type: ignore[attr-defined]
    form = TicketFilterForm(request.GET or None, company=company)
    tickets = ticket_list(company=company, overdue=overdue, **form.filters())
    page = Paginator(tickets, 50).get_page(request.GET.get("page"))
    template = "customers/tickets/ticket_list.html"
    if request.headers.get("HX-Request"):
        template += "#results"
    return render(
        request,
        template,
        {
            "tab": "overdue" if overdue else "tickets",
            "form": form,
            "page": page,
            "overdue": overdue,
            "can_work": request.staff.role in TICKET_WORKERS,  # type: ignore[attr-defined]
        },
    )


@section_required("customers")
def ticket_list_view(request: HttpRequest) -> HttpResponse:
    return _list_page(request, overdue=False)


@section_required("customers")
def ticket_overdue_view(request: HttpRequest) -> HttpResponse:
    return _list_page(request, overdue=True)


@workers_only
def ticket_create_view(request: HttpRequest) -> HttpResponse:
    company = request.company  # type: ignore[attr-defined]
    initial = {}
    customer_pk = request.GET.get("customer")
    if customer_pk:
        initial["customer_ref"] = get_scoped_or_404(Customer, company, pk=customer_pk).code
    if request.GET.get("order"):
        initial["order_reference"] = request.GET["order"][:40]
    form = TicketCreateForm(request.POST or None, company=company, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_create(
                company=company,
                customer=data["customer_ref"],
                ticket_type=data["ticket_type"],
                priority=data["priority"],
                description=data["description"],
                order_reference=data["order_reference"],
                assignee=data["assignee"],
                actor=request.staff,  # type: ignore[attr-defined]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Ticket #%(number)s was created.") % {"number": ticket.pk})
            return redirect("customers:ticket_detail", pk=ticket.pk)
    return render(request, "customers/tickets/ticket_form.html", {"form": form, "tab": "tickets"})


@section_required("customers")
def ticket_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    company = request.company  # type: ignore[attr-defined]
    ticket = get_scoped_or_404(ticket_queryset(company=company), company, pk=pk)
    return render(
        request,
        "customers/tickets/ticket_detail.html",
        {
            "tab": "tickets",
            "ticket": ticket,
            "events": ticket_events(ticket=ticket),
            "can_work": request.staff.role in TICKET_WORKERS,  # type: ignore[attr-defined]
            "assign_form": AssignForm(company=company, initial={"assignee": ticket.assignee_id}),
            "resolve_form": ResolveForm(),
            "note_form": NoteForm(),
            "close_form": OptionalNoteForm(),
        },
    )


Action = Callable[[Ticket, dict[str, Any], Any], Any]

ACTIONS: dict[str, tuple[type[Any], Action]] = {
    "assign": (
        AssignForm,
        lambda t, d, actor: services.ticket_assign(ticket=t, assignee=d["assignee"], actor=actor),
    ),
    "start": (OptionalNoteForm, lambda t, d, actor: services.ticket_start(ticket=t, actor=actor)),
    "resolve": (
        ResolveForm,
        lambda t, d, actor: services.ticket_resolve(
            ticket=t, resolution=d["resolution"], actor=actor
        ),
    ),
    "close": (
        OptionalNoteForm,
        lambda t, d, actor: services.ticket_close(ticket=t, actor=actor, note=d["note"]),
    ),
    "reopen": (
        OptionalNoteForm,
        lambda t, d, actor: services.ticket_reopen(ticket=t, actor=actor, note=d["note"]),
    ),
    "note": (
        NoteForm,
        lambda t, d, actor: services.ticket_add_note(ticket=t, note=d["note"], actor=actor),
    ),
}


@workers_only
def ticket_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    company = request.company  # type: ignore[attr-defined]
    ticket = get_scoped_or_404(Ticket, company, pk=pk)
    if request.method != "POST":
        return redirect("customers:ticket_detail", pk=ticket.pk)
    form_class, perform = ACTIONS[action]
    kwargs = {"company": company} if form_class is AssignForm else {}
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                messages.error(
                    request, _("%(field)s: %(error)s") % {"field": label, "error": error}
                )
        return redirect("customers:ticket_detail", pk=ticket.pk)
    try:
        perform(ticket, form.cleaned_data, request.staff)  # type: ignore[attr-defined]
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Ticket #%(number)s was updated.") % {"number": ticket.pk})
    return redirect("customers:ticket_detail", pk=ticket.pk)


@owners_only
def sla_rules_view(request: HttpRequest) -> HttpResponse:
    company = request.company  # type: ignore[attr-defined]
    form = SlaForm(request.POST or None, table=sla_table(company=company))
    if request.method == "POST" and form.is_valid():
        services.sla_rules_set(company=company, hours=form.hours())
        messages.success(request, _("The SLA table was saved; new tickets use it."))
        return redirect("customers:sla_rules")
    return render(request, "customers/tickets/sla_rules.html", {"form": form, "tab": "sla"})
