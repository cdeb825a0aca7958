"""The book: one exact, append-only, double-entry ledger of everything countable.

Units. Every amount is an integer in one *unit*: ``CNY`` (fen), ``ticket:<id>``
(prepaid tickets of one ticket type), ``container:<id>`` (returnable containers
of one type) or ``stock:<id>`` (units of one product). Units never mix.

Accounts. An account belongs to a company and an owner (a customer, a courier, a
depot or the company itself) and holds one unit. Its ``balance`` is the raw sum
of its postings (debit positive). ``normal`` says how people read it:
``display = balance * normal``. Customer accounts are credit-normal and read
from the customer's side: positive means the station owes the customer (money
in the wallet, deposit to give back, tickets left, containers covered by a
deposit or a loan), negative means the customer owes the station (a monthly
credit debt, buckets not returned: 欠桶). ``limit`` declares how far the
displayed balance may go below zero: not at all, down to the customer's credit
limit, or without bound.

Transactions and postings. A transaction is one business action, unique per
``(company, key)``, so posting it twice is a no-op. Its postings sum to zero per
unit, which PostgreSQL checks again at commit (a deferred constraint trigger).
Postings and transactions are never updated or deleted (database triggers
refuse it on PostgreSQL and SQLite alike); a correction is a reversal
transaction that mirrors the original and links to it, at most once.

Balances are read in O(1) from the account row, which the posting service
updates in the same database transaction under row locks taken in id order, so
limit checks are atomic with the write and concurrent writers never deadlock.
Each posting also keeps ``balance_after`` so an opening balance at any date is
one indexed lookup.

Pooled accounts (the company's own unlimited accounts: revenue, clearing, goods
sold…) take part in nearly every transaction. Their balance is split over a
fixed number of ``BalanceShard`` rows plus the account row: a posting adds to
whichever shard no one else holds, so concurrent settlements never queue on
one row. Their balance is the account row's plus its shards' (``balance_now``),
still a fixed number of rows, and their postings keep no ``balance_after``.

Lots. Tickets and container deposits are bought at a price; ``Lot`` rows keep
what is left of each purchase so that redemptions, refunds and forfeits use the
price actually paid, oldest first. ``LotMovement`` rows are append-only; a lot's
``remaining_*`` fields are kept under the lock of the owning account.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import ContainerType, Product, TicketType
from apps.customers.models import Customer
from apps.org.models import CompanyScopedModel, Depot, StaffMember

MONEY = "CNY"


class UnitKind(models.TextChoices):
    MONEY = "money", _("Money")
    TICKET = "ticket", _("Tickets")
    CONTAINER = "container", _("Containers")
    STOCK = "stock", _("Stock")


class OwnerKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    COURIER = "courier", _("Courier")
    DEPOT = "depot", _("Depot")
    COMPANY = "company", _("Company")


class Limit(models.TextChoices):
    NOT_NEGATIVE = "not_negative", _("May not go below zero")
    CREDIT_LIMIT = "credit_limit", _("Down to the customer's credit limit")
    NONE = "none", _("No limit")


class AccountKind(models.TextChoices):
    # customer
    WALLET = "wallet", _("Wallet")
    RECEIVABLE = "receivable", _("Monthly credit")
    DEPOSITS = "deposits", _("Deposits held")
    TICKETS = "tickets", _("Tickets")
    CONTAINERS = "containers", _("Containers")
    # courier
    COURIER_CASH = "courier_cash", _("Cash in hand")
    COURIER_TICKETS = "courier_tickets", _("Tickets collected")
    COURIER_EMPTIES = "courier_empties", _("Empties collected")
    VEHICLE_STOCK = "vehicle_stock", _("Goods on the vehicle")
    COURIER_DIFFERENCE = "courier_difference", _("Hand-over differences")
    # depot
    DEPOT_STOCK = "depot_stock", _("Depot stock")
    DEPOT_EMPTIES = "depot_empties", _("Empties at the depot")
    # company
    CASH = "cash", _("Cash office")
    BANK = "bank", _("Bank")
    WECHAT = "wechat", _("WeChat Pay clearing")
    ALIPAY = "alipay", _("Alipay clearing")
    REVENUE = "revenue", _("Sales revenue")
    TICKET_LIABILITY = "ticket_liability", _("Unused ticket liability")
    FORFEITED_DEPOSITS = "forfeited_deposits", _("Forfeited deposits")
    LOSSES = "losses", _("Losses written off")
    TICKETS_ISSUED = "tickets_issued", _("Tickets issued")
    TICKETS_REDEEMED = "tickets_redeemed", _("Tickets redeemed")
    CONTAINERS_COVERED = "containers_covered", _("Containers on deposit or loan")
    CONTAINERS_IN_GOODS = "containers_in_goods", _("Containers in full goods")
    CONTAINERS_SUPPLIER = "containers_supplier", _("Containers from suppliers")
    CONTAINERS_LOST = "containers_lost", _("Containers lost")
    STOCK_SUPPLIER = "stock_supplier", _("Goods received")
    STOCK_SOLD = "stock_sold", _("Goods delivered")
    STOCK_ADJUSTMENT = "stock_adjustment", _("Stock count adjustments")


# kind -> (owner kind, unit kind, normal sign, limit)
ACCOUNT_RULES: dict[str, tuple[str, str, int, str]] = {
    AccountKind.WALLET: (OwnerKind.CUSTOMER, UnitKind.MONEY, -1, Limit.NOT_NEGATIVE),
    AccountKind.RECEIVABLE: (OwnerKind.CUSTOMER, UnitKind.MONEY, -1, Limit.CREDIT_LIMIT),
    AccountKind.DEPOSITS: (OwnerKind.CUSTOMER, UnitKind.MONEY, -1, Limit.NOT_NEGATIVE),
    AccountKind.TICKETS: (OwnerKind.CUSTOMER, UnitKind.TICKET, -1, Limit.NOT_NEGATIVE),
    AccountKind.CONTAINERS: (OwnerKind.CUSTOMER, UnitKind.CONTAINER, -1, Limit.NONE),
    AccountKind.COURIER_CASH: (OwnerKind.COURIER, UnitKind.MONEY, 1, Limit.NONE),
    AccountKind.COURIER_TICKETS: (OwnerKind.COURIER, UnitKind.TICKET, -1, Limit.NONE),
    AccountKind.COURIER_EMPTIES: (OwnerKind.COURIER, UnitKind.CONTAINER, 1, Limit.NONE),
    AccountKind.VEHICLE_STOCK: (OwnerKind.COURIER, UnitKind.STOCK, 1, Limit.NONE),
    AccountKind.COURIER_DIFFERENCE: (OwnerKind.COURIER, UnitKind.MONEY, 1, Limit.NONE),
    AccountKind.DEPOT_STOCK: (OwnerKind.DEPOT, UnitKind.STOCK, 1, Limit.NOT_NEGATIVE),
    AccountKind.DEPOT_EMPTIES: (OwnerKind.DEPOT, UnitKind.CONTAINER, 1, Limit.NONE),
    AccountKind.CASH: (OwnerKind.COMPANY, UnitKind.MONEY, 1, Limit.NONE),
    AccountKind.BANK: (OwnerKind.COMPANY, UnitKind.MONEY, 1, Limit.NONE),
    AccountKind.WECHAT: (OwnerKind.COMPANY, UnitKind.MONEY, 1, Limit.NONE),
    AccountKind.ALIPAY: (OwnerKind.COMPANY, UnitKind.MONEY, 1, Limit.NONE),
    AccountKind.REVENUE: (OwnerKind.COMPANY, UnitKind.MONEY, -1, Limit.NONE),
    AccountKind.TICKET_LIABILITY: (OwnerKind.COMPANY, UnitKind.MONEY, -1, Limit.NONE),
    AccountKind.FORFEITED_DEPOSITS: (OwnerKind.COMPANY, UnitKind.MONEY, -1, Limit.NONE),
    AccountKind.LOSSES: (OwnerKind.COMPANY, UnitKind.MONEY, 1, Limit.NONE),
    AccountKind.TICKETS_ISSUED: (OwnerKind.COMPANY, UnitKind.TICKET, 1, Limit.NONE),
    AccountKind.TICKETS_REDEEMED: (OwnerKind.COMPANY, UnitKind.TICKET, -1, Limit.NONE),
    AccountKind.CONTAINERS_COVERED: (OwnerKind.COMPANY, UnitKind.CONTAINER, 1, Limit.NONE),
    AccountKind.CONTAINERS_IN_GOODS: (OwnerKind.COMPANY, UnitKind.CONTAINER, 1, Limit.NONE),
    AccountKind.CONTAINERS_SUPPLIER: (OwnerKind.COMPANY, UnitKind.CONTAINER, -1, Limit.NONE),
    AccountKind.CONTAINERS_LOST: (OwnerKind.COMPANY, UnitKind.CONTAINER, 1, Limit.NONE),
    AccountKind.STOCK_SUPPLIER: (OwnerKind.COMPANY, UnitKind.STOCK, -1, Limit.NONE),
    AccountKind.STOCK_SOLD: (OwnerKind.COMPANY, UnitKind.STOCK, 1, Limit.NONE),
    AccountKind.STOCK_ADJUSTMENT: (OwnerKind.COMPANY, UnitKind.STOCK, 1, Limit.NONE),
}


def is_pooled_kind(kind: str) -> bool:
    """The company's own unlimited accounts (revenue, clearing, goods sold…)."""
    owner_kind, _unit_kind, _normal, limit = ACCOUNT_RULES[kind]
    return owner_kind == OwnerKind.COMPANY and limit == Limit.NONE


POOLED_KINDS = [kind for kind in ACCOUNT_RULES if is_pooled_kind(kind)]

# Shards per pooled account: more than the connections that post at once, so a
# posting nearly always finds one free (it falls back to the account row if not).
BALANCE_SHARDS = 16


class Account(CompanyScopedModel):
    kind = models.CharField(_("kind"), max_length=30, choices=AccountKind.choices)
    unit = models.CharField(_("unit"), max_length=40)
    unit_kind = models.CharField(_("unit kind"), max_length=10, choices=UnitKind.choices)
    owner_kind = models.CharField(_("owner"), max_length=10, choices=OwnerKind.choices)
    owner_key = models.CharField(max_length=40, editable=False)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    courier = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    depot = models.ForeignKey(
        Depot, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ticket_type = models.ForeignKey(
        TicketType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    container_type = models.ForeignKey(
        ContainerType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    normal = models.SmallIntegerField(_("normal sign"), choices=[(1, "debit"), (-1, "credit")])
    limit = models.CharField(_("limit"), max_length=20, choices=Limit.choices)
    balance = models.BigIntegerField(_("balance"), default=0)
    low_threshold = models.IntegerField(
        _("low-stock threshold"),
        null=True,
        blank=True,
        help_text=_("Depot stock: warn when fewer units than this are left."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    # The shard of a pooled account this database transaction holds (see ledger.book).
    held_shard_id: int | None = None

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "kind", "unit", "owner_key"], name="ledger_account_unique"
            ),
            models.CheckConstraint(
                condition=~Q(limit="not_negative")
                | Q(balance__gte=0, normal=1)
                | Q(balance__lte=0, normal=-1),
                name="ledger_account_not_negative",
                violation_error_message=_("This balance may not go below zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.owner_label} · {self.unit_label}"

    @property
    def pooled(self) -> bool:
        """The company's own unlimited accounts, whose balance is split into shards."""
        return is_pooled_kind(self.kind)

    @property
    def balance_now(self) -> int:
        """The raw balance: the row's, plus its shards' for a pooled account.

        Accounts read through ``with_balance_now`` carry the shards' sum
        already; otherwise a pooled account reads it (one query)."""
        if not self.pooled:
            return self.balance
        shards = getattr(self, "shards_balance", None)
        if shards is None:
            shards = self.shards.aggregate(total=models.Sum("balance"))["total"]
        return self.balance + int(shards or 0)

    @property
    def display_balance(self) -> int:
        return self.balance_now * self.normal

    @property
    def owner_label(self) -> str:
        owner = self.customer or self.courier or self.depot
        return str(owner) if owner is not None else str(_("Company"))

    @property
    def unit_label(self) -> str:
        thing = self.ticket_type or self.container_type or self.product
        return str(thing) if thing is not None else "¥"

    @property
    def is_money(self) -> bool:
        return self.unit == MONEY


class BalanceShard(models.Model):
    """A part of a pooled account's balance; postings add to whichever part is free."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="shards")
    shard = models.PositiveSmallIntegerField()
    balance = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("balance shard")
        verbose_name_plural = _("balance shards")
        ordering = ["account", "shard"]
        constraints = [
            models.UniqueConstraint(fields=["account", "shard"], name="ledger_balanceshard_unique")
        ]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.shard}: {self.balance}"


def with_balance_now(accounts: QuerySet[Account]) -> QuerySet[Account]:
    """Annotate each account with its shards' sum, so ``balance_now`` reads no more."""
    shards = (
        BalanceShard.objects.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(total=models.Sum("balance"))
        .values("total")
    )
    return accounts.annotate(
        shards_balance=Coalesce(Subquery(shards), Value(0), output_field=models.BigIntegerField())
    )


class TransactionKind(models.TextChoices):
    TICKETS_SELL = "tickets_sell", _("Tickets sold")
    TICKETS_REDEEM = "tickets_redeem", _("Tickets redeemed")
    TICKETS_REFUND = "tickets_refund", _("Unused tickets refunded")
    WALLET_TOP_UP = "wallet_top_up", _("Wallet top-up")
    WALLET_REFUND = "wallet_refund", _("Wallet refunded")
    DELIVERY = "delivery", _("Delivery settled")
    DEPOSIT_TAKE = "deposit_take", _("Deposit taken")
    CONTAINERS_LEND = "containers_lend", _("Containers lent")
    CONTAINERS_MOVE = "containers_move", _("Containers delivered and collected")
    DEPOSIT_REFUND = "deposit_refund", _("Deposit refunded")
    CONTAINERS_WRITE_OFF = "containers_write_off", _("Containers written off")
    STOCK_RECEIVE = "stock_receive", _("Goods received")
    STOCK_LOAD = "stock_load", _("Vehicle loaded")
    STOCK_RETURN = "stock_return", _("Goods and empties returned")
    STOCK_COUNT = "stock_count", _("Stock count")
    HANDOVER = "handover", _("Courier hand-over")
    DISCREPANCY_RESOLVE = "discrepancy_resolve", _("Hand-over difference resolved")
    CREDIT_SETTLE = "credit_settle", _("Monthly credit settled")
    REVERSAL = "reversal", _("Reversal")


class Transaction(CompanyScopedModel):
    key = models.CharField(_("business key"), max_length=120)
    kind = models.CharField(_("kind"), max_length=30, choices=TransactionKind.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    occurred_at = models.DateTimeField(_("when"), db_index=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    courier = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    depot = models.ForeignKey(
        Depot, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reversal_of = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "key"], name="ledger_transaction_key"),
            models.CheckConstraint(
                condition=Q(reversal_of__isnull=True) | ~Q(reason=""),
                name="ledger_reversal_has_reason",
                violation_error_message=_("Say why the transaction is reversed."),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.description}".strip()


class Posting(CompanyScopedModel):
    transaction = models.ForeignKey(
        Transaction,
        on_delete=models.PROTECT,
        related_name="postings",
        verbose_name=_("transaction"),
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="postings", verbose_name=_("account")
    )
    unit = models.CharField(_("unit"), max_length=40)
    amount = models.BigIntegerField(_("amount"))
    # Empty for pooled accounts: their balance is split into shards (see above).
    balance_after = models.BigIntegerField(_("balance after"), null=True, blank=True)

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "id"], name="ledger_posting_account_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_posting_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.account}: {self.amount}"

    @property
    def display_amount(self) -> int:
        return self.amount * self.account.normal

    @property
    def display_balance_after(self) -> int | None:
        if self.balance_after is None:
            return None
        return self.balance_after * self.account.normal


class Lot(CompanyScopedModel):
    """What is left of one purchase of tickets or one container deposit (or loan at ¥0)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lots")
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="lots")
    quantity = models.PositiveIntegerField(_("quantity"))
    amount_fen = models.PositiveIntegerField(_("amount paid"))
    remaining_quantity = models.PositiveIntegerField(_("remaining"))
    remaining_fen = models.PositiveIntegerField(_("remaining value"))

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining_quantity__lte=models.F("quantity"))
                & Q(remaining_fen__lte=models.F("amount_fen")),
                name="ledger_lot_remaining_bounded",
            ),
            models.CheckConstraint(
                condition=~Q(remaining_quantity=0) | Q(remaining_fen=0),
                name="ledger_lot_empty_has_no_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.remaining_quantity}/{self.quantity}"

    @property
    def unit_price_fen(self) -> int:
        return self.amount_fen // self.quantity if self.quantity else 0


class LotMovement(CompanyScopedModel):
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="+")
    quantity = models.IntegerField()
    amount_fen = models.IntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.lot_id}: {self.quantity}"


class CreditBill(CompanyScopedModel):
    """A closed month of monthly-credit charges for one customer, paid oldest first."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    amount_fen = models.BigIntegerField(_("amount"))
    paid_fen = models.BigIntegerField(_("paid"), default=0)
    due_on = models.DateField(_("due on"))
    closed_at = models.DateTimeField(_("closed"), auto_now_add=True)

    class Meta:
        verbose_name = _("monthly credit bill")
        verbose_name_plural = _("monthly credit bills")
        ordering = ["month", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "month"], name="ledger_bill_once_per_month"
            ),
            models.CheckConstraint(
                condition=Q(paid_fen__gte=0) & Q(paid_fen__lte=models.F("amount_fen")),
                name="ledger_bill_paid_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.month:%Y-%m}"

    @property
    def open_fen(self) -> int:
        return self.amount_fen - self.paid_fen


class Handover(CompanyScopedModel):
    """交账: what a courier hands in at the end of a day, against what the book expects."""

    courier = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, related_name="handover"
    )
    scan_expected_fen = models.BigIntegerField(_("scan payments collected"), default=0)
    scan_declared_fen = models.BigIntegerField(_("scan payments declared"), default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["courier", "day"], name="ledger_handover_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.courier} {self.day}"

    @property
    def has_discrepancy(self) -> bool:
        return any(line.difference for line in self.lines.all())


class HandoverLine(CompanyScopedModel):
    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    expected = models.BigIntegerField(_("expected"))
    declared = models.BigIntegerField(_("declared by the courier"))
    counted = models.BigIntegerField(_("counted at the depot"))

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.account.unit_label}: {self.expected}/{self.declared}/{self.counted}"

    @property
    def difference(self) -> int:
        """Positive: the courier handed in less than expected."""
        return self.expected - self.counted


class DiscrepancyStatus(models.TextChoices):
    OPEN = "open", _("Open")
    HANDED_IN = "handed_in", _("Handed in by the courier")
    WRITTEN_OFF = "written_off", _("Written off")


class Discrepancy(CompanyScopedModel):
    """A hand-over difference, kept on the courier's difference account until resolved."""

    handover = models.ForeignKey(Handover, on_delete=models.PROTECT, related_name="discrepancies")
    courier = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("difference"))
    status = models.CharField(
        _("status"), max_length=20, choices=DiscrepancyStatus.choices, default="open"
    )
    resolution = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("hand-over discrepancy")
        verbose_name_plural = _("hand-over discrepancies")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.courier}: {self.amount}"


class StatementKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer statement")
    COLLECTION_SHEET = "collection_sheet", _("Courier collection sheet")


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Rendering")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class StatementBatch(CompanyScopedModel):
    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default="pending"
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    message = models.CharField(_("message"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to="ledger/batches/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("statement batch")
        verbose_name_plural = _("statement batches")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class Statement(CompanyScopedModel):
    """An immutable PDF snapshot: rendered once by a job, then only downloaded."""

    kind = models.CharField(
        _("kind"), max_length=20, choices=StatementKind.choices, default="customer"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handover = models.ForeignKey(
        Handover, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(max_length=40, editable=False)
    batch = models.ForeignKey(
        StatementBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="statements"
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default="pending"
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    message = models.CharField(_("message"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to="ledger/statements/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "kind", "subject", "period_start", "period_end"],
                condition=Q(status__in=["pending", "running"]),
                name="ledger_statement_single_flight",
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")),
                name="ledger_statement_period",
                violation_error_message=_("The period must start before it ends."),
            ),
        ]

    def __str__(self) -> str:
        who = self.customer or self.handover
        return f"{who} {self.period_start}–{self.period_end}"

    @property
    def filename(self) -> str:
        if self.kind == StatementKind.COLLECTION_SHEET:
            return f"collection-{self.handover_id}-{self.period_start}.pdf"
        return f"statement-{self.customer_id}-{self.period_start}-{self.period_end}.pdf"
