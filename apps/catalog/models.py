"""What a company sells and counts.

Prices are integer fen. A product may come in a returnable container type (an
18.9 L bucket of water, a 15 kg cylinder of gas) whose deposit is charged when a
customer first takes one. Ticket types (水票, 气票, 奶卡) are prepaid units valid for
a set of products, sold in packages such as "20 + 2 tickets for ¥360".
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.org.models import CompanyScopedModel, Skill


class Category(models.TextChoices):
    WATER = "water", _("Water")
    GAS = "gas", _("Gas")
    MILK = "milk", _("Milk")
    PRODUCE = "produce", _("Produce")
    OTHER = "other", _("Other")


def _same_company(owner: CompanyScopedModel, other: CompanyScopedModel | None, field: str) -> None:
    if other is not None and other.company_id != owner.company_id:  # type: ignore[attr-defined]
        raise ValidationError({field: _("This belongs to another company.")})


class ContainerType(CompanyScopedModel):
    name = models.CharField(_("name"), max_length=60)
    deposit_fen = models.PositiveIntegerField(_("deposit (fen)"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("container type")
        verbose_name_plural = _("container types")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                name="container_type_unique_name",
                violation_error_message=_("A container type with this name already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Product(CompanyScopedModel):
    sku = models.CharField(_("SKU"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    brand = models.CharField(_("brand"), max_length=60, blank=True)
    unit = models.CharField(_("unit"), max_length=20, default="桶")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    price_fen = models.PositiveIntegerField(_("price (fen)"))
    load_units = models.DecimalField(
        _("load units"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("How much of a vehicle's capacity one unit takes (a bucket = 1)."),
    )
    container_type = models.ForeignKey(
        ContainerType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("container type"),
    )
    required_skill = models.CharField(
        _("required courier skill"), max_length=30, choices=Skill.choices, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["category", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "sku"],
                name="product_unique_sku",
                violation_error_message=_("A product with this SKU already exists."),
            ),
            models.CheckConstraint(
                condition=models.Q(load_units__gte=0),
                name="product_load_units_not_negative",
                violation_error_message=_("Load units cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand} {self.name}".strip()

    def clean(self) -> None:
        _same_company(self, self.container_type, "container_type")


class TicketKind(models.TextChoices):
    WATER = "water", _("Water ticket")
    GAS = "gas", _("Gas ticket")
    MILK = "milk", _("Milk card")


class TicketType(CompanyScopedModel):
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=TicketKind.choices)
    products = models.ManyToManyField(
        Product, related_name="ticket_types", verbose_name=_("valid for products")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("ticket type")
        verbose_name_plural = _("ticket types")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                name="ticket_type_unique_name",
                violation_error_message=_("A ticket type with this name already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class TicketPackage(CompanyScopedModel):
    """A book of tickets for sale, e.g. 20 paid + 2 free for ¥360."""

    ticket_type = models.ForeignKey(
        TicketType, on_delete=models.PROTECT, related_name="packages", verbose_name=_("ticket type")
    )
    name = models.CharField(_("name"), max_length=60)
    paid_tickets = models.PositiveIntegerField(
        _("tickets paid for"), validators=[MinValueValidator(1)]
    )
    bonus_tickets = models.PositiveIntegerField(_("bonus tickets"), default=0)
    price_fen = models.PositiveIntegerField(_("price (fen)"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("ticket package")
        verbose_name_plural = _("ticket packages")
        ordering = ["ticket_type", "price_fen"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(paid_tickets__gte=1),
                name="ticket_package_sells_tickets",
                violation_error_message=_("A package sells at least one ticket."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def total_tickets(self) -> int:
        return self.paid_tickets + self.bonus_tickets

    def clean(self) -> None:
        _same_company(self, getattr(self, "ticket_type", None), "ticket_type")


class CustomerGroup(CompanyScopedModel):
    name = models.CharField(_("name"), max_length=60)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("customer group")
        verbose_name_plural = _("customer groups")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                name="customer_group_unique_name",
                violation_error_message=_("A customer group with this name already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class PriceList(CompanyScopedModel):
    """Special prices for one customer group; products not listed keep their list price."""

    name = models.CharField(_("name"), max_length=60)
    customer_group = models.ForeignKey(
        CustomerGroup,
        on_delete=models.PROTECT,
        related_name="price_lists",
        verbose_name=_("customer group"),
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        ordering = ["customer_group", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="price_list_valid_range",
                violation_error_message=_("The end date cannot be before the start date."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        _same_company(self, getattr(self, "customer_group", None), "customer_group")


class PriceListItem(CompanyScopedModel):
    price_list = models.ForeignKey(
        PriceList, on_delete=models.CASCADE, related_name="items", verbose_name=_("price list")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    price_fen = models.PositiveIntegerField(_("price (fen)"))

    class Meta:
        verbose_name = _("price list item")
        verbose_name_plural = _("price list items")
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "product"],
                name="price_list_item_unique",
                violation_error_message=_("This product is already on the price list."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.price_fen}"


class SurchargeKind(models.TextChoices):
    CARRY_UP = "carry_up", _("Carry-up per floor without elevator")
    REMOTE_AREA = "remote_area", _("Remote area, per order")


class Surcharge(CompanyScopedModel):
    """Extra charges: carrying up stairs (per unit per floor above the free floors) or distance."""

    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=SurchargeKind.choices)
    amount_fen = models.PositiveIntegerField(_("amount (fen)"))
    free_floors = models.PositiveSmallIntegerField(
        _("free floors"),
        default=1,
        help_text=_("Carry-up: floors up to this one are free (1 = ground floor only)."),
    )
    categories = models.JSONField(
        _("categories"), default=list, blank=True, help_text=_("Empty means every category.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("surcharge")
        verbose_name_plural = _("surcharges")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def applies_to(self, category: str) -> bool:
        return not self.categories or category in self.categories
