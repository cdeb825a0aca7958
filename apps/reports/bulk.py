"""Writing a grouped read straight into a summary table, without carrying its rows through
Python: ``INSERT INTO … SELECT``, on every database Django supports."""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet


def insert_selected(model: type[Model], rows: QuerySet[Any], **columns: str) -> int:
    """Insert what ``rows`` (a ``values()`` query) selects into ``model``'s table, each keyword
    naming a column of the table and the key of ``rows`` that fills it; returns the number of
    rows inserted."""
    query = rows.query
    # The order Django selects in: the values() fields, then the annotations.
    selected = [*query.values_select, *query.annotation_select]
    targets = {source: target for target, source in columns.items()}
    if sorted(selected) != sorted(targets):
        raise ValueError(f"{selected} are selected, {sorted(targets)} are written")
    connection = connections[rows.db]
    quote = connection.ops.quote_name
    select, params = query.sql_with_params()
    statement = "INSERT INTO {table} ({targets}) {select}".format(
        table=quote(model._meta.db_table),
        targets=", ".join(quote(targets[source]) for source in selected),
        select=select,
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)
