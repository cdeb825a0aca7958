"""Reports keep tables of their own: dashboard PDFs rendered by a job, and the nightly
customer summaries the Customers page reads instead of scanning every order: each customer's
delivered orders per settled day and depot, running totals at each month's start, and each
household's water/gas pace."""

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


class CustomerTally(CompanyScopedModel):
    """A customer's delivered orders and spend at one depot (the summaries' common part)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    depot = models.ForeignKey(
        Depot, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    order_count = models.PositiveIntegerField(_("orders"))
    spend_fen = models.BigIntegerField(_("spend"))

    class Meta:
        abstract = True


class CustomerDay(CustomerTally):
    """One customer's delivered orders promised for one settled day at one depot."""

    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("customer day")
        verbose_name_plural = _("customer days")
        indexes = [models.Index(fields=["company", "day"], name="reports_customer_day")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.day}"


class CustomerTotals(CustomerTally):
    """One customer's delivered orders at one depot promised before ``before`` (the first
    day of a month): the running totals a period is counted on from, one set per month."""

    before = models.DateField(_("orders counted before"))
    first_order = models.DateField(_("first order"))
    last_order = models.DateField(_("last order"))

    class Meta:
        verbose_name = _("customer totals")
        verbose_name_plural = _("customer totals")
        indexes = [models.Index(fields=["company", "before"], name="reports_customer_totals")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.before}"


class CustomerActivity(CompanyScopedModel):
    """A water or gas household's pace as of ``runout_day``, rebuilt for the whole company by
    ``customer_activity_refresh`` (households without an estimate have no row)."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    runout_day = models.DateField(_("run-out estimated on"))
    last_delivery = models.DateField(_("last delivery"))
    last_depot = models.ForeignKey(
        Depot, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    days_per_unit = models.FloatField(_("days per unit"))
    runs_out_on = models.DateField(_("runs out on"))
    refreshed_at = models.DateTimeField(_("refreshed"))

    class Meta:
        verbose_name = _("customer activity")
        verbose_name_plural = _("customer activities")
        indexes = [models.Index(fields=["company", "runs_out_on"], name="reports_activity_runout")]

    def __str__(self) -> str:
        return str(self.customer_id)


class CustomerActivityRefresh(models.Model):
    """When a company's customer summaries were last brought up to date (absent: never):
    ``CustomerDay`` rows hold every day up to ``through`` and ``CustomerTotals`` every month
    start up to the day after it."""

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
