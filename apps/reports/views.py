from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from apps.core.placeholders import section_placeholder
from apps.org.access import member_required, section_required
from apps.org.models import Role
from apps.org.navigation import SECTIONS_BY_KEY, home_section_for_role
from apps.reports.selectors import company_overview


@member_required
def home(request: HttpRequest) -> HttpResponse:
    """Couriers go straight to their day; everyone else sees the company at a glance."""
    role = request.staff.role  # type: ignore[attr-defined]
    if role == Role.COURIER:
        return redirect(home_section_for_role(role).url_name)
    overview = company_overview(company=request.company)  # type: ignore[attr-defined]
    return render(request, "reports/home.html", {"overview": overview})


@section_required("reports")
def index(request: HttpRequest) -> HttpResponse:
    return section_placeholder(request, section=SECTIONS_BY_KEY["reports"])
