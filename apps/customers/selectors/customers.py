"""Reads of customers shared by the pages (and later by orders and reports)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet

from apps.customers.models import Address, Customer, CustomerPhone
from apps.org.models import Company

DIGITS = re.compile(r"^\d{4,}$")
MAX_RESULTS = 20
SHORTEST_FRAGMENT = 3


def customer_queryset(*, company: Company) -> QuerySet[Customer]:
    return (
        Customer.objects.filter(company=company)
        .select_related("group")
        .prefetch_related(
            "tags",
            Prefetch("phones", queryset=CustomerPhone.objects.order_by("-is_primary", "id")),
            Prefetch("addresses", queryset=Address.objects.select_related("depot")),
        )
    )


def customer_search(*, company: Company, query: str, limit: int = MAX_RESULTS) -> list[Customer]:
    """Phone-first search, ranked: the whole number, then the last digits of any phone;
    for text the customer code, a name prefix, pinyin initials, then any fragment of
    name or address. Each rank is its own indexed query with a limit, so a common
    surname costs no more than a rare one."""
    text = query.strip().lower()
    if not text:
        return []
    digits = re.sub(r"[\s\-]", "", text)
    if DIGITS.match(digits):
        ranked = _by_phone_digits(company, digits, limit)
    else:
        ranked = _by_text(company, text, limit)
    found: dict[int, None] = {}
    for ids in ranked:
        found.update(dict.fromkeys(ids))
        if len(found) >= limit:
            break
    ordered = list(found)[:limit]
    customers = customer_queryset(company=company).in_bulk(ordered)
    return [customers[pk] for pk in ordered]


def _ids(rows: QuerySet[Any], limit: int) -> list[int]:
    """The first ``limit`` matches of one rank, alphabetical within the rank.

    No query carries an ORDER BY: the database stops at the limit instead of
    sorting every match (an ORDER BY also lures PostgreSQL into walking a whole
    index to avoid that sort); the few rows are sorted here."""
    return [pk for _name, pk in sorted(rows.order_by()[:limit])]


def _by_phone_digits(company: Company, digits: str, limit: int) -> Iterator[list[int]]:
    phones = CustomerPhone.objects.filter(company=company).values_list(
        "customer__name", "customer_id"
    )
    yield _ids(phones.filter(number=digits), limit)
    yield _ids(phones.filter(number_reversed__startswith=digits[::-1]), limit)


def _by_text(company: Company, text: str, limit: int) -> Iterator[list[int]]:
    customers = Customer.objects.filter(company=company).values_list("name", "pk")
    yield _ids(customers.filter(code=text.upper()), limit)
    yield _ids(customers.filter(name__startswith=text), limit)
    yield _ids(customers.filter(name_initials__startswith=text), limit)
    if text.isascii() and len(text) < SHORTEST_FRAGMENT:
        return  # "wf" means initials; two Latin letters inside addresses are noise
    yield _ids(customers.filter(name__contains=text), limit)
    yield _ids(customers.filter(search_text__contains=text), limit)


def customer_list(
    *, company: Company, status: str = "", tag_id: int | None = None
) -> QuerySet[Customer]:
    customers = customer_queryset(company=company).order_by("-created_at")
    if status:
        customers = customers.filter(status=status)
    if tag_id:
        customers = customers.filter(tags__id=tag_id)
    return customers


def customer_by_phone(*, company: Company, number: str) -> Customer | None:
    phone = (
        CustomerPhone.objects.filter(company=company, number=number)
        .select_related("customer")
        .first()
    )
    return phone.customer if phone else None
