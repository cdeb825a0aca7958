"""Ledger pages: who opens them, what they show, and that actions go through the services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.ledger import services
from apps.ledger.models import Account, AccountKind, Discrepancy, Transaction
from apps.org.models import Role
from tests.ledger.conftest import World, make_world

pytestmark = pytest.mark.django_db

PAGES = ["ledger:index", "ledger:handovers", "ledger:aging", "ledger:stock", "ledger:statements"]


@pytest.mark.parametrize("role", [Role.OWNER, Role.ACCOUNTANT, Role.DISPATCHER, Role.COURIER])
def test_only_owners_and_accountants_open_the_ledger(world: World, role: str) -> None:
    client = world.team.client_for(role)
    allowed = role in (Role.OWNER, Role.ACCOUNTANT)
    for name in PAGES:
        assert client.get(reverse(name)).status_code == (200 if allowed else 403), name
    url = reverse("ledger:customer", kwargs={"pk": world.customer.pk})
    assert client.get(url).status_code == (200 if allowed else 403)


def test_another_companys_customer_is_a_404(world: World, other_team) -> None:  # type: ignore[no-untyped-def]
    other = make_world(other_team)
    client = world.team.client_for(Role.ACCOUNTANT)
    assert (
        client.get(reverse("ledger:customer", kwargs={"pk": other.customer.pk})).status_code == 404
    )
    response = client.post(
        reverse("ledger:customer_top_up", kwargs={"pk": other.customer.pk}),
        {"amount_fen": "10", "method": "cash", "token": "x"},
    )
    assert response.status_code == 404
    assert not Transaction.objects.filter(company=other.company).exists()


def test_an_accountant_tops_up_a_wallet_and_a_double_submit_posts_once(world: World) -> None:
    client = world.team.client_for(Role.ACCOUNTANT)
    url = reverse("ledger:customer_top_up", kwargs={"pk": world.customer.pk})
    data = {"amount_fen": "100.50", "method": "wechat", "token": "abc123"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    wallet = Account.objects.get(customer=world.customer, kind=AccountKind.WALLET)
    assert wallet.display_balance == 10050
    page = client.get(reverse("ledger:customer", kwargs={"pk": world.customer.pk})).content.decode()
    assert "¥100.50" in page


def test_the_customer_page_answers_the_four_questions(world: World) -> None:
    services.tickets_sell(
        company=world.company,
        key="s",
        customer=world.customer,
        package=world.package,
        method="cash",
    )
    services.deposit_take(
        company=world.company,
        key="d",
        customer=world.customer,
        container_type=world.bucket,
        quantity=1,
        method="cash",
    )
    services.containers_move(
        company=world.company,
        key="m",
        customer=world.customer,
        courier=world.courier,
        container_type=world.bucket,
        delivered=3,
        collected=0,
    )
    client = world.team.client_for(Role.ACCOUNTANT)
    page = client.get(reverse("ledger:customer", kwargs={"pk": world.customer.pk})).content.decode()
    assert "¥30.00" in page  # deposit paid
    assert "欠桶 2" in page  # holds 3, one on deposit
    assert "22" in page  # tickets left


def test_a_refused_action_shows_why_and_changes_nothing(world: World) -> None:
    client = world.team.client_for(Role.ACCOUNTANT)
    url = reverse("ledger:customer_deposit_refund", kwargs={"pk": world.customer.pk})
    response = client.post(
        url,
        {"container_type": world.bucket.pk, "quantity": 1, "method": "cash", "token": "t"},
        follow=True,
    )
    assert response.status_code == 200
    assert "message error" in response.content.decode()
    assert not Transaction.objects.filter(company=world.company).exists()


def test_an_owner_reverses_a_transaction_with_a_reason(world: World) -> None:
    txn = services.wallet_top_up(
        company=world.company, key="t", customer=world.customer, amount_fen=500, method="cash"
    )
    client = world.team.client_for(Role.OWNER)
    url = reverse("ledger:transaction_reverse", kwargs={"pk": txn.pk})
    assert client.get(url).status_code == 405
    client.post(url, {"reason": ""})
    assert not Transaction.objects.filter(reversal_of=txn).exists()
    response = client.post(url, {"reason": "收错客户"})
    reversal = Transaction.objects.get(reversal_of=txn)
    assert response["Location"] == reverse("ledger:transaction", kwargs={"pk": reversal.pk})
    detail = client.get(reverse("ledger:transaction", kwargs={"pk": txn.pk})).content.decode()
    assert "收错客户" in detail


def test_an_accountant_records_a_handover_with_a_shortfall(world: World) -> None:
    services.wallet_top_up(
        company=world.company,
        key="t",
        customer=world.customer,
        amount_fen=5000,
        method="cash",
        courier=world.courier,
    )
    cash = Account.objects.get(courier=world.courier, kind=AccountKind.COURIER_CASH)
    client = world.team.client_for(Role.ACCOUNTANT)
    url = reverse("ledger:handover_new") + f"?courier={world.courier.pk}"
    form = client.get(url).content.decode()
    assert "¥50.00" in form
    response = client.post(
        url,
        {
            "depot": world.depot.pk,
            f"counted_{cash.pk}": "45",
            f"declared_{cash.pk}": "50",
            "scan_declared_fen": "0",
            "note": "",
        },
    )
    assert response.status_code == 302
    discrepancy = Discrepancy.objects.get(company=world.company)
    assert discrepancy.amount == 500
    page = client.get(response["Location"]).content.decode()
    assert "¥5.00" in page
    client.post(
        reverse("ledger:discrepancy_resolve", kwargs={"pk": discrepancy.pk}),
        {"resolution": "written_off", "note": "找零错误"},
    )
    discrepancy.refresh_from_db()
    assert discrepancy.status == "written_off"


def test_the_stock_page_receives_goods(world: World) -> None:
    client = world.team.client_for(Role.OWNER)
    response = client.post(
        reverse("ledger:stock"),
        {
            "action": "receive",
            "depot": world.depot.pk,
            "product": world.water.pk,
            "quantity": 40,
            "empties": 0,
            "token": "s1",
        },
    )
    assert response.status_code == 302
    assert "40" in client.get(reverse("ledger:stock")).content.decode()


def test_the_customer_panel_renders_for_the_customer_page(world: World, rf) -> None:  # type: ignore[no-untyped-def]
    from apps.customers.panels import customer_panels

    panel = next(p for p in customer_panels() if p.key == "ledger")
    assert panel.render is not None
    request = rf.get("/")
    request.user = world.accountant
    html = panel.render(request, world.customer)
    assert "ledger-balances" in html


def test_paying_back_a_wallet_never_takes_it_below_zero(world: World) -> None:
    client = world.team.client_for(Role.ACCOUNTANT)
    top_up = reverse("ledger:customer_top_up", kwargs={"pk": world.customer.pk})
    client.post(top_up, {"amount_fen": "50", "method": "cash", "token": "t1"})
    refund = reverse("ledger:customer_wallet_refund", kwargs={"pk": world.customer.pk})
    client.post(refund, {"amount_fen": "80", "method": "cash", "token": "r1"})
    wallet = Account.objects.get(customer=world.customer, kind=AccountKind.WALLET)
    assert wallet.display_balance == 5000
    client.post(refund, {"amount_fen": "30", "method": "wechat", "token": "r2"})
    client.post(refund, {"amount_fen": "30", "method": "wechat", "token": "r2"})
    wallet.refresh_from_db()
    assert wallet.display_balance == 2000
    assert Transaction.objects.filter(customer=world.customer, kind="wallet_refund").count() == 1
