from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.org.models import Company, Depot, Notice, Role, StaffMember, User


@transaction.atomic
def company_create(*, name: str, phone: str = "", address: str = "") -> Company:
    return Company.objects.create(name=name, phone=phone, address=address)


@transaction.atomic
def staff_add(
    *,
    company: Company,
    full_name: str,
    mobile: str,
    role: str,
    password: str = "",
    username: str = "",
    home_depot: Depot | None = None,
    skills: Iterable[str] = (),
) -> StaffMember:
    """Give a person a role in the company, creating their account if they have none."""
    user = User.objects.filter(mobile=mobile).first()
    if user is None:
        user = User(username=username or mobile, mobile=mobile, first_name=full_name)
        user.set_password(password)
        user.full_clean()
        user.save()
    staff = StaffMember(
        company=company, user=user, role=role, home_depot=home_depot, skills=sorted(skills)
    )
    staff.full_clean()
    staff.save()
    return staff


def _ensure_an_owner_remains(staff: StaffMember, *, role: str, is_active: bool) -> None:
    if staff.role != Role.OWNER or (role == Role.OWNER and is_active):
        return
    other_owners = StaffMember.objects.filter(
        company_id=staff.company_id, role=Role.OWNER, is_active=True
    ).exclude(pk=staff.pk)
    if not other_owners.exists():
        raise ValidationError(_("A company needs at least one active owner."))


@transaction.atomic
def staff_update(
    *,
    staff: StaffMember,
    role: str,
    is_active: bool,
    home_depot: Depot | None = None,
    skills: Iterable[str] = (),
) -> StaffMember:
    staff = StaffMember.objects.select_for_update().get(pk=staff.pk)
    _ensure_an_owner_remains(staff, role=role, is_active=is_active)
    staff.role = role
    staff.is_active = is_active
    staff.home_depot = home_depot
    staff.skills = sorted(skills)
    staff.save(update_fields=["role", "is_active", "home_depot", "skills"])
    return staff


@transaction.atomic
def notice_send(
    *, company: Company, roles: Iterable[str], text: str, link: str = "", key: str = ""
) -> list[Notice]:
    """Tell every active staff member with one of the roles; a repeated key sends nothing."""
    recipients = StaffMember.objects.filter(company=company, role__in=list(roles), is_active=True)
    sent = []
    for staff in recipients:
        if key and Notice.objects.filter(recipient=staff, key=key).exists():
            continue
        sent.append(
            Notice.objects.create(company=company, recipient=staff, text=text, link=link, key=key)
        )
    return sent


@transaction.atomic
def notices_mark_read(*, staff: StaffMember) -> int:
    return Notice.objects.filter(recipient=staff, read_at__isnull=True).update(
        read_at=timezone.now()
    )
