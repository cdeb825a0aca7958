"""The orders API: taking, reading, listing, cancelling orders and their history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.customers.models import Address, Customer, CustomerPhone
from apps.orders.models import Order, OrderChannel, OrderEvent, OrderSettings, OrderStatus
from apps.orders.services.clients import api_client_revoke
from apps.org.models import Role
from tests.conftest import Team
from tests.factories import ProductFactory
from tests.orders.api_world import ORDERS, ApiWorld, api, body_of, other_api

pytestmark = pytest.mark.django_db
__all__ = ["api", "other_api"]


def test_it_takes_an_order_for_a_known_customer(api: ApiWorld) -> None:
    response = api.post(ORDERS, api.order_body(notes="放门口", external_id="MP-1"))

    assert response.status_code == 201, response.content
    data = response.json()
    order = Order.objects.get(pk=data["id"])
    assert order.customer == api.customer
    assert order.address == api.address
    assert order.channel == OrderChannel.MINI_PROGRAM
    assert order.api_client == api.client
    assert order.external_id == "MP-1"
    assert order.notes == "放门口"
    assert data["number"] == order.number
    assert data["status"] == "pending"
    # Two buckets of water at 12 元 and the deposit for the customer's first two buckets.
    assert data["total_fen"] == 2 * 1200 + 2 * 3000
    assert data["lines"] == [
        {
            "product": api.water.pk,
            "sku": api.water.sku,
            "name": api.water.name,
            "quantity": 2,
            "unit_price_fen": 1200,
            "surcharge_fen": 0,
            "amount_fen": 2400,
            "delivered_quantity": None,
        }
    ]
    event = OrderEvent.objects.get(order=order)
    assert (event.actor, event.actor_label, event.to_status) == (None, "小程序", "pending")


@pytest.mark.usefixtures("working_hours")
def test_without_a_window_the_order_is_for_as_soon_as_possible(api: ApiWorld) -> None:
    before = timezone.now()
    data = api.post(ORDERS, api.order_body()).json()

    order = Order.objects.get(pk=data["id"])
    assert before <= order.window_start <= timezone.now()
    assert order.window_end - order.window_start == timedelta(minutes=120)


@pytest.mark.usefixtures("working_hours")
def test_as_soon_as_possible_follows_the_company_settings_read_with_the_client(
    api: ApiWorld,
) -> None:
    settings = OrderSettings.objects.create(company=api.company, asap_minutes=45)
    first = Order.objects.get(pk=api.post(ORDERS, api.order_body()).json()["id"])
    settings.asap_minutes = 90
    settings.save()
    second = Order.objects.get(pk=api.post(ORDERS, api.order_body()).json()["id"])

    assert first.window_end - first.window_start == timedelta(minutes=45)
    assert second.window_end - second.window_start == timedelta(minutes=90)


def test_it_takes_an_explicit_window_or_a_window_key(api: ApiWorld) -> None:
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    explicit = api.post(
        ORDERS,
        api.order_body(
            window_start=start.isoformat(), window_end=(start + timedelta(hours=2)).isoformat()
        ),
    ).json()
    by_key = api.post(ORDERS, api.order_body(window="tomorrow-pm")).json()

    order = Order.objects.get(pk=explicit["id"])
    assert (order.window_start, order.window_end) == (start, start + timedelta(hours=2))
    keyed = Order.objects.get(pk=by_key["id"])
    local = timezone.localtime(keyed.window_start)
    assert (local.date(), local.hour) == (timezone.localdate() + timedelta(days=1), 13)


def test_a_new_phone_creates_the_customer_with_the_address(api: ApiWorld) -> None:
    response = api.post(
        ORDERS,
        {
            "phone": "139-0671-5502",
            "name": "李四",
            "address": "文二路 8 号 2-301",
            "lines": [{"sku": api.water.sku, "quantity": 1}],
        },
    )

    assert response.status_code == 201, response.content
    customer = Customer.objects.get(company=api.company, phones__number="13906715502")
    assert customer.name == "李四"
    assert customer.source == "mini_program"
    order = Order.objects.get(pk=response.json()["id"])
    assert order.customer == customer
    assert order.address.street == "文二路 8 号 2-301"
    assert order.address.is_default


def test_a_known_phone_finds_the_customer_and_a_new_address_text_adds_an_address(
    api: ApiWorld,
) -> None:
    first = api.post(
        ORDERS,
        {
            "phone": "13906715502",
            "name": "李四",
            "address": "文二路 8 号",
            "lines": [{"product": api.water.pk, "quantity": 1}],
        },
    ).json()
    again = api.post(
        ORDERS,
        {
            "phone": "13906715502",
            "address": "文二路 8 号",
            "lines": [{"product": api.water.pk, "quantity": 1}],
        },
    ).json()
    elsewhere = api.post(
        ORDERS,
        {
            "phone": "13906715502",
            "address": "公司：学院路 50 号",
            "lines": [{"product": api.water.pk, "quantity": 1}],
        },
    ).json()

    customer = Customer.objects.get(company=api.company, phones__number="13906715502")
    assert first["customer"]["id"] == again["customer"]["id"] == elsewhere["customer"]["id"]
    assert first["address"]["id"] == again["address"]["id"] != elsewhere["address"]["id"]
    assert customer.addresses.count() == 2
    assert customer.default_address.street == "文二路 8 号"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "customer"),
        ({"customer": 999999}, "customer"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "13906715502", "address": "文二路"}, "name"),
        ({"phone": "13906715502", "name": "李四"}, "address"),
        ({"window": "someday"}, "window"),
        ({"window_start": "2030-01-01T10:00:00+08:00"}, "window_end"),
        ({"payment_intent": "gold"}, "payment_intent"),
        ({"lines": []}, "lines"),
        ({"lines": [{"quantity": 1}]}, "lines"),
        ({"lines": [{"product": 1, "quantity": 0}]}, "lines"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(
    api: ApiWorld, body: dict[str, object], field: str
) -> None:
    payload = api.order_body()
    payload.update(body)
    if "customer" not in body and field in {"phone", "name", "address"}:
        del payload["customer"]
    if field == "customer" and "customer" not in body:
        del payload["customer"]
    customers = Customer.objects.count()

    response = api.post(ORDERS, payload)

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Order.objects.count() == 0
    assert Customer.objects.count() == customers


def test_an_unknown_product_or_sku_is_named_on_its_line(api: ApiWorld, other_api: ApiWorld) -> None:
    response = api.post(
        ORDERS,
        api.order_body(
            lines=[
                {"product": api.water.pk, "quantity": 1},
                {"product": other_api.water.pk, "quantity": 1},
                {"sku": "NOPE", "quantity": 1},
            ]
        ),
    )

    assert response.status_code == 400
    lines = response.json()["lines"]
    assert [sorted(line) for line in lines] == [[], ["product"], ["sku"]]
    assert Order.objects.count() == 0


def test_a_refusal_from_the_service_is_a_400_with_its_message(api: ApiWorld) -> None:
    past = timezone.now() - timedelta(hours=3)
    response = api.post(
        ORDERS,
        api.order_body(
            window_start=past.isoformat(), window_end=(past + timedelta(hours=1)).isoformat()
        ),
    )

    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]
    assert Order.objects.count() == 0


def test_a_customer_without_an_address_needs_the_address_text(api: ApiWorld) -> None:
    Address.objects.filter(customer=api.customer).delete()

    refused = api.post(ORDERS, api.order_body())
    taken = api.post(ORDERS, api.order_body(address="文三路 8 号"))

    assert refused.status_code == 400
    assert api.customer.name in refused.json()["non_field_errors"][0]
    assert taken.status_code == 201, taken.content
    assert taken.json()["address"]["text"] == "文三路 8 号"
    assert Order.objects.get().address.customer == api.customer


def test_another_companys_customer_is_unknown(api: ApiWorld, other_api: ApiWorld) -> None:
    response = api.post(ORDERS, api.order_body(customer=other_api.customer.pk))

    assert response.status_code == 400
    assert "customer" in response.json()
    assert Order.objects.count() == 0


def test_an_external_id_sent_twice_answers_the_order_already_in_the_pool(api: ApiWorld) -> None:
    first = api.post(ORDERS, api.order_body(external_id="MP-7"))
    second = api.post(ORDERS, api.order_body(external_id="MP-7", notes="again"))

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Order.objects.filter(external_id="MP-7").count() == 1


def test_it_reads_one_order_and_another_companys_is_a_404(
    api: ApiWorld, other_api: ApiWorld
) -> None:
    mine = api.ow.order()
    theirs = other_api.ow.order()

    response = api.get(f"{ORDERS}{mine.pk}/")
    assert response.status_code == 200
    assert response.json()["customer"] == {
        "id": api.customer.pk,
        "code": api.customer.code,
        "name": api.customer.name,
    }
    assert api.get(f"{ORDERS}{theirs.pk}/").status_code == 404
    assert api.get(f"{ORDERS}{theirs.pk}/events/").status_code == 404
    refused = api.post(f"{ORDERS}{theirs.pk}/cancel/", {"reason": "duplicate"})
    assert refused.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == OrderStatus.PENDING


def test_the_list_is_the_companys_and_filters(api: ApiWorld, other_api: ApiWorld) -> None:
    pending = api.ow.order(external_id="A-1", channel=OrderChannel.MEITUAN)
    cancelled = api.ow.order()
    api.post(f"{ORDERS}{cancelled.pk}/cancel/", {"reason": "duplicate"})
    other_api.ow.order()

    def ids(**params: object) -> list[int]:
        response = api.get(ORDERS, **params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert sorted(ids()) == sorted([pending.pk, cancelled.pk])
    assert ids(status="cancelled") == [cancelled.pk]
    assert sorted(ids(status=["cancelled", "pending"])) == sorted([pending.pk, cancelled.pk])
    assert ids(channel="meituan") == [pending.pk]
    assert ids(external_id="A-1") == [pending.pk]
    assert sorted(ids(customer=api.customer.pk)) == sorted([pending.pk, cancelled.pk])
    assert ids(customer=other_api.customer.pk) == []
    today = timezone.localdate()
    assert len(ids(created_from=today.isoformat(), created_to=today.isoformat())) == 2
    assert ids(created_from=(today + timedelta(days=1)).isoformat()) == []
    assert len(ids(window_from=today.isoformat(), window_to=today.isoformat())) == 2
    assert ids(window_to=(today - timedelta(days=1)).isoformat()) == []
    assert api.get(ORDERS, status="lost").status_code == 400


def test_listing_takes_the_same_number_of_queries_for_any_number_of_orders(
    api: ApiWorld,
) -> None:
    api.ow.order()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(ORDERS).status_code == 200
        return len(queries)

    count()  # the first request of the minute also notes when the client was last used
    few = count()
    for _ in range(5):
        api.ow.order()
    assert count() == few <= 4


def test_taking_an_order_costs_a_fixed_number_of_queries(api: ApiWorld) -> None:
    CustomerPhone.objects.create(
        company=api.company, customer=api.customer, number="13812345678", is_primary=True
    )
    extra = [ProductFactory(company=api.company) for _ in range(4)]
    api.post(ORDERS, api.order_body())  # the first request of the minute notes the client's use
    larger = api.order_body(
        lines=[
            {"product": api.water.pk, "quantity": 1},
            *({"product": product.pk, "quantity": 2} for product in extra),
        ]
    )

    def count(body: dict[str, object], key: str | None = None) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.post(ORDERS, body, key=key).status_code == 201
        return len(queries)

    # The client with its company's order settings; the customer with their addresses and
    # phones; the products; the deposits already covered (ledger and earlier orders, in one
    # statement); the order, its lines, its event, the customer's last order; the message;
    # a savepoint set and released. The key adds one more savepoint, its claim and the
    # stored answer.
    assert count(api.order_body()) == count(larger) == 11
    assert count(api.order_body(), key="one") == count(larger, key="two") == 15


def test_it_cancels_with_a_reason_and_a_second_cancel_is_a_conflict(api: ApiWorld) -> None:
    order = api.ow.order()

    response = api.post(f"{ORDERS}{order.pk}/cancel/", {"reason": "changed_mind", "note": "不要了"})
    again = api.post(f"{ORDERS}{order.pk}/cancel/", {"reason": "changed_mind"})

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancel_reason"] == "changed_mind"
    assert again.status_code == 409
    assert order.number in again.json()["detail"]
    events = OrderEvent.objects.filter(order=order, to_status="cancelled")
    assert [(e.reason, e.note, e.actor_label) for e in events] == [
        ("changed_mind", "不要了", "小程序")
    ]


def test_a_cancel_without_a_valid_reason_is_a_400(api: ApiWorld) -> None:
    order = api.ow.order()

    assert api.post(f"{ORDERS}{order.pk}/cancel/", {"reason": "bored"}).status_code == 400
    other = api.post(f"{ORDERS}{order.pk}/cancel/", {"reason": "other"})
    assert other.status_code == 400
    assert "non_field_errors" in other.json()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_the_history_lists_every_status_change(api: ApiWorld) -> None:
    order = api.ow.out_for_delivery(api.ow.order())

    response = api.get(f"{ORDERS}{order.pk}/events/")

    assert response.status_code == 200
    rows = response.json()
    assert [(r["from_status"], r["to_status"]) for r in rows] == [
        ("", "pending"),
        ("pending", "assigned"),
        ("assigned", "out_for_delivery"),
    ]
    dispatcher = api.team.users[Role.DISPATCHER]
    assert rows[1]["by"] == dispatcher.display_name
    assert rows[1]["courier"]["id"] == api.courier.pk


def test_a_request_without_a_token_is_a_401(api: ApiWorld) -> None:
    from django.test import Client

    response = Client().get(ORDERS)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert Client().post(ORDERS, body_of(api.order_body()), "application/json").status_code == 401
    assert Order.objects.count() == 0


@pytest.mark.parametrize("token", ["sd_wrong", "not-even-ours", "sd_" + "x" * 200])
def test_a_wrong_token_is_a_401(api: ApiWorld, token: str) -> None:
    assert api.get(ORDERS, token=token).status_code == 401
    assert api.post(ORDERS, api.order_body(), token=token).status_code == 401
    assert Order.objects.count() == 0


def test_a_revoked_token_is_a_401(api: ApiWorld) -> None:
    assert api.get(ORDERS).status_code == 200
    api_client_revoke(client=api.client)

    assert api.get(ORDERS).status_code == 401
    assert api.post(ORDERS, api.order_body()).status_code == 401
    assert Order.objects.count() == 0


def test_a_malformed_authorization_header_is_a_401(api: ApiWorld) -> None:
    from django.test import Client

    client = Client(headers={"Authorization": "Bearer two words"})
    assert client.get(ORDERS).status_code == 401


def test_a_dispatcher_signed_in_uses_the_same_api(api: ApiWorld) -> None:
    client = api.team.client_for(Role.DISPATCHER)

    response = client.post(ORDERS, body_of(api.order_body()), "application/json")

    assert response.status_code == 201, response.content
    order = Order.objects.get(pk=response.json()["id"])
    assert order.channel == OrderChannel.BACK_OFFICE
    assert order.created_by == api.team.users[Role.DISPATCHER]
    assert order.api_client is None
    assert client.get(ORDERS).json()["count"] == 1


@pytest.mark.parametrize("role", [Role.COURIER, Role.ACCOUNTANT])
def test_staff_without_the_orders_section_are_refused(team: Team, role: str) -> None:
    client = team.client_for(role)

    assert client.get(ORDERS).status_code == 403
    assert client.post(ORDERS, b"{}", "application/json").status_code == 403


def test_the_token_of_a_client_sees_only_its_company(api: ApiWorld, other_api: ApiWorld) -> None:
    other_api.ow.order()
    extra = ProductFactory(company=other_api.company)

    assert api.get(ORDERS).json()["count"] == 0
    response = api.post(ORDERS, api.order_body(lines=[{"product": extra.pk, "quantity": 1}]))
    assert response.status_code == 400


def test_ping_answers_without_authentication(db: None) -> None:
    from django.test import Client

    response = Client().get("/api/v1/ping")

    assert response.status_code == 200
    assert response.json() == {"ok": True}
