"""Statement PDFs: rendered by a job, in Chinese, immutable, and blind to file:// URLs."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.ledger import services, statements
from apps.ledger.models import Statement
from apps.ledger.pdf import RefusedURL, html_to_pdf, safe_fetcher
from apps.ledger.services import Line, Method, Payment
from apps.org.models import Role
from tests.ledger.conftest import World

pytestmark = pytest.mark.django_db


def _history(world: World) -> None:
    services.stock_receive(
        company=world.company, key="in", depot=world.depot, product=world.water, quantity=20
    )
    services.stock_load(
        company=world.company,
        key="l",
        depot=world.depot,
        courier=world.courier,
        product=world.water,
        quantity=20,
    )
    services.tickets_sell(
        company=world.company,
        key="s",
        customer=world.customer,
        package=world.package,
        method="cash",
    )
    services.delivery_settle(
        company=world.company,
        key="o",
        customer=world.customer,
        courier=world.courier,
        lines=[Line(world.water, 3, 1200)],
        payments=[
            Payment(Method.TICKETS, ticket_type=world.tickets, tickets=1),
            Payment(Method.CREDIT, 2400),
        ],
    )


def _text(pdf: bytes, tmp_path: Path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is not installed")
    path = tmp_path / "s.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_a_statement_job_renders_a_chinese_pdf_with_a_hash(world: World, tmp_path: Path) -> None:
    _history(world)
    today = timezone.localdate()
    statement = statements.statement_request(
        company=world.company,
        customer=world.customer,
        period_start=today.replace(day=1),
        period_end=today,
    )
    statement.refresh_from_db()
    assert statement.status == "done" and statement.progress == 100
    pdf = statement.file.open("rb").read()
    assert pdf.startswith(b"%PDF")
    import hashlib

    assert statement.sha256 == hashlib.sha256(pdf).hexdigest()
    text = _text(pdf, tmp_path)
    assert "张三" in text and "¥24.00" in text
    again = statements.statement_render(statement_id=statement.pk)
    assert again.sha256 == statement.sha256


def test_a_statement_is_in_the_customers_language(world: World, tmp_path: Path) -> None:
    _history(world)
    world.customer.language = "en"
    world.customer.save()
    today = timezone.localdate()
    statement = statements.statement_request(
        company=world.company,
        customer=world.customer,
        period_start=today.replace(day=1),
        period_end=today,
    )
    statement.refresh_from_db()
    assert "Amount due" in _text(statement.file.open("rb").read(), tmp_path)


def test_the_pdf_fetches_no_files_and_escapes_names(world: World, tmp_path: Path) -> None:
    with pytest.raises(RefusedURL):
        safe_fetcher().fetch("file:///etc/passwd")
    with pytest.raises(RefusedURL):
        safe_fetcher().fetch("https://example.com/x.png")
    assert safe_fetcher().fetch("https://songda.invalid/static/css/app.css") is not None
    world.customer.name = '<img src="file:///etc/passwd">'
    world.customer.save()
    _history(world)
    today = timezone.localdate()
    statement = statements.statement_request(
        company=world.company,
        customer=world.customer,
        period_start=today.replace(day=1),
        period_end=today,
    )
    statement.refresh_from_db()
    assert '<img src="file:///etc/passwd">' in _text(statement.file.open("rb").read(), tmp_path)
    raw = html_to_pdf('<p>x</p><img src="file:///etc/passwd"><img src="/static/../../etc/passwd">')
    assert b"root:" not in raw


def test_the_statement_page_polls_and_downloads(world: World) -> None:
    _history(world)
    client = world.team.client_for(Role.ACCOUNTANT)
    today = timezone.localdate()
    response = client.post(
        reverse("ledger:statement_new", kwargs={"pk": world.customer.pk}),
        {"period_start": today.replace(day=1).isoformat(), "period_end": today.isoformat()},
    )
    statement = Statement.objects.get(customer=world.customer)
    assert response["Location"] == reverse("ledger:statement", kwargs={"pk": statement.pk})
    fragment = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "100%" in fragment and "<html" not in fragment
    download = client.get(reverse("ledger:statement_download", kwargs={"pk": statement.pk}))
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_a_month_end_batch_zips_every_monthly_credit_customer(world: World) -> None:
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    services.stock_receive(
        company=world.company, key="in", depot=world.depot, product=world.water, quantity=5
    )
    services.stock_load(
        company=world.company,
        key="l",
        depot=world.depot,
        courier=world.courier,
        product=world.water,
        quantity=5,
    )
    services.delivery_settle(
        company=world.company,
        key="o",
        customer=world.customer,
        courier=world.courier,
        lines=[Line(world.water, 2, 1200)],
        payments=[Payment(Method.CREDIT, 2400)],
        occurred_at=timezone.make_aware(datetime.combine(last_month, datetime.min.time())),
    )
    batch = statements.batch_request(company=world.company, month=last_month)
    batch.refresh_from_db()
    assert batch.status == "done"
    names = zipfile.ZipFile(io.BytesIO(batch.file.open("rb").read())).namelist()
    assert names == [f"{world.customer.code}-{world.customer.name}.pdf"]
    from apps.ledger.models import CreditBill

    assert CreditBill.objects.get(customer=world.customer).amount_fen == 2400


def test_a_collection_sheet_is_a_pdf(world: World) -> None:
    _history(world)
    handover = services.handover_record(
        company=world.company,
        courier=world.courier,
        day=date.today(),
        depot=world.depot,
        counted={},
        declared={},
    )
    sheet = statements.collection_sheet_request(company=world.company, handover=handover)
    sheet.refresh_from_db()
    assert sheet.status == "done"
    assert sheet.file.open("rb").read().startswith(b"%PDF")
