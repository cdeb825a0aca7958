from __future__ import annotations

from typing import Any

from django.db.models import Count

from apps.catalog.selectors import catalog_counts
from apps.org.models import Company
from apps.org.selectors import depot_list, staff_list


def company_overview(*, company: Company) -> dict[str, Any]:
    """What the home page shows: depots, staff by role and the size of the catalogue."""
    staff_by_role = dict(
        staff_list(company=company)
        .filter(is_active=True)
        .values_list("role")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "depots": list(depot_list(company=company, active_only=True)),
        "staff_by_role": staff_by_role,
        "staff_total": sum(staff_by_role.values()),
        "catalog": catalog_counts(company=company),
    }
