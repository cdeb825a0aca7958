"""The back office's sections, who may open each, and what each will hold.

This is the single source of truth for role-based access: views guard
themselves with ``section_required(<key>)`` and the navigation bar shows a
person exactly the sections their role opens.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.org.models import Role


@dataclass(frozen=True)
class Section:
    key: str
    label: str | Promise
    url_name: str
    roles: frozenset[str]
    summary: str | Promise
    mobile: bool = False


SECTIONS: tuple[Section, ...] = (
    Section(
        "dispatch",
        _("Dispatch"),
        "fleet:board",
        frozenset({Role.OWNER, Role.DISPATCHER}),
        _(
            "The live map: today's orders and couriers, assigning by hand or by the planner, "
            "route planning and the exceptions panel."
        ),
    ),
    Section(
        "planning",
        _("Route planning"),
        "fleet:plan_list",
        frozenset({Role.OWNER, Role.DISPATCHER}),
        _("Plan a slot's routes for the couriers on shift, adjust them by hand and publish them."),
    ),
    Section(
        "orders",
        _("Orders"),
        "orders:index",
        frozenset({Role.OWNER, Role.DISPATCHER}),
        _(
            "Phone quick entry, the order pool from every channel, the order life cycle "
            "and tracking links."
        ),
    ),
    Section(
        "customers",
        _("Customers"),
        "customers:index",
        frozenset({Role.OWNER, Role.DISPATCHER, Role.ACCOUNTANT}),
        _("Customer profiles, addresses on the map, phone-first search and complaints."),
    ),
    Section(
        "fleet",
        _("Fleet"),
        "fleet:index",
        frozenset({Role.OWNER, Role.DISPATCHER}),
        _("Vehicles, shifts, courier positions and published routes."),
    ),
    Section(
        "subscriptions",
        _("Subscriptions"),
        "subscriptions:index",
        frozenset({Role.OWNER, Role.DISPATCHER}),
        _("Milk rounds and standing orders: plans, delivery calendars and daily generation."),
    ),
    Section(
        "ledger",
        _("Ledger"),
        "ledger:index",
        frozenset({Role.OWNER, Role.ACCOUNTANT}),
        _(
            "Money, tickets, deposits, containers and stock: payments, courier cash "
            "hand-over, receivables and monthly statements."
        ),
    ),
    Section(
        "reports",
        _("Reports"),
        "reports:index",
        frozenset({Role.OWNER, Role.ACCOUNTANT}),
        _("Dashboards, courier performance, failure analysis, customer activity and forecasts."),
    ),
    Section(
        "catalog",
        _("Catalogue"),
        "catalog:index",
        frozenset({Role.OWNER}),
        _("Products, containers and deposits, tickets, price lists and surcharges."),
    ),
    Section(
        "company",
        _("Company"),
        "org:settings",
        frozenset({Role.OWNER}),
        _("Company details, depots and staff."),
    ),
    Section(
        "courier",
        _("My deliveries"),
        "fleet:courier_today",
        frozenset({Role.OWNER, Role.COURIER}),
        _("Today's stops in order, recording deliveries and the end-of-day hand-over."),
        mobile=True,
    ),
)

SECTIONS_BY_KEY = {section.key: section for section in SECTIONS}


def section_roles(key: str) -> frozenset[str]:
    return SECTIONS_BY_KEY[key].roles


def sections_for_role(role: str | None) -> list[Section]:
    if role is None:
        return []
    return [section for section in SECTIONS if role in section.roles]


def home_section_for_role(role: str) -> Section:
    return sections_for_role(role)[0]


def active_section_key(request: HttpRequest) -> str | None:
    """The section a page belongs to: exact view first, else the app's namespace."""
    match = request.resolver_match
    if match is None:
        return None
    for section in SECTIONS:
        if section.url_name == match.view_name:
            return section.key
    for section in SECTIONS:
        if section.url_name.split(":")[0] == match.namespace:
            return section.key
    return None
