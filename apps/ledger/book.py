"""The posting engine every ledger service writes through.

A service names the accounts its action touches (a probe build), then
``open_and_lock`` inserts the transaction row (``INSERT … ON CONFLICT DO
NOTHING``: a second attempt with the same business key inserts nothing, locks
nothing and returns the first transaction) and locks every account the action
reads or limits, in id order, so concurrent writers never deadlock; accounts
are created on first use. Under those locks the service reads what it needs
(lots, balances), then ``write`` checks that the postings balance per unit and
that every limit holds, and stores balances and postings.

Pooled accounts (the company's own unlimited accounts: revenue, clearing, goods
sold…) take part in nearly every transaction, so their balance is split over
shard rows (``BalanceShard``). They are not locked up front; instead the same
statement that locks the other accounts takes, for each pooled one, a shard no
other transaction holds (``SKIP LOCKED``: it never waits), and ``write`` adds
the move to that shard. Where every shard is busy (or none exists yet), the
move goes to the account row itself, locked last in id order and held only from
that statement to the commit. Pooled postings keep no ``balance_after``.

On PostgreSQL a settlement is ``BEGIN``, one statement that inserts the
transaction and locks its accounts and shards, one statement that updates the
balances and inserts the postings, and ``COMMIT``; both statements are prepared
once per connection (see ``DATABASES`` in the settings). SQLite (one writer at a time,
no row locks) runs the same steps in plainer statements and posts pooled moves
to the account rows. The SQL of each shape is built once per process.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, cast

from django.db import connection
from django.db.models import F, Field
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.catalog.models import ContainerType, Product, TicketType
from apps.core.money import format_yuan
from apps.core.rows import ModelInsert
from apps.customers.models import Customer
from apps.ledger.errors import LedgerError
from apps.ledger.models import (
    ACCOUNT_RULES,
    BALANCE_SHARDS,
    MONEY,
    Account,
    BalanceShard,
    Limit,
    Lot,
    LotMovement,
    OwnerKind,
    Posting,
    Transaction,
    UnitKind,
    is_pooled_kind,
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
    def pooled(self) -> bool:
        return is_pooled_kind(self.kind)

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


# Every column but ``created_at``, which needs a converter on SQLite and is not
# read while posting: it stays deferred and loads if something asks for it.
_ACCOUNT_FIELDS = [f for f in Account._meta.concrete_fields if f.attname != "created_at"]
_ACCOUNT_NAMES = [f.attname for f in _ACCOUNT_FIELDS]
TRANSACTION_INSERT = ModelInsert(Transaction)


def _columns(fields: Iterable[Field[Any, Any]]) -> str:
    return ", ".join(connection.ops.quote_name(cast(str, f.column)) for f in fields)


# The statements below depend only on the database and the number of accounts,
# so each shape is built once per process.


@cache
def _accounts_sql(vendor: str, held: int, seen: int) -> str:
    """Find ``held + seen`` accounts by identity; lock the ``held`` ones, in id order.

    Each row ends with the customer's credit limit where the account is limited
    by it, read with the lock as the limit check needs it, and, for a pooled
    (``seen``) account on PostgreSQL, a shard this transaction now holds, or
    NULL when every shard is busy.
    """
    quote = connection.ops.quote_name
    table = quote(Account._meta.db_table)
    credit_limit = (
        f"CASE WHEN {quote('limit')} = '{Limit.CREDIT_LIMIT.value}' THEN "
        f"(SELECT c.credit_limit_fen FROM {quote(Customer._meta.db_table)} c "
        f"WHERE c.id = {table}.customer_id) END"
    )

    free_shard = (
        f"(SELECT s.id FROM {quote(BalanceShard._meta.db_table)} s "
        f"WHERE s.account_id = {table}.id ORDER BY s.shard LIMIT 1 "
        "FOR NO KEY UPDATE SKIP LOCKED)"
    )

    no_shard = "CAST(NULL AS bigint)"

    def matching(count: int, shard: str = no_shard) -> str:
        match = " OR ".join(["(kind = %s AND unit = %s AND owner_key = %s)"] * count)
        return (
            f"SELECT {_columns(_ACCOUNT_FIELDS)}, {credit_limit} AS credit_limit, "
            f"{shard} AS shard_id FROM {table} WHERE company_id = %s AND ({match})"
        )

    parts = []
    if held and vendor == "sqlite":
        # A writing SQLite transaction holds the whole database: nothing to lock.
        parts.append(matching(held))
    elif held:
        # FOR UPDATE locks row by row after the sort: in id order.
        parts.append(f"SELECT * FROM ({matching(held)} ORDER BY id FOR UPDATE) AS held")
    if seen:
        parts.append(matching(seen, free_shard) if vendor == "postgresql" else matching(seen))
    return " UNION ALL ".join(parts)


@cache
def _transaction_insert_sql(vendor: str) -> str:
    """Insert a transaction unless a unique constraint says it exists, returning its id."""
    return TRANSACTION_INSERT.sql("ON CONFLICT DO NOTHING")


@cache
def _open_and_lock_sql(vendor: str, held: int, seen: int) -> str:
    """Both of the above in one statement: the accounts only if the transaction is new."""
    accounts = _accounts_sql(vendor, held, seen) if held or seen else "SELECT NULL"
    return (
        f"WITH txn AS ({_transaction_insert_sql(vendor)}) "
        f"SELECT txn.id, account.* FROM txn LEFT JOIN LATERAL ({accounts}) AS account ON true"
    )


def _accounts_params(company: Company, held: Sequence[Ref], seen: Sequence[Ref]) -> list[Any]:
    params: list[Any] = []
    for refs in (held, seen):
        if refs:
            params.append(company.pk)
            for r in refs:
                params += [r.kind, r.unit, r.owner_key]
    return params


def _split(refs: Iterable[Ref]) -> tuple[list[Ref], list[Ref]]:
    """The accounts to lock now, and the pooled ones that ``write`` locks last."""
    refs = list(dict.fromkeys(refs))
    return [r for r in refs if not r.pooled], [r for r in refs if r.pooled]


def _accounts(rows: Iterable[Sequence[Any]]) -> dict[tuple[str, str, str], Account]:
    found = {}
    for *values, credit_limit, shard_id in rows:
        account = Account.from_db(connection.alias, _ACCOUNT_NAMES, values)
        account.held_shard_id = shard_id
        if credit_limit is not None:
            # Only what the limit check reads; anything else loads if asked for.
            account.customer = Customer.from_db(
                connection.alias, ["id", "credit_limit_fen"], [account.customer_id, credit_limit]
            )
        found[(account.kind, account.unit, account.owner_key)] = account
    return found


def _accounts_read(
    company: Company, *, held: Sequence[Ref], seen: Sequence[Ref]
) -> dict[tuple[str, str, str], Account]:
    """One query: ``held`` accounts locked in id order, ``seen`` ones only read."""
    if not held and not seen:
        return {}
    params = _accounts_params(company, held, seen)
    with connection.cursor() as cursor:
        cursor.execute(_accounts_sql(connection.vendor, len(held), len(seen)), params)
        return _accounts(cursor.fetchall())


def _resolve(
    company: Company,
    held: list[Ref],
    seen: list[Ref],
    found: dict[tuple[str, str, str], Account],
) -> dict[Ref, Account]:
    """Create the accounts used for the first time, then lock them all again."""
    missing = [r for r in [*held, *seen] if _identity(r) not in found]
    if missing:
        for r in missing:
            account, _created = Account.objects.get_or_create(
                company=company,
                kind=r.kind,
                unit=r.unit,
                owner_key=r.owner_key,
                defaults=r.fields(),
            )
            if r.pooled:
                shards_create(account)
        found = _accounts_read(company, held=held, seen=seen)
    return {r: found[_identity(r)] for r in [*held, *seen]}


def shards_create(account: Account) -> None:
    """Give a pooled account its shards (idempotent)."""
    BalanceShard.objects.bulk_create(
        [BalanceShard(account=account, shard=n) for n in range(BALANCE_SHARDS)],
        ignore_conflicts=True,
    )


def lock(*, company: Company, refs: Iterable[Ref]) -> dict[Ref, Account]:
    """Lock every account the action reads or limits, in id order (the one fixed order).

    Accounts are created on first use; pooled ones are found, not locked (a free
    shard of each is held instead, where one is free)."""
    held, seen = _split(refs)
    return _resolve(company, held, seen, _accounts_read(company, held=held, seen=seen))


def new_transaction(
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
) -> Transaction:
    """The transaction an action is about to record (not saved yet)."""
    if not key:
        raise LedgerError(_("Every ledger action needs a business key."))
    return Transaction(
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


def open_and_lock(
    *, txn: Transaction, refs: Iterable[Ref]
) -> tuple[Transaction, dict[Ref, Account] | None]:
    """Insert the transaction row first, then lock its accounts as ``lock`` does.

    A repeated business key returns the first transaction and no accounts, and
    locks nothing. On PostgreSQL the insert and the lock are one statement.
    """
    company = txn.company
    held, seen = _split(refs)
    values = TRANSACTION_INSERT.values(txn)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            params = values + _accounts_params(company, held, seen)
            cursor.execute(_open_and_lock_sql(connection.vendor, len(held), len(seen)), params)
            rows = cursor.fetchall()
            found = _accounts(row[1:] for row in rows if row[1] is not None)
        else:
            cursor.execute(_transaction_insert_sql(connection.vendor), values)
            rows = cursor.fetchall()
            found = _accounts_read(company, held=held, seen=seen) if rows else {}
    if not rows:
        # The key (or, for a reversal, the original) is taken; a concurrent first
        # attempt has committed by now, since the insert waited for it.
        existing = Transaction.objects.filter(company=company, key=txn.key).first()
        if existing is None:
            raise LedgerError(_("This transaction was already reversed."))
        return existing, None
    return TRANSACTION_INSERT.saved(txn, rows[0][0]), _resolve(company, held, seen, found)


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


def write(*, txn: Transaction, draft: Draft, accounts: dict[Ref, Account]) -> None:
    """Check the draft balances and respects every limit, then store postings and balances.

    One posting per account, in account id order. Each account's ``balance``
    (and the postings' ``balance_after``) is the balance after this
    transaction; a pooled account's move goes to the shard it holds, or to its
    row where it holds none, and its posting keeps no balance after.
    """
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
    moves = [(by_id[pk], per_account[pk]) for pk in sorted(per_account) if per_account[pk]]
    if not moves:
        raise LedgerError(_("Nothing to record: every amount is zero."))
    for account, amount in moves:
        if not account.pooled:
            # Held since ``lock``: the balance read there is still the balance.
            _check_limit(account, account.balance + amount)
    sharded = [(a, amount) for a, amount in moves if a.pooled and a.held_shard_id]
    direct = [(a, amount) for a, amount in moves if not (a.pooled and a.held_shard_id)]
    store = _store_in_one_statement if connection.vendor == "postgresql" else _store
    balances = store(txn, direct, sharded)
    if len(balances) != len(moves):
        raise RuntimeError(f"transaction #{txn.pk}: an account vanished while it was posted to")
    for account, _amount in direct:
        if not account.pooled:
            account.balance = cast(int, balances[account.pk])


def _balance_after(account: Account, balance: int) -> int | None:
    return None if account.pooled else balance


@cache
def _store_sql(vendor: str, direct: int, sharded: int) -> str:
    """Add to account rows (locked in id order) and to held shards, and insert the postings."""
    quote = connection.ops.quote_name
    accounts = quote(Account._meta.db_table)
    steps, sources = [], []
    if direct:
        ids = ", ".join(["%s"] * direct)
        values = ", ".join(["(%s::bigint, %s::bigint, %s::boolean)"] * direct)
        locked = (
            f"locked AS MATERIALIZED (SELECT id FROM {accounts} WHERE id IN ({ids}) "
            "ORDER BY id FOR NO KEY UPDATE)"
        )
        moved = (
            f"moved AS (UPDATE {accounts} AS a SET balance = a.balance + v.amount "
            f"FROM (VALUES {values}) AS v (id, amount, pooled) "
            "WHERE a.id = v.id AND a.id IN (SELECT id FROM locked) "
            "RETURNING a.id, a.unit, v.amount, CASE WHEN v.pooled THEN NULL ELSE a.balance END "
            "AS balance)"
        )
        steps += [locked, moved]
        sources.append("SELECT id, unit, amount, balance FROM moved")
    if sharded:
        values = ", ".join(["(%s::bigint, %s::bigint)"] * sharded)
        steps.append(
            f"shifted AS (UPDATE {quote(BalanceShard._meta.db_table)} AS s "
            f"SET balance = s.balance + v.amount FROM (VALUES {values}) AS v (id, amount) "
            f"WHERE s.id = v.id RETURNING s.account_id, v.amount)"
        )
        sources.append(
            f"SELECT a.id, a.unit, shifted.amount, NULL::bigint FROM shifted "
            f"JOIN {accounts} AS a ON a.id = shifted.account_id"
        )
    union = " UNION ALL ".join(sources)
    return f"""
        WITH {", ".join(steps)}
        INSERT INTO {quote(Posting._meta.db_table)}
            (company_id, transaction_id, account_id, unit, amount, balance_after)
        SELECT %s, %s, id, unit, amount, balance FROM ({union}) AS moves ORDER BY id
        RETURNING account_id, balance_after
    """


def _store_in_one_statement(
    txn: Transaction,
    direct: list[tuple[Account, int]],
    sharded: list[tuple[Account, int]],
) -> dict[int, int | None]:
    """Lock, add to every balance and insert the postings with their balance after.

    Pooled rows without a shard are locked here, in id order (the rows ``lock``
    holds already are taken again at no cost), so such a row is held from this
    statement to the commit and no longer. ``balance + amount`` is computed on
    the locked row, so no concurrent addition is lost.
    """
    params: list[Any] = [account.pk for account, _amount in direct]
    for account, amount in direct:
        params += [account.pk, amount, account.pooled]
    for account, amount in sharded:
        params += [account.held_shard_id, amount]
    params += [txn.company_id, txn.pk]
    with connection.cursor() as cursor:
        cursor.execute(_store_sql(connection.vendor, len(direct), len(sharded)), params)
        return dict(cursor.fetchall())


@cache
def _add_sql(vendor: str, count: int) -> str:
    table = connection.ops.quote_name(Account._meta.db_table)
    return (
        f"UPDATE {table} SET balance = balance + CASE id {' WHEN %s THEN %s' * count} END "
        f"WHERE id IN ({', '.join(['%s'] * count)}) RETURNING id, balance"
    )


def _store(
    txn: Transaction,
    direct: list[tuple[Account, int]],
    sharded: list[tuple[Account, int]],
) -> dict[int, int | None]:
    """The same in plainer statements where one cannot do it (SQLite holds the whole database)."""
    moves = [*direct, *sharded]
    params: list[Any] = []
    for account, amount in direct:
        params += [account.pk, amount]
    params += [account.pk for account, _amount in direct]
    balances: dict[int, int | None] = {}
    with connection.cursor() as cursor:
        if direct:
            cursor.execute(_add_sql(connection.vendor, len(direct)), params)
            balances.update(cursor.fetchall())
    for account, amount in sharded:
        shard = BalanceShard.objects.filter(pk=cast(int, account.held_shard_id))
        shard.update(balance=F("balance") + amount)
    Posting.objects.bulk_create(
        Posting(
            company_id=txn.company_id,
            transaction=txn,
            account=account,
            unit=account.unit,
            amount=amount,
            balance_after=_balance_after(account, balances.get(account.pk, 0) or 0),
        )
        for account, amount in sorted(moves, key=lambda move: move[0].pk)
    )
    return {account.pk: balances.get(account.pk) for account, _amount in moves}


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
