"""Rows read by prepared SQL come back as the ORM would make them."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Model

from apps.core.rows import ModelColumns, ModelInsert, ModelUpdate, fetch_rows
from apps.orders.models import ApiClient, OrderSettings
from apps.orders.services.clients import api_client_create
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

CLIENT = ModelColumns(ApiClient, "c")
SETTINGS = ModelColumns(OrderSettings, "s")


def field_values(instance: Model) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def read(sql: str, params: list[Any]) -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    assert row is not None
    return row


def test_a_row_becomes_the_instance_the_orm_reads() -> None:
    client, _ = api_client_create(company=CompanyFactory(), name="美团", channel="meituan")
    ApiClient.objects.filter(pk=client.pk).update(field_mapping={"phone": "recipient.tel"})
    OrderSettings.objects.create(
        company=client.company, quiet_hours_start=time(22, 30), quiet_hours_end=time(6)
    )
    sql = (
        f"SELECT {CLIENT.select()}, {SETTINGS.select()} FROM {CLIENT.table} "
        f"JOIN {SETTINGS.table} ON {SETTINGS.column('company')} = {CLIENT.column('company')} "
        f"WHERE {CLIENT.column('id')} = %s"
    )

    row = read(sql, [client.pk])
    read_client = CLIENT.instance(row, 0)
    read_settings = SETTINGS.instance(row, len(CLIENT))

    assert isinstance(read_client, ApiClient) and isinstance(read_settings, OrderSettings)
    assert field_values(read_client) == field_values(ApiClient.objects.get(pk=client.pk))
    assert read_client.field_mapping == {"phone": "recipient.tel"}
    assert read_client.created_at.tzinfo is not None
    assert read_settings.quiet_hours_start == time(22, 30)
    assert field_values(read_settings) == field_values(OrderSettings.objects.get())
    assert not read_client._state.adding


def test_an_outer_joined_row_that_is_missing_reads_as_none() -> None:
    client, _ = api_client_create(company=CompanyFactory(), name="美团", channel="meituan")
    sql = (
        f"SELECT {CLIENT.select()}, {SETTINGS.select()} FROM {CLIENT.table} "
        f"LEFT JOIN {SETTINGS.table} "
        f"ON {SETTINGS.column('company')} = {CLIENT.column('company')} "
        f"WHERE {CLIENT.column('id')} = %s"
    )

    row = read(sql, [client.pk])

    assert SETTINGS.instance(row, len(CLIENT)) is None
    assert CLIENT.instance(row, 0) == client


SETTINGS_INSERT = ModelInsert(OrderSettings)


def test_an_insert_leaves_the_instance_as_save_does() -> None:
    company = CompanyFactory()

    settings = SETTINGS_INSERT.create(company=company, quiet_hours_start=time(22))

    assert settings.pk is not None and not settings._state.adding
    stored = OrderSettings.objects.get(company=company)
    assert (stored.pk, stored.quiet_hours_start) == (settings.pk, time(22))
    assert stored.quiet_hours_end == time(8)  # the field's default, as save() writes it
    settings.quiet_hours_start = time(23)
    settings.save()  # an update now, not a second row
    assert OrderSettings.objects.filter(company=company).count() == 1
    assert OrderSettings.objects.get().quiet_hours_start == time(23)


def test_an_insert_that_breaks_a_constraint_raises_and_a_conflict_clause_skips_it() -> None:
    company = CompanyFactory()
    SETTINGS_INSERT.create(company=company)

    with pytest.raises(IntegrityError), transaction.atomic():
        SETTINGS_INSERT.create(company=company)
    skipped = fetch_rows(
        SETTINGS_INSERT.sql('ON CONFLICT ("company_id") DO NOTHING'),
        SETTINGS_INSERT.values(OrderSettings(company=company)),
    )

    assert skipped == []
    assert OrderSettings.objects.filter(company=company).count() == 1


def test_an_update_changes_the_row_only_where_its_condition_holds() -> None:
    settings = SETTINGS_INSERT.create(company=CompanyFactory(), quiet_hours_start=time(22))
    later_only = ModelUpdate(
        OrderSettings,
        ["quiet_hours_start"],
        'AND "quiet_hours_start" < %s',
        condition_fields=["quiet_hours_start"],
    )

    moved = later_only.run(settings.pk, [time(23)], [time(23)])
    kept = later_only.run(settings.pk, [time(20)], [time(20)])

    assert (moved, kept) == (1, 0)
    assert OrderSettings.objects.get(pk=settings.pk).quiet_hours_start == time(23)
