from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.org.models import Company, Depot, Notice, StaffMember, User


def memberships_of(*, user: Any) -> QuerySet[StaffMember]:
    return (
        StaffMember.objects.filter(user=user, is_active=True, company__is_active=True)
        .select_related("company", "home_depot")
        .order_by("company__name")
    )


def current_membership(*, user: Any, company_id: int | None) -> StaffMember | None:
    """The membership for the company chosen in the session, else the user's first."""
    memberships = list(memberships_of(user=user))
    for staff in memberships:
        if staff.company_id == company_id:
            return staff
    return memberships[0] if memberships else None


def depot_list(*, company: Company, active_only: bool = False) -> QuerySet[Depot]:
    depots = Depot.objects.filter(company=company)
    return depots.filter(is_active=True) if active_only else depots


def staff_list(*, company: Company, role: str | None = None) -> QuerySet[StaffMember]:
    staff = StaffMember.objects.filter(company=company).select_related("user", "home_depot")
    return staff.filter(role=role) if role else staff


def user_by_login(login: str) -> User | None:
    """Find the user a login name means: a username, or a mobile number."""
    login = login.strip()
    return User.objects.filter(username=login).first() or User.objects.filter(mobile=login).first()


def notice_list(*, staff: StaffMember) -> QuerySet[Notice]:
    return Notice.objects.filter(recipient=staff).order_by("-created_at")


def unread_notice_count(*, staff: StaffMember) -> int:
    return Notice.objects.filter(recipient=staff, read_at__isnull=True).count()
