"""Database guards: append-only postings and transactions, balanced at commit (PostgreSQL)."""

from django.db import migrations


def install(apps, schema_editor):
    from apps.ledger.guards import install_statements

    for statement in install_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, None)


def drop(apps, schema_editor):
    from apps.ledger.guards import drop_statements

    for statement in drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_ledger_book_initial")]

    operations = [migrations.RunPython(install, drop)]
