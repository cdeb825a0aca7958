"""Reports keep one table of their own: dashboard PDFs rendered by a job."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.ledger.models import JobStatus
from apps.org.models import CompanyScopedModel, Depot

IN_FLIGHT = [JobStatus.PENDING, JobStatus.RUNNING]


class DashboardPdf(CompanyScopedModel):
    """A dashboard snapshot as a PDF. A request already in flight for the same view is reused;
    two simultaneous first requests may both render, which costs a render and nothing else."""

    start = models.DateField(_("from"))
    end = models.DateField(_("until"))
    depot = models.ForeignKey(
        Depot, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    message = models.CharField(_("message"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to="reports/dashboards/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("dashboard PDF")
        verbose_name_plural = _("dashboard PDFs")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lte=models.F("end")), name="reports_dashboard_pdf_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start} – {self.end}"

    @property
    def filename(self) -> str:
        return f"dashboard-{self.start:%Y%m%d}-{self.end:%Y%m%d}.pdf"
