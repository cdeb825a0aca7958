from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from apps.org.models import Company, Role, User
from tests.factories import CompanyFactory, DepotFactory, StaffFactory


@dataclass
class Team:
    """A company with one person in every role."""

    company: Company
    users: dict[str, User]

    def client_for(self, role: str) -> Client:
        client = Client()
        client.force_login(self.users[role])
        return client


def make_team(name: str | None = None) -> Team:
    company = CompanyFactory(**({"name": name} if name else {}))
    depot = DepotFactory(company=company)
    users = {
        role: StaffFactory(
            company=company,
            role=role,
            home_depot=depot if role == Role.COURIER else None,
        ).user
        for role in Role.values
    }
    return Team(company=company, users=users)


@pytest.fixture
def team(db: None) -> Team:
    return make_team()


@pytest.fixture
def other_team(db: None) -> Team:
    return make_team()


@pytest.fixture
def owner_client(team: Team) -> Client:
    return team.client_for(Role.OWNER)


@pytest.fixture
def working_hours() -> Iterator[None]:
    """Today at 10:00 in Shanghai, the clock running on: shifts are on and windows lie ahead.

    Tests of a delivery day would otherwise depend on the hour CI happens to run them.
    """
    morning = datetime.combine(date.today(), time(10, 0), tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(morning, tick=True):
        yield
