"""Plans, subscriptions and their delivery calendars.

A *plan* is what the company sells: products and quantities per delivery, a
schedule rule (see ``schedule.py``), a delivery slot, a term and a price. A
*subscription* binds a plan to a customer's address from a start date. The
calendar is the plan's rule with the subscription's ``CalendarChange`` rows
applied in order; the rows are also the change log (who, when, through which
channel). A change is never edited: a later one (a resume after a pause)
overrides it.

Terms and how a delivery is paid (one settlement per delivered order, through
the orders app):

- ``card`` — a 奶卡: the sale posts tickets of the plan's ticket package to the
  customer's ticket balance; each delivered order redeems its units. The card
  ends when its tickets are used; a skipped day simply leaves its tickets on
  the card.
- ``prepaid`` — a date range paid in advance into the wallet; each delivery
  pays its price from the wallet.
- ``monthly`` — open-ended, each delivery on the customer's monthly credit bill.

Daily generation turns the due deliveries of a day into orders whose external
id is ``"<subscription id>:<YYYY-MM-DD>"``, unique per company and channel, so
a day is never generated twice for a subscription.
"""

from __future__ import annotations

from datetime import date, time

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Product, TicketPackage
from apps.customers.models import Address, Customer
from apps.org.models import CompanyScopedModel
from apps.subscriptions.schedule import ChangeKind, Every, Rule


class Slot(models.TextChoices):
    MORNING = "morning", _("Morning 05:00–07:30")
    DAYTIME = "daytime", _("Daytime 09:00–17:00")
    EVENING = "evening", _("Evening 17:30–20:00")


SLOT_TIMES: dict[str, tuple[time, time]] = {
    Slot.MORNING: (time(5, 0), time(7, 30)),
    Slot.DAYTIME: (time(9, 0), time(17, 0)),
    Slot.EVENING: (time(17, 30), time(20, 0)),
}


class TermKind(models.TextChoices):
    CARD = "card", _("Card: a number of deliveries")
    PREPAID = "prepaid", _("Date range, paid in advance")
    MONTHLY = "monthly", _("Open-ended, billed monthly")


class SkipRule(models.TextChoices):
    EXTEND = "extend", _("Extends the term")
    CREDIT = "credit", _("Credited back")


class FaultRule(models.TextChoices):
    MAKE_UP = "make_up", _("Make-up delivery the next day")
    CREDIT = "credit", _("Credit the delivery back")
    NOTHING = "nothing", _("Nothing: the delivery is lost")


class ScheduleKind(models.TextChoices):
    DAILY = Every.DAY.value, _("Every day")
    OTHER_DAY = Every.OTHER_DAY.value, _("Every other day")
    WEEKDAYS = Every.WEEKDAY.value, _("Weekdays (Monday to Friday)")
    CHOSEN_WEEKDAYS = Every.CHOSEN_WEEKDAYS.value, _("Chosen weekdays")
    N_DAYS = Every.N_DAYS.value, _("Every N days")
    MONTH_DAYS = Every.MONTH_DAYS.value, _("Chosen days of the month")


class SubscriptionSettings(models.Model):
    """Per-company subscription rules; a company without a row uses the defaults."""

    company = models.OneToOneField(
        "org.Company", on_delete=models.CASCADE, related_name="+", verbose_name=_("company")
    )
    cutoff = models.TimeField(
        _("changes for tomorrow until"),
        default=time(20, 0),
        help_text=_("Customers and staff change tomorrow's deliveries until this time today."),
    )
    auto_pause = models.BooleanField(
        _("pause when the balance runs out"),
        default=True,
        help_text=_("No order and a reminder when the balance is short; resumes on top-up."),
    )
    not_home_rule = models.CharField(
        _("when the customer was not home"),
        max_length=10,
        choices=FaultRule.choices,
        default=FaultRule.NOTHING,
    )
    remind_deliveries_left = models.PositiveSmallIntegerField(
        _("renewal reminder at deliveries left"), default=3
    )
    remind_days_left = models.PositiveSmallIntegerField(
        _("renewal reminder at days left"), default=3
    )
    long_pause_days = models.PositiveSmallIntegerField(
        _("paused for long after (days)"), default=14
    )

    class Meta:
        verbose_name = _("subscription settings")
        verbose_name_plural = _("subscription settings")

    def __str__(self) -> str:
        return str(self.company)


class Plan(CompanyScopedModel):
    name = models.CharField(_("name"), max_length=60)
    schedule = models.CharField(
        _("schedule"), max_length=20, choices=ScheduleKind.choices, default=ScheduleKind.DAILY
    )
    weekdays = models.JSONField(
        _("weekdays"), default=list, blank=True, help_text=_("0 = Monday … 6 = Sunday")
    )
    interval_days = models.PositiveSmallIntegerField(
        _("every N days"), default=1, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    month_days = models.JSONField(_("days of the month"), default=list, blank=True)
    slot = models.CharField(_("delivery slot"), max_length=10, choices=Slot.choices)
    term = models.CharField(_("term"), max_length=10, choices=TermKind.choices)
    deliveries = models.PositiveSmallIntegerField(
        _("deliveries per card"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    ticket_package = models.ForeignKey(
        TicketPackage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("card sold as"),
    )
    term_days = models.PositiveSmallIntegerField(
        _("term (days)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    price_fen = models.PositiveIntegerField(
        _("price per unit (fen)"),
        help_text=_("Per bottle or bucket delivered; a card is paid by its package instead."),
    )
    skip_rule = models.CharField(
        _("a skipped day"), max_length=10, choices=SkipRule.choices, default=SkipRule.EXTEND
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"],
                name="plan_unique_name",
                violation_error_message=_("A plan with this name already exists."),
            ),
            models.CheckConstraint(
                condition=~Q(term="card") | Q(deliveries__isnull=False),
                name="plan_card_has_deliveries",
                violation_error_message=_("A card plan needs its number of deliveries."),
            ),
            models.CheckConstraint(
                condition=~Q(term="prepaid") | Q(term_days__isnull=False),
                name="plan_prepaid_has_days",
                violation_error_message=_("A prepaid plan needs its term in days."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def rule(self, start: date) -> Rule:
        return Rule(
            every=Every(self.schedule),
            start=start,
            weekdays=frozenset(int(d) for d in self.weekdays or ()),
            interval=self.interval_days,
            month_days=frozenset(int(d) for d in self.month_days or ()),
        )


class PlanItem(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = models.PositiveSmallIntegerField(
        _("quantity per delivery"), default=1, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("plan product")
        verbose_name_plural = _("plan products")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "product"], name="plan_item_unique_product"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="plan_item_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")
    CANCELLED = "cancelled", _("Cancelled")


class PauseReason(models.TextChoices):
    CUSTOMER = "customer", _("Paused by the customer")
    BALANCE = "balance", _("Balance too low")


class Subscription(CompanyScopedModel):
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("customer")
    )
    address = models.ForeignKey(
        Address, on_delete=models.PROTECT, related_name="+", verbose_name=_("address")
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("plan")
    )
    quantity = models.PositiveSmallIntegerField(
        _("sets per delivery"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("Multiplies the plan's quantities (2: twice the plan's bottles)."),
    )
    price_fen = models.PositiveIntegerField(
        _("price per unit (fen)"),
        null=True,
        blank=True,
        help_text=_("Empty: the plan's price."),
    )
    start_date = models.DateField(_("starts"))
    end_date = models.DateField(_("ends"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SubscriptionStatus.choices,
        default=SubscriptionStatus.ACTIVE,
        editable=False,
    )
    pause_reason = models.CharField(
        _("paused because"), max_length=10, choices=PauseReason.choices, blank=True, editable=False
    )
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True, editable=False)
    cancel_reason = models.CharField(_("cancellation reason"), max_length=200, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True, editable=False)
    auto_renew = models.BooleanField(_("renew automatically"), default=False)
    renewal_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["company", "status"], name="subscription_company_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="subscription_quantity_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.plan}"

    @property
    def number(self) -> str:
        return f"S{self.pk:06d}" if self.pk else "—"

    def rule(self) -> Rule:
        return self.plan.rule(self.start_date)

    @property
    def unit_price_fen(self) -> int:
        return self.plan.price_fen if self.price_fen is None else self.price_fen


class ChangeChannel(models.TextChoices):
    BACK_OFFICE = "back_office", _("Back office")
    SELF_SERVICE = "self_service", _("Customer's page")
    SYSTEM = "system", _("System")


class ChangeKindChoice(models.TextChoices):
    SKIP = ChangeKind.SKIP.value, _("Skip")
    PAUSE = ChangeKind.PAUSE.value, _("Pause")
    RESUME = ChangeKind.RESUME.value, _("Resume")
    SWAP = ChangeKind.SWAP.value, _("Swap product")
    QUANTITY = ChangeKind.QUANTITY.value, _("Change quantity")
    EXTRA = ChangeKind.EXTRA.value, _("Extra delivery")
    POSTPONE = ChangeKind.POSTPONE.value, _("Postpone to the end of the term")
    MAKE_UP = ChangeKind.MAKE_UP.value, _("Make-up delivery")


class CalendarChange(CompanyScopedModel):
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.CASCADE,
        related_name="changes",
        verbose_name=_("subscription"),
    )
    kind = models.CharField(_("change"), max_length=10, choices=ChangeKindChoice.choices)
    day = models.DateField(_("from"))
    until = models.DateField(_("until"), null=True, blank=True)
    quantity = models.PositiveSmallIntegerField(_("quantity"), null=True, blank=True)
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    channel = models.CharField(_("through"), max_length=20, choices=ChangeChannel.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar change")
        verbose_name_plural = _("calendar changes")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["company", "day"], name="calendar_change_company_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.day}"


class GenerationRun(CompanyScopedModel):
    """One company's generation of one day; its row lock makes generation single-flight."""

    day = models.DateField(_("delivery day"))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created = models.PositiveIntegerField(_("orders created"), default=0)
    updated = models.PositiveIntegerField(_("orders updated"), default=0)
    short = models.PositiveIntegerField(_("short of balance"), default=0)

    class Meta:
        verbose_name = _("generation run")
        verbose_name_plural = _("generation runs")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["company", "day"], name="generation_run_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.day}"
