"""Company A's report objects for the tenancy sweep."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.files.base import ContentFile

from apps.reports.models import DashboardPdf
from tests.tenancy import MARKER


def _pdf(company: Any) -> DashboardPdf:
    pdf = DashboardPdf.objects.create(
        company=company,
        start=date(2026, 3, 1),
        end=date(2026, 3, 1),
        status="done",
        message=MARKER,
    )
    pdf.file.save("sweep.pdf", ContentFile(MARKER.encode()), save=True)
    return pdf


OBJECTS = {"reports.dashboardpdf": _pdf}

URL_OBJECTS = {
    "reports:courier": "org.staffmember",
    "reports:courier_csv": "org.staffmember",
    "reports:courier_xlsx": "org.staffmember",
    "reports:pdf_status": "reports.dashboardpdf",
    "reports:pdf_download": "reports.dashboardpdf",
}
