from __future__ import annotations

import pytest
from django.urls import reverse

from apps.org.models import Role, StaffMember
from apps.reports.pages import OBJECT_PAGES, PAGES
from tests.conftest import Team

pytestmark = pytest.mark.django_db


def urls(team: Team) -> list[str]:
    courier = StaffMember.objects.get(company=team.company, role=Role.COURIER)
    found = []
    for key in PAGES:
        args = [courier.pk] if key in OBJECT_PAGES else []
        page = "reports:index" if key == "dashboard" else f"reports:{key}"
        found += [
            reverse(name, args=args) for name in (page, f"reports:{key}_csv", f"reports:{key}_xlsx")
        ]
    return found


@pytest.mark.parametrize("role", [Role.OWNER, Role.ACCOUNTANT])
def test_owners_and_accountants_open_every_report(team: Team, role: str) -> None:
    client = team.client_for(role)
    for url in urls(team):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.COURIER])
def test_dispatchers_and_couriers_open_none(team: Team, role: str) -> None:
    client = team.client_for(role)
    for url in [*urls(team), reverse("reports:pdf_request")]:
        assert client.get(url).status_code == 403, url
