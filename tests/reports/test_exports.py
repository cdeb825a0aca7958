from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.reports.exports import Table, safe_cell, to_csv, to_xlsx
from apps.reports.pages import OBJECT_PAGES, PAGES
from tests.reports.conftest import MONDAY, World, query

DANGEROUS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_that_a_spreadsheet_would_run_is_quoted(text: str) -> None:
    assert safe_cell(text) == "'" + text


def test_numbers_and_plain_text_stay_as_they_are() -> None:
    assert safe_cell(-12) == -12
    assert safe_cell(3.5) == 3.5
    assert safe_cell("张三") == "张三"
    assert safe_cell(None) == ""


def test_csv_quotes_formulas_and_opens_in_excel() -> None:
    body = to_csv([Table("t", ["name", "n"], [["=HYPERLINK(1)", 5]])])
    assert body.startswith("\ufeff".encode())
    assert "'=HYPERLINK(1),5" in body.decode("utf-8-sig")


def test_xlsx_has_one_sheet_per_table_and_no_formula() -> None:
    body = to_xlsx([Table("a", ["x"], [["=1+1"]]), Table("a", ["y"], [[2]])])
    book = load_workbook(io.BytesIO(body))
    assert len(book.sheetnames) == 2
    cell = book.worksheets[0]["A2"]
    assert cell.value == "'=1+1" and cell.data_type == "s"
    assert book.worksheets[1]["A2"].value == 2


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(PAGES))
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_report_downloads(world: World, owner_client, key: str, fmt: str) -> None:  # type: ignore[no-untyped-def]
    bad = world.customer(name="=cmd|' /C calc'!A0")
    world.order(MONDAY, customer=bad, status="failed", failed=[("not_home", world.courier, 10)])
    args = [world.courier.pk] if key in OBJECT_PAGES else []
    response = owner_client.get(reverse(f"reports:{key}_{fmt}", args=args), query(MONDAY))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
        assert "\n=" not in text and ",=" not in text
        if key == "failure_orders":
            assert "'=cmd" in text
    else:
        book = load_workbook(io.BytesIO(response.content))
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                assert not any(isinstance(v, str) and v.startswith("=") for v in row)


@pytest.mark.django_db
def test_an_unknown_export_is_not_found(owner_client) -> None:  # type: ignore[no-untyped-def]
    assert owner_client.get("/reports/nothing/export.csv").status_code == 404
