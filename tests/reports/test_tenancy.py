"""Every report and export of company B, over a period full of company A's data, shows none of it."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.org.models import Role, StaffMember
from apps.reports.pages import OBJECT_PAGES, PAGES
from tests.conftest import Team
from tests.reports.conftest import MONDAY, World, query

pytestmark = pytest.mark.django_db
SECRET = "甲公司的秘密客户"


def readable(response) -> str:  # type: ignore[no-untyped-def]
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        book = load_workbook(io.BytesIO(response.content))
        return " ".join(
            str(value)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
            for value in row
        )
    return str(response.content.decode("utf-8-sig"))


@pytest.mark.parametrize("key", sorted(PAGES))
def test_no_report_shows_another_companys_data(world: World, other_team: Team, key: str) -> None:
    victim = world.customer(SECRET)
    for back in range(0, 28, 3):
        world.order(MONDAY - timedelta(days=back), customer=victim)
    world.order(MONDAY, customer=victim, status="failed", failed=[("not_home", world.courier, 10)])
    client = other_team.client_for(Role.OWNER)
    params = query(MONDAY - timedelta(days=60), MONDAY + timedelta(days=1))
    own_courier = StaffMember.objects.get(company=other_team.company, role=Role.COURIER)
    args = [own_courier.pk] if key in OBJECT_PAGES else []
    for name in (key, f"{key}_csv", f"{key}_xlsx"):
        url = reverse("reports:index" if name == "dashboard" else f"reports:{name}", args=args)
        response = client.get(url, params)
        assert response.status_code == 200
        assert SECRET not in readable(response)
    if key == "dashboard":
        page = client.get(reverse("reports:index"), params)
        assert page.context["dash"].current.orders == 0


def test_a_courier_of_another_company_cannot_be_reported_on(world: World, other_team: Team) -> None:
    client = other_team.client_for(Role.OWNER)
    assert client.get(reverse("reports:courier", args=[world.courier.pk])).status_code == 404
    assert client.get(reverse("reports:courier_csv", args=[world.courier.pk])).status_code == 404
