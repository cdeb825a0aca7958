"""Reports keep tables of their own: dashboard PDFs rendered by a job, and the nightly
per-customer activity summary the Customers page reads instead of scanning every order."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.customers.models import Customer
from apps.ledger.models import JobStatus
from apps.org.models import Company, CompanyScopedModel, Depot

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


class CustomerActivity(CompanyScopedModel):
    """One customer's delivered orders up to ``through`` and water/gas pace as of
    ``runout_day``, rebuilt for the whole company by ``customer_activity_refresh``."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    through = models.DateField(_("orders counted through"))
    first_order = models.DateField(_("first order"), null=True, blank=True)
    last_order = models.DateField(_("last order"), null=True, blank=True)
    order_count = models.PositiveIntegerField(_("orders"), default=0)
    spend_fen = models.BigIntegerField(_("spend"), default=0)
    runout_day = models.DateField(_("run-out estimated on"))
    last_delivery = models.DateField(_("last delivery"), null=True, blank=True)
    days_per_unit = models.FloatField(_("days per unit"), null=True, blank=True)
    runs_out_on = models.DateField(_("runs out on"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("refreshed"))

    class Meta:
        verbose_name = _("customer activity")
        verbose_name_plural = _("customer activities")
        indexes = [models.Index(fields=["company", "runs_out_on"], name="reports_activity_runout")]

    def __str__(self) -> str:
        return str(self.customer_id)


class CustomerActivityRefresh(models.Model):
    """When a company's customer activity summary was last rebuilt (absent: never)."""

    company = models.OneToOneField(
        Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    through = models.DateField(_("orders counted through"))
    runout_day = models.DateField(_("run-out estimated on"))
    refreshed_at = models.DateTimeField(_("refreshed"))

    class Meta:
        verbose_name = _("customer activity refresh")
        verbose_name_plural = _("customer activity refreshes")

    def __str__(self) -> str:
        return f"{self.company_id} {self.through}"
