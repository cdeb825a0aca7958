"""Ledger actions: one function per business action, each one database transaction.

Every action takes a business ``key``; calling it again with the same key
returns the first transaction and posts nothing. See ``apps/ledger/book.py`` for
the engine and ``apps/ledger/models.py`` for the accounts and their signs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.catalog.models import ContainerType, Product, TicketPackage, TicketType
from apps.core.money import format_yuan
from apps.customers.models import Customer
from apps.ledger.book import (
    Draft,
    Ref,
    lock,
    lot_open,
    lots_consume,
    lots_reverse,
    mirror,
    new_transaction,
    open_and_lock,
)
from apps.ledger.book import ref as _ref
from apps.ledger.book import write as _write
from apps.ledger.errors import LedgerError
from apps.ledger.models import (
    MONEY,
    Account,
    AccountKind,
    CreditBill,
    Discrepancy,
    DiscrepancyStatus,
    Handover,
    HandoverLine,
    Posting,
    Transaction,
    TransactionKind,
)
from apps.org.models import Company, Depot, Role, StaffMember
from apps.org.services import notice_send

K = AccountKind


class Method:
    """How money is paid or paid back."""

    CASH = "cash"
    WECHAT = "wechat"
    ALIPAY = "alipay"
    BANK = "bank"
    WALLET = "wallet"
    CREDIT = "credit"
    TICKETS = "tickets"


MONEY_METHODS = (
    Method.CASH,
    Method.WECHAT,
    Method.ALIPAY,
    Method.BANK,
    Method.WALLET,
    Method.CREDIT,
)


def method_choices() -> list[tuple[str, str]]:
    return [
        (Method.CASH, _("Cash")),
        (Method.WECHAT, _("WeChat Pay")),
        (Method.ALIPAY, _("Alipay")),
        (Method.BANK, _("Bank transfer")),
        (Method.WALLET, _("Wallet")),
        (Method.CREDIT, _("Monthly credit")),
    ]


@dataclass(frozen=True)
class Line:
    product: Product
    quantity: int
    price_fen: int


@dataclass(frozen=True)
class Payment:
    method: str
    amount_fen: int = 0
    ticket_type: TicketType | None = None
    tickets: int = 0


def _same_company(company: Company, *objects: Any) -> None:
    for obj in objects:
        if obj is not None and obj.company_id != company.pk:
            raise LedgerError(_("%(thing)s belongs to another company.") % {"thing": obj})


def _positive(quantity: int, what: str) -> None:
    if quantity <= 0:
        raise LedgerError(_("%(what)s must be more than zero.") % {"what": what})


def _payment_ref(method: str, *, customer: Customer | None, courier: StaffMember | None) -> Ref:
    """The account whose raw balance rises when money comes in by this method."""
    if method == Method.CASH:
        return _ref(K.COURIER_CASH, courier=courier) if courier else _ref(K.CASH)
    if method == Method.WECHAT:
        return _ref(K.WECHAT)
    if method == Method.ALIPAY:
        return _ref(K.ALIPAY)
    if method == Method.BANK:
        return _ref(K.BANK)
    if method in (Method.WALLET, Method.CREDIT) and customer is not None:
        return _ref(K.WALLET if method == Method.WALLET else K.RECEIVABLE, customer=customer)
    raise LedgerError(_("Unknown payment method: %(method)s.") % {"method": method})


def _post(
    *,
    company: Company,
    key: str,
    kind: str,
    build: Any,
    extra_refs: Sequence[Ref] = (),
    **txn_fields: Any,
) -> Transaction:
    """Open and lock, build under the lock, write. ``build(txn, accounts) -> Draft``.

    ``build(txn, None)`` only names the accounts (amounts that need a locked
    balance or lot may be placeholders) and touches nothing.
    """
    txn = new_transaction(company=company, key=key, kind=kind, **txn_fields)
    probe = build(txn, None)
    txn, accounts = open_and_lock(txn=txn, refs=[*probe.refs, *extra_refs])
    if accounts is None:
        return txn
    draft = build(txn, accounts)
    _write(txn=txn, draft=draft, accounts=accounts)
    return txn


# --- tickets ---------------------------------------------------------------------------


@transaction.atomic
def tickets_sell(
    *,
    company: Company,
    key: str,
    customer: Customer,
    package: TicketPackage,
    method: str,
    courier: StaffMember | None = None,
    quantity: int = 1,
    created_by: Any = None,
    occurred_at: datetime | None = None,
) -> Transaction:
    """Sell ``quantity`` books of a ticket package, paid by cash, scan, wallet or credit."""
    _same_company(company, customer, package, courier)
    _positive(quantity, _("The number of books"))
    ticket_type = package.ticket_type
    tickets = package.total_tickets * quantity
    price = package.price_fen * quantity
    pay = _payment_ref(method, customer=customer, courier=courier)
    customer_tickets = _ref(K.TICKETS, customer=customer, ticket_type=ticket_type)

    def build(txn: Transaction, accounts: dict[Ref, Account] | None) -> Draft:
        draft = Draft()
        draft.move(_ref(K.TICKET_LIABILITY), pay, price)
        draft.move(customer_tickets, _ref(K.TICKETS_ISSUED, ticket_type=ticket_type), tickets)
        if accounts is not None:
            lot_open(
                txn=txn, account=accounts[customer_tickets], quantity=tickets, amount_fen=price
            )
        return draft

    return _post(
        company=company,
        key=key,
        kind=TransactionKind.TICKETS_SELL,
        build=build,
        description=_("%(count)s × %(package)s, %(price)s")
        % {"count": quantity, "package": package.name, "price": format_yuan(price)},
        customer=customer,
        courier=courier,
        created_by=created_by,
        occurred_at=occurred_at,
        details={"package": package.pk, "tickets": tickets, "price_fen": price, "method": method},
    )


def _redeem(
    draft: Draft,
    txn: Transaction,
    accounts: dict[Ref, Account] | None,
    *,
    customer: Customer,
    ticket_type: TicketType,
    tickets: int,
    courier: StaffMember | None,
) -> None:
    customer_tickets = _ref(K.TICKETS, customer=customer, ticket_type=ticket_type)
    collector = (
        _ref(K.COURIER_TICKETS, courier=courier, ticket_type=ticket_type)
        if courier
        else _ref(K.TICKETS_REDEEMED, ticket_type=ticket_type)
    )
    draft.move(collector, customer_tickets, tickets)
    value = 1  # placeholder amount for the probe: only the accounts matter there
    if accounts is not None:
        value = lots_consume(txn=txn, account=accounts[customer_tickets], quantity=tickets)
    draft.move(_ref(K.REVENUE), _ref(K.TICKET_LIABILITY), value)


@transaction.atomic
def tickets_redeem(
    *,
    company: Company,
    key: str,
    customer: Customer,
    ticket_type: TicketType,
    quantity: int,
    courier: StaffMember | None = None,
    created_by: Any = None,
    occurred_at: datetime | None = None,
) -> Transaction:
    """Use tickets; their value (the price paid, oldest book first) becomes revenue."""
    _same_company(company, customer, ticket_type, courier)
    _positive(quantity, _("The number of tickets"))

    def build(txn: Transaction, accounts: dict[Ref, Account] | None) -> Draft:
        draft = Draft()
        _redeem(
            draft,
            txn,
            accounts,
            customer=customer,
            ticket_type=ticket_type,
            tickets=quantity,
            courier=courier,
        )
        return draft

    return _post(
        company=company,
        key=key,
        kind=TransactionKind.TICKETS_REDEEM,
        build=build,
        description=_("%(count)s × %(ticket)s") % {"count": quantity, "ticket": ticket_type},
        customer=customer,
        courier=courier,
        created_by=created_by,
        occurred_at=occurred_at,
    )


@transaction.atomic
def tickets_refund(
    *,
    company: Company,
    key: str,
    customer: Customer,
    ticket_type: TicketType,
    quantity: int,
    method: str,
    created_by: Any = None,
    occurred_at: datetime | None = None,
) -> Transaction:
    """Pay back unused tickets at the price the customer paid for them (oldest book first)."""
    _same_company(company, customer, ticket_type)
    _positive(quantity, _("The number of tickets"))
    customer_tickets = _ref(K.TICKETS, customer=customer, ticket_type=ticket_type)
    pay = _payment_ref(method, customer=customer, courier=None)

    def build(txn: Transaction, accounts: dict[Ref, Account] | None) -> Draft:
        draft = Draft()
        draft.move(_ref(K.TICKETS_ISSUED, ticket_type=ticket_type), customer_tickets, quantity)
        value = 1
        if accounts is not None:
            value = lots_consume(txn=txn, account=accounts[customer_tickets], quantity=quantity)
        draft.move(pay, _ref(K.TICKET_LIABILITY), value)
        return draft

    return _post(
        company=company,
        key=key,
        kind=TransactionKind.TICKETS_REFUND,
        build=build,
        description=_("%(count)s × %(ticket)s") % {"count": quantity, "ticket": ticket_type},
        customer=customer,
        created_by=created_by,
        occurred_at=occurred_at,
        details={"method": method},
    )


# --- wallet ---------------------------------------------------------------------------


def _wallet_cash_move(
    *,
    company: Company,
    key: str,
    kind: str,
    customer: Customer,
    amount_fen: int,
    method: str,
    into_wallet: bool,
    courier: StaffMember | None,
    created_by: Any,
    occurred_at: datetime | None,
) -> Transaction:
    """Money between a customer's wallet and cash, a scan or the bank, either way."""
    _same_company(company, customer, courier)
    _positive(amount_fen, _("The amount"))
    if method in (Method.WALLET, Method.CREDIT):
        if into_wallet:
            raise LedgerError(_("A wallet is topped up with cash, a scan or a bank transfer."))
        raise LedgerError(_("A wallet is paid back in cash, by scan or by bank transfer."))
    pay = _payment_ref(method, customer=customer, courier=courier)
    wallet = _ref(K.WALLET, customer=customer)
    source, target = (wallet, pay) if into_wallet else (pay, wallet)

    def build(txn: Transaction, accounts: dict[Ref, Account] | None) -> Draft:
        draft = Draft()
        draft.move(source, target, amount_fen)
        return draft

    return _post(
        company=company,
        key=key,
        kind=kind,
        build=build,
        description=format_yuan(amount_fen),
        customer=customer,
        courier=courier,
        created_by=created_by,
        occurred_at=occurred_at,
        details={"method": method},
    )


@transaction.atomic
def wallet_top_up(
    *,
    company: Company,
    key: str,
    customer: Customer,
    amount_fen: int,
    method: str,
    courier: StaffMember | None = None,
    created_by: Any = None,
    occurred_at: datetime | None = None,
) -> Transaction:
    return _wallet_cash_move(
        company=company,
        key=key,
        kind=TransactionKind.WALLET_TOP_UP,
        customer=customer,
        amount_fen=amount_fen,
        method=method,
        into_wallet=True,
        courier=courier,
        created_by=created_by,
        occurred_at=occurred_at,
    )


@transaction.atomic
def wallet_refund(
    *,
    company: Company,
    key: str,
    customer: Customer,
    amount_fen: int,
    method: str,
    courier: StaffMember | None = None,
    created_by: Any = None,
    occurred_at: datetime | None = None,
) -> Transaction:
    """Pay prepaid money back to the customer; never more than the wallet holds."""
    return _wallet_cash_move(
        company=company,
        key=key,
        kind=TransactionKind.WALLET_REFUND,
        customer=customer,
        amount_fen=amount_fen,
        method=method,
        into_wallet=False,
        courier=courier,
        created_by=created_by,
        occurred_at=occurred_at,
    )


@transaction.atomic
def wallet_pay(
    *,
    company: Company,
    key: str,
    customer: Customer,
    amount_fen: int,
    description: str = "",
    created_by: Any = None,
    occurred_at: datetime | None = None,
) -> Transaction:
    """Charge the customer's wallet for a sale; refused when the wallet would go below zero."""
    _same_company(company, customer)
    _positive(amount_fen, _("The amount"))

    def build(txn: Transaction, accounts: dict[Ref, Account] | None) -> Draft:
        draft = Draft()
        draft.move(_ref(K.REVENUE), _ref(K.WALLET, customer=customer), amount_fen)
        return draft

    return _post(
        company=company,
        key=key,
        kind=TransactionKind.DELIVERY,
        build=build,
        description=description or format_yuan(amount_fen),
        customer=customer,
        created_by=created_by,
        occurred_at=occurred_at,
    )


# --- delivery settlement (called by the orders app) ------------------------------------


def _ticket_cover(
    lines: Sequence[Line], payments: Sequence[Payment]
) -> tuple[int, list[tuple[TicketType, int]]]:
    """Which line units the tickets pay for, and their list value."""
    units_left = [line.quantity for line in lines]
    covered_value = 0
    tickets: list[tuple[TicketType, int]] = []
    for payment in payments:
        if payment.method != Method.TICKETS:
            continue
        if payment.ticket_type is None or payment.tickets <= 0:
            raise LedgerError(_("A ticket payment needs a ticket type and a number of tickets."))
        valid = set(payment.ticket_type.products.values_list("pk", flat=True))
        left = payment.tickets
        for index, line in enumerate(lines):
            if left and units_left[index] and line.product.pk in valid:
                used = min(left, units_left[index])
                units_left[index] -= used
                covered_value += used * line.price_fen
                left -= used
        if left:
            raise LedgerError(
                _(
                    "%(count)s × %(ticket)s: the order has no more units these tickets are valid for."
                )
                % {"count": payment.tickets, "ticket": payment.ticket_type}
            )
        tickets.append((payment.ticket_type, payment.tickets))
    return covered_value, tickets


def money_due_fen(lines: Sequence[Line], payments: Sequence[Payment]) -> int:
    """What the money payments of a delivery must add up to: its price less what tickets cover."""
    covered_value, _uses = _ticket_cover(lines, payments)
    return sum(line.quantity * line.price_fen for line in lines) - covered_value


@transaction.atomic
def delivery_settle(
    *,
    company: Company,
    key: str,
    customer: Customer,
    courier: StaffMember,
    lines: Sequence[Line],
    payments: Sequence[Payment],
    empties: Mapping[ContainerType, int] | None = None,
    description: str = "",
    occurred_at: datetime | None = None,
    created_by: Any = None,
) -> Transaction:
    """Settle one delivery stop in one transaction.

    Goods leave the courier's vehicle; full containers go to the customer and
    collected empties to the courier; the price is paid by any mix of cash (the
    courier holds it), WeChat/Alipay (clearing), bank, wallet, monthly credit and
    tickets (each ticket pays for one unit of a product it is valid for). The
    money payments must add up to the price of the units tickets do not cover.
    """
    empties = dict(empties or {})
    _same_company(company, customer, courier, *[line.product for line in lines], *empties)
    if not lines and not any(empties.values()):
        raise LedgerError(_("A delivery needs at least one line or collected empties."))
    for line in lines:
        _positive(line.quantity, _("The quantity of %(product)s") % {"product": line.product})
        if line.price_fen < 0:
            raise LedgerError(_("A price cannot be negative."))
    total = sum(line.quantity * line.price_fen for line in lines)
    covered_value, ticket_uses = _ticket_cover(lines, payments)
    money = [p for p in payments if p.method != Method.TICKETS]
    for payment in money:
        if payment.amount_fen <= 0:
            raise LedgerError(_("Every payment needs an amount above zero."))
    paid = sum(p.amount_fen for p in money)
    if paid != total - covered_value:
        raise LedgerError(
            _("The payments (%(paid)s) do not match the amount due (%(due)s).")
            % {"paid": format_yuan(paid), "due": format_yuan(total - covered_value)}
        )
    delivered: dict[ContainerType, int] = {}
    for line in lines:
        container = line.product.container_type
        if container is not None:
            delivered[container] = delivered.get(container, 0) + line.quantity

    def build(txn: Transaction, accounts: dict[Ref, Account] | None) -> Draft:
        draft = Draft()
        for line in lines:
            draft.move(
                _ref(K.VEHICLE_STOCK, courier=courier, product=line.product),
                _ref(K.STOCK_SOLD, product=line.product),
                line.quantity,
            )
        for payment in money:
            draft.move(
                _ref(K.REVENUE),
                _payment_ref(payment.method, customer=customer, courier=courier),
                payment.amount_fen,
            )
        for ticket_type, count in ticket_uses:
            _redeem(
                draft,
                txn,
                accounts,
                customer=customer,
                ticket_type=ticket_type,
                tickets=count,
                courier=courier,
            )
        for container, count in delivered.items():
            draft.move(
                _ref(K.CONTAINERS_IN_GOODS, container_type=container),
                _ref(K.CONTAINERS, customer=customer, container_type=container),
                count,
            )
        for container, count in empties.items():
            draft.move(
                _ref(K.CONTAINERS, customer=customer, container_type=container),
                _ref(K.COURIER_EMPTIES, courier=courier, container_type=container),
                count,
            )
        return draft

    return _post(
        company=company,
        key=key,
        kind=TransactionKind.DELIVERY,
        build=build,
        description=description
        or "，".join(f"{line.product} × {line.quantity}" for line in lines)
        or _("Empties collected"),
        customer=customer,
        courier=courier,
        created_by=created_by,
        occurred_at=occurred_at,
        details={
            "lines": [
                {"product": line.product.pk, "quantity": line.quantity, "price_fen": line.price_fen}
                for line in lines
            ],
            "payments": [
                {
                    "method": p.method,
                    "amount_fen": p.amount_fen,
                    "ticket_type": p.ticket_type.pk if p.ticket_type else None,
                    "tickets": p.tickets,
                }
                for p in payments
            ],
            "empties": {str(c.pk): n for c, n in empties.items()},
        },
    )


# --- containers and deposits ---------------------------------------------------------


@transaction.atomic
def deposit_take(
    *,
    company: Company,
    key: str,
    customer: Customer,
    container_type: ContainerType,
    quantity: int,
    method: str,
    price_fen: int | None = None,
    courier: StaffMember | None = None,
    created_by: Any = None,
    occurred_at: datetime | None = None,
) -> Transaction:
    """Take a deposit for ``quantity`` containers (at the list deposit unless a price is given)."""
    _same_company(company, customer, container_type, courier)
    _positive(quantity, _("The number of containers"))
    unit_price = container_type.deposit_fen if price_fen is None else price_fen
    if unit_price <= 0:
        raise LedgerError(_("This container type has no deposit; lend the containers instead."))
    amount = unit_price * quantity
    if method == Method.CREDIT:
        raise LedgerError(_("A deposit is paid, not put on credit."))
    containers = _ref(K.CONTAINERS, customer=customer, container_type=container_type)
    pay = _payment_ref(method, customer=customer, courier=courier)

    def build(txn: Transaction, accounts: dict[Ref, Account] | None) -> Draft:
        draft = Draft()
        draft.move(_ref(K.DEPOSITS, customer=customer), pay, amount)
        draft.move(containers, _ref(K.CONTAINERS_COVERED, container_type=container_type), quantity)
        if accounts is not None:
            lot_open(txn=txn, account=accounts[containers], quantity=quantity, amount_fen=amount)
        return draft

    return _post(
        company=company,
        key=key,
        kind=TransactionKind.DEPOSIT_TAKE,
        build=build,
        description=_("%(count)s × %(container)s, %(amount)s")
        % {"count": quantity, "container": container_type, "amount": format_yuan(amount)},
        customer=customer,
        courier=courier,
        created_by=created_by,
        occurred_at=occurred_at,
        details={"method": method, "unit_price_fen": unit_price},
    )


@transaction.atomic
def containers_lend(
    *,
    company: Company,
    key: str,
    customer: Customer,
    container_type: ContainerType,
    quantity: int,
    created_by: Any = None,
    occurred_at: datetime | None = None,
) -> Transaction:
    """Let the customer hold containers without a deposit (a lot at ¥0)."""
    _same_company(company, customer, container_type)
    _positive(quantity, _("The number of containers"))
    containers = _ref(K.CONTAINERS, customer=customer, container_type=container_type)

    def build(txn: Transaction, accounts: dict[Ref, Account] | None) -> Draft:
        draft = Draft()
        draft.move(containers, _ref(K.CONTAINERS_COVERED, container_type=container_type), quantity)
        if accounts is not None:
            lot_open(txn=txn, account=accounts[containers], quantity=quantity, amount_fen=0)
        return draft

    return _post(
        company=company,
        key=key,
        kind=TransactionKind.CONTAINERS_LEND,
        build=build,
        description=_("%(count)s × %(container)s")
        % {"count": quantity, "container": container_type},
        customer=customer,
        created_by=created_by,
        occurred_at=occurred_at,
    )


@transaction.atomic
def containers_move(
    *,
    company: Company,
    key: str,
    customer: Customer,
    courier: StaffMember,
    container_type: ContainerType,
    delivered: int,
    collected: int,
    created_by: Any = None,
    occurred_at: datetime | None = None,
) -> Transaction:
    """Containers handed over full and empties collected at a stop (the net counts)."""
    _same_company(company, customer, courier, container_type)
    if delivered < 0 or collected < 0 or not (delivered or collected):
        raise LedgerError(_("Give the containers delivered or collected."))
    containers = _ref(K.CONTAINERS, customer=customer, container_type=container_type)

    def build(txn: Transaction, accounts: dict[Ref, Account] | None) -> Draft:
        draft = Draft()
        draft.move(
            _ref(K.CONTAINERS_IN_GOODS, container_type=container_type), containers, delivered
        )
        draft.move(
            containers,
            _ref(K.COURIER_EMPTIES, courier=courier, container_type=container_type),
            collected,
        )
        return draft

    return _post(
        company=company,
        key=key,
        kind=TransactionKind.CONTAINERS_MOVE,
        build=build,
        description=_("%(container)s: %(delivered)s delivered, %(collected)s collected")
        % {"container": container_type, "delivered": delivered, "collected": collected},
        customer=customer,
        courier=courier,
        created_by=created_by,
        occurred_at=occurred_at,
    )


@transaction.atomic
def deposit_refund(
    *,
    company: Company,
    key: str,
    customer: Customer,
    container_type: ContainerType,
    quantity: int,
    method: str,
    created_by: Any = None,
    occurred_at: datetime | None = None,
) -> Transaction:
    """Give back the deposit of returned containers, oldest deposit first, at the price paid."""
    _same_company(company, customer, container_type)
    _positive(quantity, _("The number of containers"))
    if method == Method.CREDIT:
        raise LedgerError(_("A deposit is paid back in cash, by transfer or to the wallet."))
    containers = _ref(K.CONTAINERS, customer=customer, container_type=container_type)
    pay = _payment_ref(method, customer=customer, courier=None)

    def build(txn: Transaction, accounts: dict[Ref, Account] | None) -> Draft:
        draft = Draft()
        draft.move(_ref(K.CONTAINERS_COVERED, container_type=container_type), containers, quantity)
        value = 1
        if accounts is not None:
            account = accounts[containers]
            if account.display_balance < quantity:
                raise LedgerError(
                    _(
                        "%(customer)s has returned %(returned)s of these containers; "
                        "%(count)s must come back before their deposit is refunded."
                    )
                    % {
                        "customer": customer,
                        "returned": max(0, account.display_balance),
                        "count": quantity,
                    }
                )
            value = lots_consume(txn=txn, account=account, quantity=quantity)
        draft.move(pay, _ref(K.DEPOSITS, customer=customer), value)
        return draft

    return _post(
        company=company,
        key=key,
        kind=TransactionKind.DEPOSIT_REFUND,
        build=build,
        description=_("%(count)s × %(container)s")
        % {"count": quantity, "container": container_type},
        customer=customer,
        created_by=created_by,
        occurred_at=occurred_at,
        details={"method": method},
    )


@transaction.atomic
def containers_write_off(
    *,
    company: Company,
    key: str,
    customer: Customer,
    container_type: ContainerType,
    quantity: int,
    forfeit_deposit: bool = False,
    reason: str = "",
    created_by: Any = None,
    occurred_at: datetime | None = None,
) -> Transaction:
    """Containers the customer will not bring back: lost, and their deposit kept if chosen.

    Without a forfeit, the customer must owe at least that many (欠桶); with it, the
    covered containers are gone and the deposit paid for them becomes the
    company's.
    """
    _same_company(company, customer, container_type)
    _positive(quantity, _("The number of containers"))
    containers = _ref(K.CONTAINERS, customer=customer, container_type=container_type)
    lost = _ref(K.CONTAINERS_LOST, container_type=container_type)

    def build(txn: Transaction, accounts: dict[Ref, Account] | None) -> Draft:
        draft = Draft()
        if forfeit_deposit:
            draft.move(_ref(K.CONTAINERS_COVERED, container_type=container_type), lost, quantity)
            value = 1
            if accounts is not None:
                value = lots_consume(txn=txn, account=accounts[containers], quantity=quantity)
            draft.move(_ref(K.FORFEITED_DEPOSITS), _ref(K.DEPOSITS, customer=customer), value)
        else:
            if accounts is not None and -accounts[containers].display_balance < quantity:
                raise LedgerError(
                    _("%(customer)s owes %(owed)s of these containers, not %(count)s.")
                    % {
                        "customer": customer,
                        "owed": max(0, -accounts[containers].display_balance),
                        "count": quantity,
                    }
                )
            draft.move(containers, lost, quantity)
        return draft

    return _post(
        company=company,
        key=key,
        kind=TransactionKind.CONTAINERS_WRITE_OFF,
        build=build,
        extra_refs=[containers, _ref(K.DEPOSITS, customer=customer)],
        description=_("%(count)s × %(container)s")
        % {"count": quantity, "container": container_type},
        customer=customer,
        created_by=created_by,
        occurred_at=occurred_at,
        reason=reason[:300],
        details={"forfeit_deposit": forfeit_deposit},
    )


# --- depot stock -----------------------------------------------------------------------


def _low_stock_check(*, company: Company, account: Account, on: date) -> None:
    if account.low_threshold is not None and account.display_balance < account.low_threshold:
        notice_send(
            company=company,
            roles=[Role.OWNER],
            text=_("Low stock at %(depot)s: %(product)s, %(count)s left.")
            % {
                "depot": account.depot,
                "product": account.product,
                "count": account.display_balance,
            },
            key=f"ledger-low-stock-{account.pk}-{on.isoformat()}",
        )


@transaction.atomic
def stock_receive(
    *,
    company: Company,
    key: str,
    depot: Depot,
    product: Product,
    quantity: int,
    empties_returned: int = 0,
    created_by: Any = None,
    occurred_at: datetime | None = None,
) -> Transaction:
    """Goods from a supplier; for bucket goods, the empties sent back with the truck."""
    _same_company(company, depot, product)
    _positive(quantity, _("The quantity"))
    if empties_returned < 0:
        raise LedgerError(_("The number of empties cannot be negative."))
    container = product.container_type

    def build(txn: Transaction, accounts: dict[Ref, Account] | None) -> Draft:
        draft = Draft()
        draft.move(
            _ref(K.STOCK_SUPPLIER, product=product),
            _ref(K.DEPOT_STOCK, depot=depot, product=product),
            quantity,
        )
        if container is not None:
            supplier = _ref(K.CONTAINERS_SUPPLIER, container_type=container)
            draft.move(supplier, _ref(K.CONTAINERS_IN_GOODS, container_type=container), quantity)
            draft.move(
                _ref(K.DEPOT_EMPTIES, depot=depot, container_type=container),
                supplier,
                empties_returned,
            )
        return draft

    return _post(
        company=company,
        key=key,
        kind=TransactionKind.STOCK_RECEIVE,
        build=build,
        description=f"{product} × {quantity}",
        depot=depot,
        created_by=created_by,
        occurred_at=occurred_at,
    )


@transaction.atomic
def stock_load(
    *,
    company: Company,
    key: str,
    depot: Depot,
    courier: StaffMember,
    product: Product,
    quantity: int,
    created_by: Any = None,
    occurred_at: datetime | None = None,
) -> Transaction:
    """Load a courier's vehicle from the depot; refused when the depot has too little."""
    _same_company(company, depot, courier, product)
    _positive(quantity, _("The quantity"))
    depot_stock = _ref(K.DEPOT_STOCK, depot=depot, product=product)

    def build(txn: Transaction, accounts: dict[Ref, Account] | None) -> Draft:
        draft = Draft()
        draft.move(depot_stock, _ref(K.VEHICLE_STOCK, courier=courier, product=product), quantity)
        return draft

    txn = _post(
        company=company,
        key=key,
        kind=TransactionKind.STOCK_LOAD,
        build=build,
        description=f"{product} × {quantity}",
        depot=depot,
        courier=courier,
        created_by=created_by,
        occurred_at=occurred_at,
    )
    account = Account.objects.get(
        company=company, kind=K.DEPOT_STOCK, owner_key=depot_stock.owner_key, unit=depot_stock.unit
    )
    _low_stock_check(company=company, account=account, on=timezone.localdate())
    return txn


@transaction.atomic
def stock_return(
    *,
    company: Company,
    key: str,
    depot: Depot,
    courier: StaffMember,
    goods: Mapping[Product, int] | None = None,
    empties: Mapping[ContainerType, int] | None = None,
    created_by: Any = None,
    occurred_at: datetime | None = None,
) -> Transaction:
    """Unsold goods and collected empties come back from a vehicle to the depot."""
    goods = {p: q for p, q in (goods or {}).items() if q}
    empties = {c: q for c, q in (empties or {}).items() if q}
    _same_company(company, depot, courier, *goods, *empties)
    if any(q < 0 for q in [*goods.values(), *empties.values()]) or not (goods or empties):
        raise LedgerError(_("Give the goods or empties returned."))

    def build(txn: Transaction, accounts: dict[Ref, Account] | None) -> Draft:
        draft = Draft()
        for product, quantity in goods.items():
            draft.move(
                _ref(K.VEHICLE_STOCK, courier=courier, product=product),
                _ref(K.DEPOT_STOCK, depot=depot, product=product),
                quantity,
            )
        for container, quantity in empties.items():
            draft.move(
                _ref(K.COURIER_EMPTIES, courier=courier, container_type=container),
                _ref(K.DEPOT_EMPTIES, depot=depot, container_type=container),
                quantity,
            )
        return draft

    return _post(
        company=company,
        key=key,
        kind=TransactionKind.STOCK_RETURN,
        build=build,
        description="，".join(
            [f"{p} × {q}" for p, q in goods.items()] + [f"{c} × {q}" for c, q in empties.items()]
        ),
        depot=depot,
        courier=courier,
        created_by=created_by,
        occurred_at=occurred_at,
    )


@transaction.atomic
def stock_count(
    *,
    company: Company,
    key: str,
    depot: Depot,
    product: Product,
    counted: int,
    created_by: Any = None,
    occurred_at: datetime | None = None,
) -> Transaction | None:
    """Record a stock count: the difference to the book is posted as an adjustment."""
    _same_company(company, depot, product)
    if counted < 0:
        raise LedgerError(_("A count cannot be negative."))
    depot_stock = _ref(K.DEPOT_STOCK, depot=depot, product=product)
    container = product.container_type

    def build(txn: Transaction, accounts: dict[Ref, Account] | None) -> Draft:
        draft = Draft()
        delta = 1 if accounts is None else counted - accounts[depot_stock].display_balance
        draft.move(_ref(K.STOCK_ADJUSTMENT, product=product), depot_stock, delta)
        if container is not None:
            draft.move(
                _ref(K.CONTAINERS_LOST, container_type=container),
                _ref(K.CONTAINERS_IN_GOODS, container_type=container),
                delta,
            )
        if accounts is not None and delta == 0:
            raise _NothingToAdjust
        return draft

    try:
        with transaction.atomic():
            return _post(
                company=company,
                key=key,
                kind=TransactionKind.STOCK_COUNT,
                build=build,
                description=_("%(product)s counted: %(count)s")
                % {"product": product, "count": counted},
                depot=depot,
                created_by=created_by,
                occurred_at=occurred_at,
                details={"counted": counted},
            )
    except _NothingToAdjust:
        return None


class _NothingToAdjust(Exception):
    pass


@transaction.atomic
def stock_threshold_set(
    *, company: Company, depot: Depot, product: Product, threshold: int | None
) -> Account:
    _same_company(company, depot, product)
    account = lock(company=company, refs=[_ref(K.DEPOT_STOCK, depot=depot, product=product)])
    stock = next(iter(account.values()))
    stock.low_threshold = threshold
    stock.save(update_fields=["low_threshold"])
    return stock


# --- courier hand-over (交账) --------------------------------------------------------


def handover_refs(*, company: Company, courier: StaffMember) -> list[Ref]:
    """The courier accounts a hand-over settles: cash, and every ticket and empty held."""
    refs = [_ref(K.COURIER_CASH, courier=courier)]
    held = Account.objects.filter(
        company=company,
        courier=courier,
        kind__in=[K.COURIER_TICKETS, K.COURIER_EMPTIES],
    ).order_by("kind", "id")
    for account in held:
        refs.append(
            Ref(
                kind=account.kind,
                courier_id=courier.pk,
                ticket_type_id=account.ticket_type_id,
                container_type_id=account.container_type_id,
            )
        )
    return refs


def scan_collected_fen(*, company: Company, courier: StaffMember, day: date) -> int:
    total = Posting.objects.filter(
        company=company,
        transaction__courier=courier,
        transaction__occurred_at__date=day,
        account__kind__in=[K.WECHAT, K.ALIPAY],
    ).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)


def _handover_target(account_ref: Ref, depot: Depot) -> Ref:
    if account_ref.kind == K.COURIER_CASH:
        return _ref(K.CASH)
    if account_ref.kind == K.COURIER_TICKETS:
        return Ref(kind=K.TICKETS_REDEEMED, ticket_type_id=account_ref.ticket_type_id)
    return Ref(
        kind=K.DEPOT_EMPTIES, depot_id=depot.pk, container_type_id=account_ref.container_type_id
    )


@transaction.atomic
def handover_record(
    *,
    company: Company,
    courier: StaffMember,
    day: date,
    depot: Depot,
    counted: Mapping[int, int],
    declared: Mapping[int, int],
    scan_declared_fen: int = 0,
    note: str = "",
    created_by: Any = None,
    occurred_at: datetime | None = None,
) -> Handover:
    """Record a courier's hand-over: what the depot counted moves off the courier.

    ``counted`` and ``declared`` map a courier account id to a display amount
    (fen for cash). Whatever differs from the book stays owed on the courier's
    difference account as an open discrepancy, never silently absorbed.
    """
    _same_company(company, courier, depot)
    if courier.role != Role.COURIER:
        raise LedgerError(_("%(person)s is not a courier.") % {"person": courier})
    key = f"handover:{courier.pk}:{day.isoformat()}"
    existing = Handover.objects.filter(company=company, transaction__key=key).first()
    if existing is not None:
        return existing
    refs = handover_refs(company=company, courier=courier)
    targets = {r: _handover_target(r, depot) for r in refs}
    differences = {r: Ref(**{**r.__dict__, "kind": K.COURIER_DIFFERENCE}) for r in refs}
    txn, accounts = open_and_lock(
        txn=new_transaction(
            company=company,
            key=key,
            kind=TransactionKind.HANDOVER,
            description=_("Hand-over of %(courier)s on %(day)s") % {"courier": courier, "day": day},
            courier=courier,
            depot=depot,
            created_by=created_by,
            occurred_at=occurred_at,
        ),
        refs=[*refs, *targets.values(), *differences.values()],
    )
    if accounts is None:
        return Handover.objects.get(transaction=txn)
    handover = Handover.objects.create(
        company=company,
        courier=courier,
        day=day,
        transaction=txn,
        scan_expected_fen=scan_collected_fen(company=company, courier=courier, day=day),
        scan_declared_fen=scan_declared_fen,
        note=note,
        created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
    )
    draft = Draft()
    pending = []
    for r in refs:
        account = accounts[r]
        expected = account.display_balance
        count = int(counted.get(account.pk, 0))
        said = int(declared.get(account.pk, count))
        if count < 0 or said < 0:
            raise LedgerError(_("Counts cannot be negative."))
        if not (expected or count or said):
            continue
        HandoverLine.objects.create(
            company=company,
            handover=handover,
            account=account,
            expected=expected,
            declared=said,
            counted=count,
        )
        # display -> raw: the courier account falls by what it held.
        draft.move(r, targets[r], count * account.normal)
        difference = expected - count
        if difference:
            draft.move(r, differences[r], difference * account.normal)
            pending.append((accounts[differences[r]], difference))
    if draft.legs:
        _write(txn=txn, draft=draft, accounts=accounts)
    for account, difference in pending:
        Discrepancy.objects.create(
            company=company,
            handover=handover,
            courier=courier,
            account=account,
            amount=difference,
        )
    if pending:
        notice_send(
            company=company,
            roles=[Role.OWNER, Role.ACCOUNTANT],
            text=_("Hand-over of %(courier)s on %(day)s has a difference to resolve.")
            % {"courier": courier, "day": day},
            key=f"ledger-handover-{handover.pk}",
        )
    return handover


class Resolution:
    HANDED_IN = "handed_in"
    WRITTEN_OFF = "written_off"


@transaction.atomic
def discrepancy_resolve(
    *,
    company: Company,
    discrepancy: Discrepancy,
    resolution: str,
    note: str = "",
    created_by: Any = None,
) -> Discrepancy:
    """Close a hand-over difference: the courier hands in the rest, or it is written off."""
    _same_company(company, discrepancy)
    discrepancy = (
        Discrepancy.objects.select_for_update().select_related("account").get(pk=discrepancy.pk)
    )
    if discrepancy.status != DiscrepancyStatus.OPEN:
        raise LedgerError(_("This difference is already resolved."))
    if resolution not in (Resolution.HANDED_IN, Resolution.WRITTEN_OFF):
        raise LedgerError(_("Choose how the difference is resolved."))
    account = discrepancy.account
    diff_ref = Ref(
        kind=K.COURIER_DIFFERENCE,
        courier_id=account.courier_id,
        ticket_type_id=account.ticket_type_id,
        container_type_id=account.container_type_id,
    )
    if account.ticket_type_id:
        target = Ref(kind=K.TICKETS_REDEEMED, ticket_type_id=account.ticket_type_id)
    elif account.container_type_id:
        handover_depot = discrepancy.handover.transaction.depot_id
        target = (
            Ref(
                kind=K.DEPOT_EMPTIES,
                depot_id=handover_depot,
                container_type_id=account.container_type_id,
            )
            if resolution == Resolution.HANDED_IN
            else Ref(kind=K.CONTAINERS_LOST, container_type_id=account.container_type_id)
        )
    else:
        target = _ref(K.CASH) if resolution == Resolution.HANDED_IN else _ref(K.LOSSES)
    raw = discrepancy.amount * account.normal

    def build(txn: Transaction, accounts: dict[Ref, Account] | None) -> Draft:
        draft = Draft()
        draft.move(diff_ref, target, raw)
        return draft

    txn = _post(
        company=company,
        key=f"discrepancy:{discrepancy.pk}",
        kind=TransactionKind.DISCREPANCY_RESOLVE,
        build=build,
        description=note or str(dict(DiscrepancyStatus.choices)[resolution]),
        courier=discrepancy.courier,
        created_by=created_by,
    )
    discrepancy.status = resolution
    discrepancy.resolution = txn
    discrepancy.note = note
    discrepancy.save(update_fields=["status", "resolution", "note"])
    return discrepancy


# --- monthly credit --------------------------------------------------------------------


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def _bills_reallocate(customer: Customer) -> None:
    """Payments settle the oldest bills first; recomputed so reversals stay exact."""
    paid = -int(
        Posting.objects.filter(
            account__customer=customer,
            account__kind=K.RECEIVABLE,
            transaction__kind=TransactionKind.CREDIT_SETTLE,
        ).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    paid -= int(
        Posting.objects.filter(
            account__customer=customer,
            account__kind=K.RECEIVABLE,
            transaction__reversal_of__kind=TransactionKind.CREDIT_SETTLE,
        ).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    for bill in CreditBill.objects.select_for_update().filter(customer=customer).order_by("month"):
        share = max(0, min(paid, bill.amount_fen))
        paid -= share
        if bill.paid_fen != share:
            bill.paid_fen = share
            bill.save(update_fields=["paid_fen"])


@transaction.atomic
def credit_month_close(*, company: Company, customer: Customer, month: date) -> CreditBill:
    """Close a customer's month of credit charges into a bill (once per month)."""
    _same_company(company, customer)
    first, last = month_bounds(month)
    if last >= timezone.localdate():
        raise LedgerError(_("A month can be closed once it is over."))
    existing = CreditBill.objects.filter(customer=customer, month=first).first()
    if existing is not None:
        return existing
    lock(company=company, refs=[_ref(K.RECEIVABLE, customer=customer)])
    charges = (
        Posting.objects.filter(
            account__customer=customer,
            account__kind=K.RECEIVABLE,
            transaction__occurred_at__date__gte=first,
            transaction__occurred_at__date__lte=last,
        )
        .exclude(transaction__kind=TransactionKind.CREDIT_SETTLE)
        .exclude(transaction__reversal_of__kind=TransactionKind.CREDIT_SETTLE)
    )
    amount = max(0, int(charges.aggregate(total=Sum("amount"))["total"] or 0))
    bill = CreditBill.objects.create(
        company=company,
        customer=customer,
        month=first,
        amount_fen=amount,
        due_on=last + timedelta(days=customer.payment_due_days),
    )
    _bills_reallocate(customer)
    bill.refresh_from_db()
    return bill


@transaction.atomic
def credit_settle(
    *,
    company: Company,
    key: str,
    customer: Customer,
    amount_fen: int,
    method: str,
    created_by: Any = None,
    occurred_at: datetime | None = None,
) -> Transaction:
    """A monthly-credit customer pays; the oldest open bills are settled first."""
    _same_company(company, customer)
    _positive(amount_fen, _("The amount"))
    if method == Method.CREDIT:
        raise LedgerError(_("Credit is settled with money."))
    pay = _payment_ref(method, customer=customer, courier=None)

    def build(txn: Transaction, accounts: dict[Ref, Account] | None) -> Draft:
        draft = Draft()
        draft.move(_ref(K.RECEIVABLE, customer=customer), pay, amount_fen)
        return draft

    txn = _post(
        company=company,
        key=key,
        kind=TransactionKind.CREDIT_SETTLE,
        build=build,
        description=format_yuan(amount_fen),
        customer=customer,
        created_by=created_by,
        occurred_at=occurred_at,
        details={"method": method},
    )
    _bills_reallocate(customer)
    return txn


# --- reversal --------------------------------------------------------------------------


@transaction.atomic
def transaction_reverse(
    *, company: Company, txn: Transaction, reason: str, created_by: Any = None
) -> Transaction:
    """Post the mirror of a transaction, linked to it; a transaction is reversed at most once."""
    _same_company(company, txn)
    reason = reason.strip()
    if not reason:
        raise LedgerError(_("Say why the transaction is reversed."))
    if txn.reversal_of_id:
        raise LedgerError(_("A reversal cannot be reversed; record the action again instead."))
    already = Transaction.objects.filter(reversal_of=txn).first()
    if already is not None:
        raise LedgerError(
            _("This transaction was already reversed by #%(id)s.") % {"id": already.pk}
        )
    if txn.kind == TransactionKind.HANDOVER or txn.kind == TransactionKind.DISCREPANCY_RESOLVE:
        raise LedgerError(_("Hand-overs are corrected by resolving their differences."))
    postings = list(Posting.objects.filter(transaction=txn).select_related("account"))
    draft = mirror(postings)
    reversal, accounts = open_and_lock(
        txn=new_transaction(
            company=company,
            key=f"reversal:{txn.pk}",
            kind=TransactionKind.REVERSAL,
            description=_("Reversal of #%(id)s %(what)s") % {"id": txn.pk, "what": txn.description},
            customer=txn.customer,
            courier=txn.courier,
            depot=txn.depot,
            reversal_of=txn,
            reason=reason[:300],
            created_by=created_by,
        ),
        refs=draft.refs,
    )
    if accounts is None:
        return reversal
    lots_reverse(original=txn, reversal=reversal)
    _write(txn=reversal, draft=draft, accounts=accounts)
    if txn.customer_id and txn.kind == TransactionKind.CREDIT_SETTLE:
        _bills_reallocate(txn.customer)  # type: ignore[arg-type]
    return reversal


def amount_text(account: Account, display: int) -> str:
    return format_yuan(display) if account.unit == MONEY else str(display)
