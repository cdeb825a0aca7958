"""Model rows read and written by SQL built once, for statements that run on every request.

Building and compiling a queryset (or the INSERT of ``save()``) is Python work
that, for a join of wide tables, costs more than PostgreSQL spends answering it.
Where an endpoint runs the same statement on every request (the API's token
check, the customer an order is for, the order's own rows), its SQL is built
once from the models' own columns. Rows read become model instances exactly as
the ORM makes them (every concrete column, the backend's and the field's value
converters, then ``Model.from_db``); rows written are prepared as ``save()``
prepares them. Everywhere else, use the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


def fetch_rows(sql: str, params: Sequence[Any], using: str = "default") -> list[tuple[Any, ...]]:
    """Every row of a query, as the database driver returns them."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class ModelColumns[M: Model]:
    """A model's concrete columns under a table alias, read back into an instance."""

    def __init__(self, model: type[M], alias: str) -> None:
        self.model = model
        self.alias = alias
        self.fields: Sequence[Field[Any, Any]] = model._meta.concrete_fields
        self.attnames = [field.attname for field in self.fields]
        self._pk_index = self.attnames.index(model._meta.pk.attname)  # type: ignore[union-attr]
        self._converters: dict[str, list[tuple[int, list[Converter], Any]]] = {}

    def __len__(self) -> int:
        return len(self.fields)

    @property
    def table(self) -> str:
        """``"table" alias``, for a FROM or JOIN clause."""
        return f'"{self.model._meta.db_table}" {self.alias}'

    def column(self, name: str) -> str:
        """``alias."column"`` of a field given by name."""
        return f'{self.alias}."{self.model._meta.get_field(name).column}"'  # type: ignore[union-attr]

    def select(self) -> str:
        """The select list: every concrete column, in field order."""
        return ", ".join(f'{self.alias}."{field.column}"' for field in self.fields)

    def instances(self, sql: str, params: Sequence[Any], using: str = "default") -> list[M]:
        """The instances a query selecting only this model's columns returns."""
        rows = fetch_rows(sql, params, using)
        return [instance for row in rows if (instance := self.instance(row, 0, using)) is not None]

    def instance(self, row: Sequence[Any], start: int, using: str = "default") -> M | None:
        """The instance whose columns start at ``row[start]``; None for a missing outer-joined row."""
        values = list(row[start : start + len(self.fields)])
        if values[self._pk_index] is None:
            return None
        connection = connections[using]
        for index, converters, expression in self._converters_for(connection):
            value = values[index]
            for convert in converters:
                value = convert(value, expression, connection)
            values[index] = value
        return self.model.from_db(using, self.attnames, values)

    def _converters_for(
        self, connection: BaseDatabaseWrapper
    ) -> list[tuple[int, list[Converter], Any]]:
        """The columns that need converting, with their converters (as the compiler finds them)."""
        found = self._converters.get(connection.alias)
        if found is None:
            found = []
            for index, field in enumerate(self.fields):
                expression = field.get_col(self.alias)
                converters = connection.ops.get_db_converters(expression)
                converters += expression.get_db_converters(connection)
                if converters:
                    found.append((index, converters, expression))
            self._converters[connection.alias] = found
        return found


class ModelInsert[M: Model]:
    """The INSERT of a model's row (its id made by the database), built once.

    ``Model.save()`` compiles its INSERT again on every call; for the rows written
    on every order this is most of their cost. Values are prepared as ``save()``
    prepares them (each field's ``pre_save`` and ``get_db_prep_save``); no signals
    are sent, as with ``bulk_create``.
    """

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self._sql: dict[str, str] = {}

    def sql(self, on_conflict: str = "") -> str:
        """``INSERT … VALUES (%s, …) [on_conflict] RETURNING id``."""
        found = self._sql.get(on_conflict)
        if found is None:
            columns = ", ".join(f'"{field.column}"' for field in self.fields)
            found = (
                f'INSERT INTO "{self.model._meta.db_table}" ({columns}) '
                f"VALUES ({', '.join(['%s'] * len(self.fields))}) "
                f"{on_conflict}{' ' if on_conflict else ''}"
                f'RETURNING "{self.model._meta.pk.column}"'  # type: ignore[union-attr]
            )
            self._sql[on_conflict] = found
        return found

    def values(self, instance: M, using: str = "default") -> list[Any]:
        connection = connections[using]
        return [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in self.fields]

    def saved(self, instance: M, pk: Any, using: str = "default") -> M:
        """``instance`` as ``save()`` leaves it: with its id, no longer to be added."""
        instance.pk = pk
        instance._state.adding = False
        instance._state.db = using
        return instance

    def save(self, instance: M, using: str = "default") -> M:
        """Insert ``instance`` (a database error is raised as ``save()`` raises it)."""
        rows = fetch_rows(self.sql(), self.values(instance, using), using)
        return self.saved(instance, rows[0][0], using)

    def create(self, using: str = "default", **values: Any) -> M:
        """``Model.objects.create(**values)``, by this statement."""
        return self.save(self.model(**values), using)


class ModelUpdate[M: Model]:
    """``UPDATE … SET <fields> WHERE id = %s [condition]`` of one row, built once.

    Values are prepared as ``QuerySet.update()`` prepares them (each field's
    ``get_db_prep_save``). ``condition`` is more SQL for the WHERE clause; its
    parameters are prepared as values of ``condition_fields``, one field each.
    """

    def __init__(
        self,
        model: type[M],
        fields: Sequence[str],
        condition: str = "",
        condition_fields: Sequence[str] = (),
    ) -> None:
        self.fields = [model._meta.get_field(name) for name in fields]
        self.condition_fields = [model._meta.get_field(name) for name in condition_fields]
        assignments = ", ".join(f'"{field.column}" = %s' for field in self.fields)  # type: ignore[union-attr]
        self.sql = (
            f'UPDATE "{model._meta.db_table}" SET {assignments} '
            f'WHERE "{model._meta.pk.column}" = %s {condition}'  # type: ignore[union-attr]
        ).rstrip()

    def run(
        self,
        pk: Any,
        values: Sequence[Any],
        condition_params: Sequence[Any] = (),
        using: str = "default",
    ) -> int:
        """Update the row; returns how many rows changed (0 or 1)."""
        connection = connections[using]
        params = [
            field.get_db_prep_save(value, connection)  # type: ignore[union-attr]
            for field, value in zip(self.fields, values, strict=True)
        ]
        params.append(pk)
        params += [
            field.get_db_prep_value(value, connection)  # type: ignore[union-attr]
            for field, value in zip(self.condition_fields, condition_params, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.rowcount
