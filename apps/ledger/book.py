"""The posting engine every ledger service writes through.

A service opens its transaction (``open_transaction``: the business key makes a
second attempt return the first result), resolves and locks every account it
touches (``lock``: one query, id order, so concurrent writers never deadlock),
reads what it needs under those locks (lots, balances), then ``write`` checks
balance and limits and stores postings and balances in two more queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.catalog.models import ContainerType, Product, TicketType
from apps.core.money import format_yuan
from apps.customers.models import Customer
from apps.ledger.errors import LedgerError
from apps.ledger.models import (
    ACCOUNT_RULES,
    MONEY,
    Account,
    Limit,
    Lot,
    LotMovement,
    OwnerKind,
    Posting,
    Transaction,
    UnitKind,
)
from apps.org.models import Company, Depot, StaffMember


@dataclass(frozen=True)
class Ref:
    """Which account: a kind, its owner and its unit (created on first use)."""

    kind: str
    customer_id: int | None = None
    courier_id: int | None = None
    depot_id: int | None = None
    ticket_type_id: int | None = None
    container_type_id: int | None = None
    product_id: int | None = None

    @property
    def unit(self) -> str:
        if self.ticket_type_id:
            return f"ticket:{self.ticket_type_id}"
        if self.container_type_id:
            return f"container:{self.container_type_id}"
        if self.product_id:
            return f"stock:{self.product_id}"
        return MONEY

    @property
    def unit_kind(self) -> str:
        if self.ticket_type_id:
            return UnitKind.TICKET
        if self.container_type_id:
            return UnitKind.CONTAINER
        if self.product_id:
            return UnitKind.STOCK
        return UnitKind.MONEY

    @property
    def owner_key(self) -> str:
        if self.customer_id:
            return f"customer:{self.customer_id}"
        if self.courier_id:
            return f"courier:{self.courier_id}"
        if self.depot_id:
            return f"depot:{self.depot_id}"
        return "company"

    def fields(self) -> dict[str, Any]:
        owner_kind, unit_kind, normal, limit = ACCOUNT_RULES[self.kind]
        if self.kind == "courier_difference":
            unit_kind = self.unit_kind
            normal = -1 if unit_kind == UnitKind.TICKET else 1
        if unit_kind != self.unit_kind or owner_kind != self._owner_kind:
            raise ValueError(f"{self} does not fit the rules of {self.kind}")
        return {
            "kind": self.kind,
            "unit": self.unit,
            "unit_kind": unit_kind,
            "owner_kind": owner_kind,
            "owner_key": self.owner_key,
            "customer_id": self.customer_id,
            "courier_id": self.courier_id,
            "depot_id": self.depot_id,
            "ticket_type_id": self.ticket_type_id,
            "container_type_id": self.container_type_id,
            "product_id": self.product_id,
            "normal": normal,
            "limit": limit,
        }

    @property
    def _owner_kind(self) -> str:
        if self.customer_id:
            return OwnerKind.CUSTOMER
        if self.courier_id:
            return OwnerKind.COURIER
        if self.depot_id:
            return OwnerKind.DEPOT
        return OwnerKind.COMPANY


def ref(
    kind: str,
    *,
    customer: Customer | None = None,
    courier: StaffMember | None = None,
    depot: Depot | None = None,
    ticket_type: TicketType | None = None,
    container_type: ContainerType | None = None,
    product: Product | None = None,
) -> Ref:
    return Ref(
        kind=kind,
        customer_id=customer.pk if customer else None,
        courier_id=courier.pk if courier else None,
        depot_id=depot.pk if depot else None,
        ticket_type_id=ticket_type.pk if ticket_type else None,
        container_type_id=container_type.pk if container_type else None,
        product_id=product.pk if product else None,
    )


def _identity(ref_: Ref) -> tuple[str, str, str]:
    return (ref_.kind, ref_.unit, ref_.owner_key)


def _lookup(company: Company, refs: Iterable[Ref]) -> Q:
    query = Q(pk__in=[])
    for r in refs:
        query |= Q(kind=r.kind, unit=r.unit, owner_key=r.owner_key)
    return Q(company=company) & query


def accounts_ensure(*, company: Company, refs: Iterable[Ref]) -> dict[Ref, Account]:
    """Find or create the accounts, without locking them."""
    refs = list(dict.fromkeys(refs))
    found = {
        (a.kind, a.unit, a.owner_key): a for a in Account.objects.filter(_lookup(company, refs))
    }
    result = {}
    for r in refs:
        account = found.get(_identity(r))
        if account is None:
            account, _created = Account.objects.get_or_create(
                company=company,
                kind=r.kind,
                unit=r.unit,
                owner_key=r.owner_key,
                defaults=r.fields(),
            )
        result[r] = account
    return result


def is_pooled(account: Account) -> bool:
    """The company's own unlimited accounts (revenue, clearing, goods sold…).

    Every settlement touches them, so they are not locked up front: ``write``
    adds to their balance with one ``UPDATE … RETURNING`` at the very end, and
    the row lock is held only from there to the commit."""
    return account.owner_kind == OwnerKind.COMPANY and account.limit == Limit.NONE


def lock(*, company: Company, refs: Iterable[Ref]) -> dict[Ref, Account]:
    """Lock every account the action reads or limits, in id order (the one fixed order)."""
    refs = list(dict.fromkeys(refs))
    ensured = accounts_ensure(company=company, refs=refs)
    guarded = [r for r in refs if not is_pooled(ensured[r])]
    locked = {
        (a.kind, a.unit, a.owner_key): a
        for a in Account.objects.select_for_update(of=("self",))
        .filter(_lookup(company, guarded))
        .select_related("customer")
        .order_by("id")
    }
    return {r: locked.get(_identity(r), ensured[r]) for r in refs}


def open_transaction(
    *,
    company: Company,
    key: str,
    kind: str,
    description: str = "",
    occurred_at: datetime | None = None,
    created_by: Any = None,
    customer: Customer | None = None,
    courier: StaffMember | None = None,
    depot: Depot | None = None,
    reversal_of: Transaction | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> tuple[Transaction, bool]:
    """Insert the transaction row first: a repeated business key returns the first one."""
    if not key:
        raise LedgerError(_("Every ledger action needs a business key."))
    existing = Transaction.objects.filter(company=company, key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            created = Transaction.objects.create(
                company=company,
                key=key,
                kind=kind,
                description=description[:300],
                occurred_at=occurred_at or timezone.now(),
                created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
                customer=customer,
                courier=courier,
                depot=depot,
                reversal_of=reversal_of,
                reason=reason,
                details=details or {},
            )
    except IntegrityError:
        existing = Transaction.objects.filter(company=company, key=key).first()
        if existing is None:
            raise LedgerError(_("This transaction was already reversed.")) from None
        return existing, False
    return created, True


@dataclass
class Draft:
    """Postings being assembled: raw amounts, debit positive."""

    legs: list[tuple[Ref, int]] = field(default_factory=list)

    def move(self, source: Ref, target: Ref, quantity: int) -> None:
        """Move a quantity: the target's raw balance rises, the source's falls."""
        if quantity:
            self.legs.append((target, quantity))
            self.legs.append((source, -quantity))

    def add(self, account: Ref, amount: int) -> None:
        if amount:
            self.legs.append((account, amount))

    @property
    def refs(self) -> list[Ref]:
        return [r for r, _amount in self.legs]


def account_name(account: Account) -> str:
    return f"{account.get_kind_display()}（{account.owner_label}，{account.unit_label}）"


def _display(account: Account, raw: int) -> str:
    value = raw * account.normal
    return format_yuan(value) if account.is_money else str(value)


def _check_limit(account: Account, new_balance: int) -> None:
    old_display = account.balance * account.normal
    new_display = new_balance * account.normal
    if new_display >= old_display:
        return
    if account.limit == Limit.NOT_NEGATIVE:
        floor = 0
    elif account.limit == Limit.CREDIT_LIMIT:
        customer = account.customer
        floor = -(customer.credit_limit_fen if customer else 0)
    else:
        return
    if new_display < floor:
        available = old_display - floor
        raise LedgerError(
            _("Not enough in %(account)s: %(available)s available, %(needed)s needed.")
            % {
                "account": account_name(account),
                "available": _display(account, available * account.normal),
                "needed": _display(account, (old_display - new_display) * account.normal),
            }
        )


def write(*, txn: Transaction, draft: Draft, accounts: dict[Ref, Account]) -> list[Posting]:
    """Check the draft balances and respects every limit, then store postings and balances."""
    per_unit: dict[str, int] = defaultdict(int)
    per_account: dict[int, int] = defaultdict(int)
    by_id: dict[int, Account] = {}
    for r, amount in draft.legs:
        account = accounts[r]
        per_unit[account.unit] += amount
        per_account[account.pk] += amount
        by_id[account.pk] = account
    unbalanced = sorted(unit for unit, total in per_unit.items() if total)
    if unbalanced:
        raise LedgerError(_("The postings do not balance in %(units)s.") % {"units": unbalanced})
    moves = {account_id: amount for account_id, amount in per_account.items() if amount}
    if not moves:
        raise LedgerError(_("Nothing to record: every amount is zero."))
    guarded = [by_id[i] for i in sorted(moves) if not is_pooled(by_id[i])]
    pooled = [by_id[i] for i in sorted(moves) if is_pooled(by_id[i])]
    balances: dict[int, int] = {}
    for account in guarded:
        new_balance = account.balance + moves[account.pk]
        _check_limit(account, new_balance)
        account.balance = balances[account.pk] = new_balance
    Account.objects.bulk_update(guarded, ["balance"])
    balances |= _add_to_pooled(pooled, moves)
    postings = [
        Posting(
            company_id=txn.company_id,
            transaction=txn,
            account=by_id[account_id],
            unit=by_id[account_id].unit,
            amount=moves[account_id],
            balance_after=balances[account_id],
        )
        for account_id in sorted(moves)
    ]
    Posting.objects.bulk_create(postings)
    return postings


def _add_to_pooled(accounts: Sequence[Account], moves: dict[int, int]) -> dict[int, int]:
    """Add to the pooled balances in id order, reading each new balance back."""
    balances = {}
    with connection.cursor() as cursor:
        for account in accounts:
            cursor.execute(
                f"UPDATE {Account._meta.db_table} SET balance = balance + %s "
                "WHERE id = %s RETURNING balance",
                [moves[account.pk], account.pk],
            )
            account.balance = balances[account.pk] = cursor.fetchone()[0]
    return balances


# --- lots: what is left of each purchase, used oldest first -------------------------


def lot_open(*, txn: Transaction, account: Account, quantity: int, amount_fen: int) -> Lot:
    lot = Lot.objects.create(
        company_id=txn.company_id,
        account=account,
        transaction=txn,
        quantity=quantity,
        amount_fen=amount_fen,
        remaining_quantity=quantity,
        remaining_fen=amount_fen,
    )
    LotMovement.objects.create(
        company_id=txn.company_id,
        lot=lot,
        transaction=txn,
        quantity=quantity,
        amount_fen=amount_fen,
    )
    return lot


def lots_consume(*, txn: Transaction, account: Account, quantity: int) -> int:
    """Use ``quantity`` units from the account's lots, oldest first; returns their value.

    The caller holds the lock of ``account``, which guards its lots.
    """
    if quantity <= 0:
        return 0
    lots = list(Lot.objects.filter(account=account, remaining_quantity__gt=0).order_by("id"))
    if sum(lot.remaining_quantity for lot in lots) < quantity:
        raise LedgerError(
            _("Not enough in %(account)s: %(available)s available, %(needed)s needed.")
            % {
                "account": account_name(account),
                "available": sum(lot.remaining_quantity for lot in lots),
                "needed": quantity,
            }
        )
    value = 0
    left = quantity
    movements = []
    for lot in lots:
        if not left:
            break
        used = min(left, lot.remaining_quantity)
        worth = (
            lot.remaining_fen
            if used == lot.remaining_quantity
            else lot.remaining_fen * used // lot.remaining_quantity
        )
        lot.remaining_quantity -= used
        lot.remaining_fen -= worth
        lot.save(update_fields=["remaining_quantity", "remaining_fen"])
        movements.append(
            LotMovement(
                company_id=txn.company_id,
                lot=lot,
                transaction=txn,
                quantity=-used,
                amount_fen=-worth,
            )
        )
        value += worth
        left -= used
    LotMovement.objects.bulk_create(movements)
    return value


def lots_reverse(*, original: Transaction, reversal: Transaction) -> None:
    """Undo what the original did to lots; a lot it opened must be untouched."""
    opened = list(Lot.objects.select_for_update().filter(transaction=original))
    for lot in opened:
        if lot.remaining_quantity != lot.quantity:
            raise LedgerError(
                _(
                    "Part of what transaction #%(id)s sold has been used since; "
                    "reverse or refund that first."
                )
                % {"id": original.pk}
            )
    movements = list(
        LotMovement.objects.filter(transaction=original).select_related("lot").order_by("id")
    )
    undo = []
    for movement in movements:
        lot = Lot.objects.select_for_update().get(pk=movement.lot_id)
        lot.remaining_quantity -= movement.quantity
        lot.remaining_fen -= movement.amount_fen
        lot.save(update_fields=["remaining_quantity", "remaining_fen"])
        undo.append(
            LotMovement(
                company_id=reversal.company_id,
                lot=lot,
                transaction=reversal,
                quantity=-movement.quantity,
                amount_fen=-movement.amount_fen,
            )
        )
    LotMovement.objects.bulk_create(undo)


def mirror(postings: Sequence[Posting]) -> Draft:
    draft = Draft()
    for posting in postings:
        account = posting.account
        draft.add(
            Ref(
                kind=account.kind,
                customer_id=account.customer_id,
                courier_id=account.courier_id,
                depot_id=account.depot_id,
                ticket_type_id=account.ticket_type_id,
                container_type_id=account.container_type_id,
                product_id=account.product_id,
            ),
            -posting.amount,
        )
    return draft
