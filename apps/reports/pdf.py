"""The dashboard as a PDF, rendered by a django-q2 job with the ledger's safe WeasyPrint setup."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.core.jobs import job_enqueue
from apps.ledger.models import JobStatus
from apps.ledger.pdf import CJK_FONT, html_to_pdf
from apps.org.models import Company
from apps.reports.models import IN_FLIGHT, DashboardPdf
from apps.reports.period import Period

JOB_TIMEOUT = 120  # seconds; the cluster's retry (360 s) stays longer


def dashboard_pdf_request(
    *, company: Company, period: Period, created_by: Any = None, language: str = "zh-hans"
) -> DashboardPdf:
    """Queue a PDF of the dashboard; a request already in flight for the same view is reused."""
    lookup = {
        "company": company,
        "start": period.start,
        "end": period.end,
        "depot": period.depot,
        "language": language,
    }
    in_flight = DashboardPdf.objects.filter(**lookup, status__in=IN_FLIGHT).first()
    if in_flight is not None:
        return in_flight
    with transaction.atomic():
        pdf = DashboardPdf.objects.create(
            **lookup,
            message=_("Waiting for the job to start…"),
            created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
        )
        transaction.on_commit(
            lambda: job_enqueue(
                "apps.reports.tasks.dashboard_pdf_render",
                pdf.pk,
                task_name=f"reports-dashboard-pdf-{pdf.pk}",
                timeout=JOB_TIMEOUT,
            )
        )
    return pdf


def _progress(pk: int, percent: int, message: str, **more: object) -> None:
    DashboardPdf.objects.filter(pk=pk).update(progress=percent, message=message[:200], **more)


def dashboard_pdf_render(*, pdf_id: int) -> DashboardPdf:
    """Render one requested dashboard (idempotent: a finished PDF is never rendered again)."""
    from apps.reports.pages import build_dashboard

    pdf = DashboardPdf.objects.select_related("company", "depot").get(pk=pdf_id)
    if pdf.status == JobStatus.DONE:
        return pdf
    with translation.override(pdf.language or "zh-hans"):
        _progress(pdf.pk, 10, _("Counting the figures…"), status=JobStatus.RUNNING)
        try:
            period = Period(pdf.start, pdf.end, pdf.depot)
            context = build_dashboard(pdf.company, period, {})
            context.update({"period": period, "company": pdf.company, "font": CJK_FONT})
            _progress(pdf.pk, 50, _("Rendering the PDF…"))
            body = html_to_pdf(render_to_string("reports/pdf/dashboard.html", context))
        except Exception as error:
            _progress(
                pdf.pk, 100, _("Failed: %(error)s") % {"error": error}, status=JobStatus.FAILED
            )
            raise
        pdf.file.save(pdf.filename, ContentFile(body), save=False)
        DashboardPdf.objects.filter(pk=pdf.pk).update(
            file=pdf.file.name,
            status=JobStatus.DONE,
            progress=100,
            message=_("Ready to download."),
            finished_at=timezone.now(),
        )
    pdf.refresh_from_db()
    return pdf
