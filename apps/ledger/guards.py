"""Database guards of the book: they hold for the ORM, QuerySet.update(), the admin and raw SQL.

PostgreSQL: postings and transactions refuse UPDATE and DELETE (a row trigger),
and a deferred constraint trigger checks at commit that every transaction's
postings sum to zero per unit and that each posting's unit is its account's.
SQLite: plain triggers with RAISE(ABORT) refuse UPDATE and DELETE; the balance
check is the posting service's (it always checks).

TRUNCATE (PostgreSQL test flushes) is not a row operation and passes; on SQLite
the test suite lifts the triggers around its own flushes (tests/ledger/conftest.py).
"""

from __future__ import annotations

from typing import Any

POSTGRES_INSTALL = [
    """
    CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'ledger rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER ledger_posting_append_only BEFORE UPDATE OR DELETE ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
    """,
    """
    CREATE TRIGGER ledger_transaction_append_only BEFORE UPDATE OR DELETE ON ledger_transaction
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
    """,
    """
    CREATE TRIGGER ledger_lotmovement_append_only BEFORE UPDATE OR DELETE ON ledger_lotmovement
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
    """,
    """
    CREATE OR REPLACE FUNCTION ledger_check_balanced() RETURNS trigger AS $$
    DECLARE
        bad_unit text;
    BEGIN
        SELECT p.unit INTO bad_unit FROM ledger_posting p
         WHERE p.transaction_id = NEW.transaction_id
         GROUP BY p.unit HAVING SUM(p.amount) <> 0 LIMIT 1;
        IF bad_unit IS NOT NULL THEN
            RAISE EXCEPTION 'ledger transaction % does not balance in unit %',
                NEW.transaction_id, bad_unit USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF EXISTS (SELECT 1 FROM ledger_account a WHERE a.id = NEW.account_id
                   AND (a.unit <> NEW.unit OR a.company_id <> NEW.company_id)) THEN
            RAISE EXCEPTION 'ledger posting % does not match its account', NEW.id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE CONSTRAINT TRIGGER ledger_posting_balanced AFTER INSERT ON ledger_posting
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();
    """,
]

POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS ledger_posting_balanced ON ledger_posting;",
    "DROP TRIGGER IF EXISTS ledger_lotmovement_append_only ON ledger_lotmovement;",
    "DROP TRIGGER IF EXISTS ledger_transaction_append_only ON ledger_transaction;",
    "DROP TRIGGER IF EXISTS ledger_posting_append_only ON ledger_posting;",
    "DROP FUNCTION IF EXISTS ledger_check_balanced();",
    "DROP FUNCTION IF EXISTS ledger_refuse_change();",
]

SQLITE_TABLES = ("ledger_posting", "ledger_transaction", "ledger_lotmovement")


def _sqlite_install() -> list[str]:
    statements = []
    for table in SQLITE_TABLES:
        for operation in ("UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{operation.lower()} "
                f"BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: {operation} "
                f"on {table} refused'); END;"
            )
    return statements


def _sqlite_drop() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_{operation};"
        for table in SQLITE_TABLES
        for operation in ("update", "delete")
    ]


def install_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return POSTGRES_INSTALL
    if vendor == "sqlite":
        return _sqlite_install()
    return []


def drop_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return POSTGRES_DROP
    if vendor == "sqlite":
        return _sqlite_drop()
    return []


def install(connection: Any) -> None:
    with connection.cursor() as cursor:
        for statement in install_statements(connection.vendor):
            cursor.execute(statement)


def drop(connection: Any) -> None:
    with connection.cursor() as cursor:
        for statement in drop_statements(connection.vendor):
            cursor.execute(statement)
