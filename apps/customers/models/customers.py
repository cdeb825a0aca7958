"""Customers, their phones and their addresses.

Phones are stored normalised (see ``apps.core.phones``) and unique per company,
so a caller is found by any of his numbers. ``phone_reversed`` makes "the last
four digits" an indexed prefix search. ``search_text`` is one denormalised,
lower-cased line (name, pinyin, initials, code, phones, addresses) kept up to
date by the services, so the as-you-type search is one indexed query.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import CustomerGroup, Product
from apps.core.geo import validate_latitude_in_china, validate_longitude_in_china
from apps.org.models import CompanyScopedModel, Depot


class CustomerType(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    OFFICE = "office", _("Office")
    SHOP = "shop", _("Shop")
    SCHOOL = "school", _("School")
    RESTAURANT = "restaurant", _("Restaurant")
    OTHER = "other", _("Other")


class BillingMode(models.TextChoices):
    PAY_ON_DELIVERY = "pay_on_delivery", _("Pay on delivery")
    PREPAID = "prepaid", _("Prepaid wallet")
    MONTHLY_CREDIT = "monthly_credit", _("Monthly credit")


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DORMANT = "dormant", _("Dormant")
    BLOCKED = "blocked", _("Blocked")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WECHAT = "wechat", _("WeChat")
    MINI_PROGRAM = "mini_program", _("Mini-program")
    MEITUAN = "meituan", _("Meituan")
    ELEME = "eleme", _("Ele.me")
    WALK_IN = "walk_in", _("Walk-in")
    REFERRAL = "referral", _("Referral")
    IMPORT = "import", _("Import")
    OTHER = "other", _("Other")


class Tag(CompanyScopedModel):
    name = models.CharField(_("name"), max_length=30)
    highlight = models.BooleanField(
        _("show to couriers"), default=False, help_text=_("Shown on the courier's stop card.")
    )

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                name="tag_unique_name",
                violation_error_message=_("A tag with this name already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Customer(CompanyScopedModel):
    code = models.CharField(_("customer code"), max_length=20)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    customer_type = models.CharField(
        _("type"), max_length=20, choices=CustomerType.choices, default=CustomerType.HOUSEHOLD
    )
    billing_mode = models.CharField(
        _("billing mode"),
        max_length=20,
        choices=BillingMode.choices,
        default=BillingMode.PAY_ON_DELIVERY,
    )
    credit_limit_fen = models.PositiveIntegerField(_("credit limit"), default=0)
    payment_due_days = models.PositiveSmallIntegerField(_("payment due (days)"), default=30)
    group = models.ForeignKey(
        CustomerGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("customer group"),
    )
    preferred_products = models.ManyToManyField(
        Product, blank=True, related_name="+", verbose_name=_("preferred products")
    )
    preferred_brands = models.CharField(_("preferred brands"), max_length=100, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers", verbose_name=_("tags"))
    notes = models.TextField(_("notes"), blank=True)
    source = models.CharField(
        _("source channel"), max_length=20, choices=Channel.choices, default=Channel.PHONE
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE
    )
    blocked_reason = models.CharField(_("reason for blocking"), max_length=200, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        default="zh-hans",
    )
    accepts_messages = models.BooleanField(
        _("sends order messages"),
        default=True,
        help_text=_("Untick when the customer asked not to receive order text messages."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_order_at = models.DateTimeField(_("last order"), null=True, blank=True)
    name_initials = models.CharField(max_length=100, blank=True, editable=False, db_index=True)
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "code"],
                name="customer_unique_code",
                violation_error_message=_("Another customer already has this code."),
            ),
            models.CheckConstraint(
                condition=~Q(status="blocked") | ~Q(blocked_reason=""),
                name="customer_blocked_has_reason",
                violation_error_message=_("Say why the customer is blocked."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def default_address(self) -> Address | None:
        addresses = list(self.addresses.all())
        return next((a for a in addresses if a.is_default), addresses[0] if addresses else None)


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    HOME = "home", _("Home")
    OFFICE = "office", _("Office")
    OTHER = "other", _("Other")


class CustomerPhone(CompanyScopedModel):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="phones", verbose_name=_("customer")
    )
    number = models.CharField(_("phone number"), max_length=20)
    number_reversed = models.CharField(max_length=20, editable=False, db_index=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=PhoneKind.choices, default=PhoneKind.MOBILE
    )
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("phone")
        verbose_name_plural = _("phones")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"],
                name="customer_phone_unique",
                violation_error_message=_("Another customer already has this phone number."),
            )
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: object, **kwargs: object) -> None:
        self.number_reversed = self.number[::-1]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class CoordinateSource(models.TextChoices):
    PIN = "pin", _("Pin dropped by hand")
    GEOCODER = "geocoder", _("Geocoder")
    COMMUNITY = "community", _("Same community")
    DEPOT = "depot", _("Depot (fallback)")
    IMPORT = "import", _("Imported")


class Precision(models.TextChoices):
    EXACT = "exact", _("Exact")
    APPROXIMATE = "approximate", _("Approximate")
    UNKNOWN = "unknown", _("Not located yet")


class Address(CompanyScopedModel):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("customer")
    )
    label = models.CharField(
        _("label"), max_length=30, blank=True, help_text=_("e.g. home, office")
    )
    province = models.CharField(_("province"), max_length=20, default="浙江省")
    city = models.CharField(_("city"), max_length=20, default="杭州市")
    district = models.CharField(_("district"), max_length=20, blank=True)
    street = models.CharField(_("street and number"), max_length=100)
    community = models.CharField(_("community / building complex"), max_length=60, blank=True)
    building = models.CharField(_("building"), max_length=20, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    room = models.CharField(_("room"), max_length=20, blank=True)
    floor = models.SmallIntegerField(_("floor"), default=1)
    has_elevator = models.BooleanField(_("elevator"), default=False)
    delivery_notes = models.CharField(_("delivery notes"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[validate_latitude_in_china],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[validate_longitude_in_china],
    )
    coordinate_source = models.CharField(
        _("coordinates from"), max_length=20, choices=CoordinateSource.choices, blank=True
    )
    precision = models.CharField(
        _("precision"), max_length=20, choices=Precision.choices, default=Precision.UNKNOWN
    )
    depot = models.ForeignKey(
        Depot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="addresses",
        verbose_name=_("served by depot"),
    )
    is_default = models.BooleanField(_("default address"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-is_default", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(is_default=True),
                name="address_one_default_per_customer",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="address_coordinates_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.short

    @property
    def short(self) -> str:
        """What a courier reads: street, complex, building-unit-room."""
        parts = [self.street, self.community]
        door = "-".join(p for p in (self.building, self.unit, self.room) if p)
        return " ".join(p for p in [*parts, door] if p)

    @property
    def full(self) -> str:
        return f"{self.province}{self.city}{self.district} {self.short}"

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def needs_carry_up(self) -> bool:
        return not self.has_elevator and self.floor > 1
