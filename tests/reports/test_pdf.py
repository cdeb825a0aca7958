from __future__ import annotations

import pytest
from django.urls import reverse

from apps.reports.models import DashboardPdf
from apps.reports.pdf import dashboard_pdf_render, dashboard_pdf_request
from apps.reports.period import Period
from tests.reports.conftest import MONDAY, World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


def test_the_dashboard_renders_to_a_pdf_by_a_job(
    world: World, owner_client, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    world.order(MONDAY)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("reports:pdf_request"), {"start": MONDAY, "end": MONDAY, "depot": ""}
        )
    pdf = DashboardPdf.objects.get(company=world.company)
    assert response["Location"] == reverse("reports:pdf_status", args=[pdf.pk])
    assert (pdf.status, pdf.start, pdf.end) == (
        "done",
        MONDAY,
        MONDAY,
    )  # the test cluster runs jobs at once
    download = owner_client.get(reverse("reports:pdf_download", args=[pdf.pk]))
    body = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    assert body.startswith(b"%PDF")
    status = owner_client.get(reverse("reports:pdf_status", args=[pdf.pk])).content.decode()
    assert reverse("reports:pdf_download", args=[pdf.pk]) in status


def test_a_request_in_flight_is_reused_and_a_done_pdf_not_rendered_again(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    period = Period(MONDAY, MONDAY)
    with django_capture_on_commit_callbacks(execute=False):
        first = dashboard_pdf_request(company=world.company, period=period)
        second = dashboard_pdf_request(company=world.company, period=period)
    assert first.pk == second.pk and first.status == "pending"
    done = dashboard_pdf_render(pdf_id=first.pk)
    name = done.file.name
    assert dashboard_pdf_render(pdf_id=first.pk).file.name == name
    third = dashboard_pdf_request(company=world.company, period=period)
    assert third.pk != first.pk


def test_a_pdf_not_ready_cannot_be_downloaded(
    world: World, owner_client, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=False):
        pdf = dashboard_pdf_request(company=world.company, period=Period(MONDAY, MONDAY))
    assert owner_client.get(reverse("reports:pdf_download", args=[pdf.pk])).status_code == 404
    page = owner_client.get(reverse("reports:pdf_status", args=[pdf.pk])).content.decode()
    assert 'http-equiv="refresh"' in page
