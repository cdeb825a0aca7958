"""Reads of customers shared by the pages (and later by orders and reports)."""

from __future__ import annotations

import re

from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When

from apps.customers.models import Address, Customer, CustomerPhone
from apps.org.models import Company

DIGITS = re.compile(r"^\d{4,}$")
MAX_RESULTS = 20


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
    """Phone-first search, ranked: a whole number, then the last digits of any phone,
    the customer code, a name prefix, pinyin initials, and any fragment of name or address."""
    text = query.strip().lower()
    if not text:
        return []
    digits = re.sub(r"[\s\-]", "", text)
    if DIGITS.match(digits):
        matches = _by_phone_digits(company, digits)
    else:
        matches = _by_text(company, text)
    return list(matches[:limit])


def _by_phone_digits(company: Company, digits: str) -> QuerySet[Customer]:
    reversed_digits = digits[::-1]
    phone_hits = CustomerPhone.objects.filter(
        company=company, number_reversed__startswith=reversed_digits
    ).values("customer_id")
    return (
        customer_queryset(company=company)
        .filter(Q(pk__in=phone_hits) | Q(code__iendswith=digits))
        .annotate(
            rank=Case(
                When(
                    Exists(CustomerPhone.objects.filter(customer=OuterRef("pk"), number=digits)),
                    then=Value(0),
                ),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "name")
    )


def _by_text(company: Company, text: str) -> QuerySet[Customer]:
    return (
        customer_queryset(company=company)
        .filter(search_text__contains=text)
        .annotate(
            rank=Case(
                When(code__iexact=text, then=Value(0)),
                When(name__startswith=text, then=Value(1)),
                When(name_initials__startswith=text, then=Value(2)),
                When(name__contains=text, then=Value(3)),
                default=Value(4),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "name")
    )


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
        CustomerPhone.objects.filter(company=company, number=number).select_related("customer").first()
    )
    return phone.customer if phone else None
