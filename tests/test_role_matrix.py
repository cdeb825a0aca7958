"""Each role gets exactly the pages it should, and its navigation shows exactly those."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.org.models import Role
from tests.conftest import Team

OWNER, DISPATCHER, COURIER, ACCOUNTANT = Role.OWNER, Role.DISPATCHER, Role.COURIER, Role.ACCOUNTANT
EVERYONE = {OWNER, DISPATCHER, COURIER, ACCOUNTANT}

# Written out by hand on purpose: it is the specification the code must meet.
EXPECTED = {
    "fleet:board": {OWNER, DISPATCHER},
    "orders:index": {OWNER, DISPATCHER},
    "customers:index": {OWNER, DISPATCHER, ACCOUNTANT},
    "customers:create": {OWNER, DISPATCHER, ACCOUNTANT},
    "org:notices": EVERYONE,
    "fleet:index": {OWNER, DISPATCHER},
    "subscriptions:index": {OWNER, DISPATCHER},
    "subscriptions:retention": {OWNER, DISPATCHER},
    "subscriptions:plan_list": {OWNER, DISPATCHER},
    "subscriptions:sell": {OWNER, DISPATCHER},
    "subscriptions:plan_create": {OWNER},
    "ledger:index": {OWNER, ACCOUNTANT},
    "reports:index": {OWNER, ACCOUNTANT},
    "reports:couriers": {OWNER, ACCOUNTANT},
    "reports:failures": {OWNER, ACCOUNTANT},
    "reports:products": {OWNER, ACCOUNTANT},
    "reports:customers": {OWNER, ACCOUNTANT},
    "reports:forecast": {OWNER, ACCOUNTANT},
    "reports:dashboard_csv": {OWNER, ACCOUNTANT},
    "reports:dashboard_xlsx": {OWNER, ACCOUNTANT},
    "catalog:index": {OWNER},
    "catalog:product_list": {OWNER},
    "catalog:product_create": {OWNER},
    "catalog:price_list_list": {OWNER},
    "org:settings": {OWNER},
    "org:depot_list": {OWNER},
    "org:staff_list": {OWNER},
    "org:staff_add": {OWNER},
    "fleet:courier_today": {OWNER, COURIER},
    "fleet:grab_pool": {OWNER, COURIER},
    "fleet:board_data": {OWNER, DISPATCHER},
    "fleet:vehicle_list": {OWNER, DISPATCHER},
    "fleet:vehicle_create": {OWNER},
    "fleet:shift_list": {OWNER, DISPATCHER},
    "fleet:shift_create": {OWNER, DISPATCHER},
    "fleet:courier_list": {OWNER, DISPATCHER},
    "fleet:dispatch_settings": {OWNER},
    "org:profile": EVERYONE,
    "org:password_change": EVERYONE,
    "api:product-list": {OWNER, DISPATCHER},
    "api:depot-list": {OWNER, DISPATCHER},
}

NAV_LINKS = {
    OWNER: {
        "fleet:board",
        "orders:index",
        "customers:index",
        "fleet:index",
        "subscriptions:index",
        "ledger:index",
        "reports:index",
        "catalog:index",
        "org:settings",
        "fleet:courier_today",
    },
    DISPATCHER: {
        "fleet:board",
        "orders:index",
        "customers:index",
        "fleet:index",
        "subscriptions:index",
    },
    ACCOUNTANT: {"customers:index", "ledger:index", "reports:index"},
}


@pytest.mark.parametrize("role", sorted(EVERYONE))
@pytest.mark.django_db
def test_each_role_opens_exactly_its_pages(team: Team, role: str) -> None:
    client = team.client_for(role)
    for url_name, allowed in EXPECTED.items():
        status = client.get(reverse(url_name)).status_code
        expected = 200 if role in allowed else 403
        assert status == expected, f"{role} → {url_name}: {status}, expected {expected}"


@pytest.mark.parametrize("role", sorted(NAV_LINKS))
@pytest.mark.django_db
def test_navigation_shows_exactly_the_roles_sections(team: Team, role: str) -> None:
    body = team.client_for(role).get(reverse("home")).content.decode()
    nav = body.split('class="sidebar"')[1].split("</nav>")[0]
    for url_name in EXPECTED:
        if url_name.startswith("api:"):
            continue
        link = f'href="{reverse(url_name)}"'
        assert (link in nav) == (url_name in NAV_LINKS[role]), f"{role}: nav link to {url_name}"


@pytest.mark.django_db
def test_a_courier_lands_on_his_day_and_has_no_back_office_navigation(team: Team) -> None:
    client = team.client_for(COURIER)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("fleet:courier_today")
    page = client.get(response["Location"]).content.decode()
    assert 'class="sidebar"' not in page


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client) -> None:  # type: ignore[no-untyped-def]
    for url_name in EXPECTED:
        if url_name.startswith("api:"):
            assert client.get(reverse(url_name)).status_code == 403
            continue
        response = client.get(reverse(url_name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("org:login"))


@pytest.mark.django_db
def test_only_owners_reach_the_admin(team: Team) -> None:
    for role in EVERYONE:
        response = team.client_for(role).get(reverse("admin:index"), follow=True)
        assert response.status_code == (200 if role == OWNER else 403), role
