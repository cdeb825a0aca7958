"""Tenancy and people.

A ``Company`` is the tenant: every business row of every other app carries one.
People log in as ``User``; a ``StaffMember`` row says which role a user holds in a
company (a user may work for several companies and switches between them).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.geo import validate_latitude_in_china, validate_longitude_in_china


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    DISPATCHER = "dispatcher", _("Dispatcher")
    COURIER = "courier", _("Courier")
    ACCOUNTANT = "accountant", _("Accountant")


class Skill(models.TextChoices):
    GAS_CERTIFIED = "gas_certified", _("Gas certified")
    STAIRS = "stairs", _("Carries up stairs")
    COLD_CHAIN = "cold_chain", _("Cold chain")
    HEAVY_LOAD = "heavy_load", _("Heavy loads")


class User(AbstractUser):
    """A person who logs in; roles come from their staff memberships."""

    mobile = models.CharField(_("mobile number"), max_length=11, unique=True, null=True, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        help_text=_("Leave empty to follow the browser."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Company(models.Model):
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CompanyQuerySet(models.QuerySet[Any]):
    def for_company(self, company: Company) -> CompanyQuerySet:
        return self.filter(company=company)


class CompanyScopedModel(models.Model):
    """Base of every tenant row: it belongs to exactly one company."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, verbose_name=_("company"), related_name="+"
    )

    objects = CompanyQuerySet.as_manager()

    class Meta:
        abstract = True


class Depot(CompanyScopedModel):
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, validators=[validate_latitude_in_china]
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, validators=[validate_longitude_in_china]
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    opens_at = models.TimeField(_("opens at"), default="07:00")
    closes_at = models.TimeField(_("closes at"), default="20:00")
    payment_qr = models.ImageField(
        _("payment QR code"),
        upload_to="payment-qr/",
        blank=True,
        help_text=_("The WeChat or Alipay receiving code couriers show at the door."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("depot")
        verbose_name_plural = _("depots")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                name="depot_unique_name",
                violation_error_message=_("A depot with this name already exists."),
            ),
            models.CheckConstraint(
                condition=models.Q(opens_at__lt=models.F("closes_at")),
                name="depot_opens_before_closing",
                violation_error_message=_("The depot must open before it closes."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StaffMember(CompanyScopedModel):
    """A user's role in one company; couriers also have skills and a home depot."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    home_depot = models.ForeignKey(
        Depot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("home depot"),
        related_name="staff",
    )
    skills = models.JSONField(_("skills"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["role", "user__first_name", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "user"],
                name="staff_one_role_per_company",
                violation_error_message=_("This person already works for this company."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.display_name} ({self.get_role_display()})"

    @property
    def skill_labels(self) -> list[str]:
        labels = dict(Skill.choices)
        return [str(labels.get(code, code)) for code in self.skills]


class Notice(CompanyScopedModel):
    """A message for staff inside the back office (overdue complaint, books out of balance…)."""

    recipient = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="notices", verbose_name=_("recipient")
    )
    text = models.CharField(_("text"), max_length=300)
    link = models.CharField(_("link"), max_length=300, blank=True)
    key = models.CharField(
        _("key"), max_length=120, blank=True, help_text=_("Sending the same key twice is a no-op.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"],
                condition=~models.Q(key=""),
                name="notice_once_per_key",
            )
        ]

    def __str__(self) -> str:
        return self.text
