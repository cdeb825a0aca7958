"""Dashboard PDFs in the admin: an owner looks up his company's, and changes nothing there."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from apps.org.models import Role
from apps.reports.models import DashboardPdf
from tests.conftest import Team

pytestmark = pytest.mark.django_db


def pdf(team: Team, message: str) -> DashboardPdf:
    return DashboardPdf.objects.create(
        company=team.company, start=date(2026, 3, 1), end=date(2026, 3, 7), message=message
    )


def test_the_owner_sees_only_his_companys_dashboard_pdfs(team: Team, other_team: Team) -> None:
    mine, theirs = pdf(team, "ours"), pdf(other_team, "theirs")
    client = team.client_for(Role.OWNER)
    listing = client.get(reverse("admin:reports_dashboardpdf_changelist"))
    assert listing.status_code == 200
    body = listing.content.decode()
    assert reverse("admin:reports_dashboardpdf_change", args=[mine.pk]) in body
    assert reverse("admin:reports_dashboardpdf_change", args=[theirs.pk]) not in body
    assert list(listing.context["cl"].queryset) == [mine]
    detail = client.get(reverse("admin:reports_dashboardpdf_change", args=[mine.pk]))
    assert detail.status_code == 200 and "ours" in detail.content.decode()
    stranger = client.get(reverse("admin:reports_dashboardpdf_change", args=[theirs.pk]))
    assert stranger.status_code == 302  # the admin's "does not exist" redirect, no data


def test_dashboard_pdfs_are_read_only_in_the_admin(team: Team) -> None:
    row = pdf(team, "ours")
    client = team.client_for(Role.OWNER)
    assert client.get(reverse("admin:reports_dashboardpdf_add")).status_code == 403
    change = reverse("admin:reports_dashboardpdf_change", args=[row.pk])
    response = client.post(change, {"message": "edited", "start": "2026-01-01"})
    assert response.status_code == 403
    deleted = client.post(
        reverse("admin:reports_dashboardpdf_delete", args=[row.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 403
    row.refresh_from_db()
    assert (row.message, row.start) == ("ours", date(2026, 3, 1))


def test_other_roles_do_not_reach_dashboard_pdfs_in_the_admin(team: Team) -> None:
    pdf(team, "ours")
    client = team.client_for(Role.DISPATCHER)
    response = client.get(reverse("admin:reports_dashboardpdf_changelist"))
    assert response.status_code in (302, 403)
    assert "ours" not in response.content.decode()
