"""The Customers report's summaries for the demo companies, as the first night would leave
them, so the demo's Customers page reads them from the start."""

from __future__ import annotations

from apps.core.demo import DemoWorld
from apps.reports.services import customer_activity_refresh


def seed(world: DemoWorld) -> None:
    for company in world.companies.values():
        rows = customer_activity_refresh(company=company, today=world.today)
        world.log(f"reports: {company.name} customer summaries, {rows} rows")
