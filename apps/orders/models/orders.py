"""Orders, their lines and their event log.

An order moves through a small graph of states (see ``apps/orders/lifecycle.py``):

    pending → assigned → out_for_delivery → delivered
                       ↘                  ↘ failed → pending (rescheduled) | cancelled
    pending / assigned → cancelled

Only the services in ``apps/orders/services/lifecycle.py`` change ``status``;
each change locks the order row, checks the edge against the graph, and writes
an ``OrderEvent`` in the same transaction, so the event log is the order's
complete history. Prices are copied onto the lines when the order is taken, so
a later price change never rewrites an order. Delivery settlement posts to the
ledger once (its business key is derived from the order) and the posted
transaction is linked here.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Product
from apps.customers.models import Address, Customer
from apps.org.models import CompanyScopedModel, Depot, StaffMember


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ASSIGNED = "assigned", _("Assigned")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (OrderStatus.PENDING, OrderStatus.ASSIGNED, OrderStatus.OUT_FOR_DELIVERY)


class OrderChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    BACK_OFFICE = "back_office", _("Back office")
    WECHAT = "wechat", _("WeChat")
    MINI_PROGRAM = "mini_program", _("Mini-program")
    MEITUAN = "meituan", _("Meituan")
    ELEME = "eleme", _("Ele.me")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    SUBSCRIPTION = "subscription", _("Subscription")


class PaymentIntent(models.TextChoices):
    CASH = "cash", _("Cash")
    SCAN = "scan", _("WeChat / Alipay scan")
    WALLET = "wallet", _("Wallet")
    TICKETS = "tickets", _("Tickets")
    CREDIT = "credit", _("Monthly credit")
    PAID_ONLINE = "paid_online", _("Paid online")


class FailReason(models.TextChoices):
    NOT_HOME = "not_home", _("Customer not home")
    PHONE_OFF = "phone_off", _("Phone switched off")
    WRONG_ADDRESS = "wrong_address", _("Wrong address")
    REFUSED = "refused", _("Refused")
    DAMAGED = "damaged", _("Goods damaged")
    OUT_OF_STOCK = "out_of_stock", _("Out of stock")
    OTHER = "other", _("Other")


class CancelReason(models.TextChoices):
    CHANGED_MIND = "changed_mind", _("Customer changed their mind")
    DUPLICATE = "duplicate", _("Duplicate order")
    NO_STOCK = "no_stock", _("No stock")
    OUT_OF_AREA = "out_of_area", _("Outside the delivery area")
    NOT_REACHABLE = "not_reachable", _("Customer not reachable")
    PLATFORM = "platform", _("Cancelled on the platform")
    OTHER = "other", _("Other")


def new_tracking_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


class Order(CompanyScopedModel):
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="orders", verbose_name=_("customer")
    )
    address = models.ForeignKey(
        Address, on_delete=models.PROTECT, related_name="orders", verbose_name=_("address")
    )
    depot = models.ForeignKey(
        Depot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("depot"),
    )
    channel = models.CharField(
        _("channel"), max_length=20, choices=OrderChannel.choices, default=OrderChannel.PHONE
    )
    external_id = models.CharField(_("external order number"), max_length=64, blank=True)
    api_client = models.ForeignKey(
        "orders.ApiClient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("API client"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OrderStatus.choices,
        default=OrderStatus.PENDING,
        editable=False,
    )
    window_start = models.DateTimeField(_("deliver from"))
    window_end = models.DateTimeField(_("deliver by"))
    payment_intent = models.CharField(
        _("payment"), max_length=20, choices=PaymentIntent.choices, default=PaymentIntent.CASH
    )
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    courier = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("courier"),
        editable=False,
    )
    goods_fen = models.PositiveIntegerField(_("goods"), default=0, editable=False)
    surcharge_fen = models.PositiveIntegerField(_("surcharges"), default=0, editable=False)
    deposit_fen = models.PositiveIntegerField(_("deposit"), default=0, editable=False)
    deposit_containers = models.PositiveSmallIntegerField(
        _("containers under deposit"), default=0, editable=False
    )
    total_fen = models.PositiveIntegerField(_("total"), default=0, editable=False)
    fail_reason = models.CharField(
        _("failure reason"), max_length=20, choices=FailReason.choices, blank=True, editable=False
    )
    cancel_reason = models.CharField(
        _("cancellation reason"),
        max_length=20,
        choices=CancelReason.choices,
        blank=True,
        editable=False,
    )
    eta_start = models.DateTimeField(_("ETA from"), null=True, blank=True, editable=False)
    eta_end = models.DateTimeField(_("ETA until"), null=True, blank=True, editable=False)
    settlement = models.ForeignKey(
        "ledger.Transaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("settlement"),
        editable=False,
    )
    proof = models.JSONField(_("proof of delivery"), default=dict, blank=True, editable=False)
    tracking_token = models.CharField(
        max_length=64, unique=True, default=new_tracking_token, editable=False
    )
    tracking_revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken by"),
        editable=False,
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["window_start", "pk"]
        indexes = [
            models.Index(fields=["company", "window_start"], name="order_company_window"),
            models.Index(fields=["company", "status"], name="order_company_status"),
            models.Index(fields=["customer", "-created_at"], name="order_customer_recent"),
            models.Index(fields=["company", "delivered_at"], name="order_company_delivered"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "channel", "external_id"],
                condition=~Q(external_id=""),
                name="order_unique_external_id",
                violation_error_message=_("This channel's order number was already taken."),
            ),
            models.CheckConstraint(
                condition=Q(window_start__lt=models.F("window_end")),
                name="order_window_ordered",
                violation_error_message=_("The delivery window must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(courier__isnull=False)
                | Q(status__in=["pending", "cancelled", "failed"]),
                name="order_assigned_has_courier",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"D{self.pk:07d}" if self.pk else "—"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_late(self, now: Any = None) -> bool:
        return self.is_open and (now or timezone.now()) > self.window_end

    def tracking_expires_at(self) -> Any:
        if self.tracking_revoked_at:
            return self.tracking_revoked_at
        done = self.delivered_at if self.status == OrderStatus.DELIVERED else None
        if self.status == OrderStatus.CANCELLED:
            done = self.status_changed_at
        if done is None:
            return None
        return done + timedelta(days=settings.TRACKING_LINK_DAYS)


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price_fen = models.PositiveIntegerField(_("unit price"))
    surcharge_fen = models.PositiveIntegerField(_("surcharge"), default=0)
    delivered_quantity = models.PositiveIntegerField(
        _("delivered"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"

    @property
    def amount_fen(self) -> int:
        return self.quantity * self.unit_price_fen + self.surcharge_fen


class OrderEvent(CompanyScopedModel):
    """One line of an order's history: created, every status change, edits and corrections."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order")
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_label = models.CharField(_("by"), max_length=100, blank=True)
    from_status = models.CharField(
        _("from"), max_length=20, choices=OrderStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=OrderStatus.choices)
    reason = models.CharField(_("reason"), max_length=20, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    courier = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("courier"),
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.order}: {self.from_status or '—'} → {self.to_status}"


class OrderSettings(models.Model):
    """Per-company order rules; a company without a row uses the defaults."""

    company = models.OneToOneField(
        "org.Company",
        on_delete=models.CASCADE,
        related_name="order_settings",
        verbose_name=_("company"),
    )
    quiet_hours_start = models.TimeField(_("quiet hours from"), default="21:00")
    quiet_hours_end = models.TimeField(_("quiet hours until"), default="08:00")
    asap_minutes = models.PositiveSmallIntegerField(_("ASAP means within (minutes)"), default=120)

    class Meta:
        verbose_name = _("order settings")
        verbose_name_plural = _("order settings")

    def __str__(self) -> str:
        return str(self.company)
