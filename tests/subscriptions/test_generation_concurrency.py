"""Generation racing itself on PostgreSQL with real connections."""

from __future__ import annotations

import pytest

from apps.orders.models import Order, OrderEvent
from apps.subscriptions.services.generation import deliveries_generate
from tests.concurrency import race, require_postgres
from tests.conftest import make_team
from tests.ledger.conftest import lifted_sqlite_guards  # noqa: F401  (a fixture)
from tests.subscriptions.conftest import Dairy, make_dairy, tomorrow

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pg_dairy(lifted_sqlite_guards: None, working_hours: None) -> Dairy:  # noqa: F811
    require_postgres()
    return make_dairy(make_team())


def test_two_generations_at_once_make_one_order_per_subscription(pg_dairy: Dairy) -> None:
    subscriptions = [pg_dairy.sell(quantity=1 + n % 2) for n in range(5)]

    results, errors = race(
        2, lambda _i: deliveries_generate(company=pg_dairy.company, day=tomorrow())
    )

    assert errors == []
    assert sorted(r.created for r in results) == [0, 5]
    orders = Order.objects.filter(company=pg_dairy.company)
    assert sorted(o.external_id for o in orders) == sorted(
        f"{s.pk}:{tomorrow().isoformat()}" for s in subscriptions
    )
    assert OrderEvent.objects.filter(order__in=orders).count() == 5
