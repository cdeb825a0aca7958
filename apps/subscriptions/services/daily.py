"""The evening run over every active company: generate a day, remind renewals."""

from __future__ import annotations

from datetime import date, timedelta

from apps.org.models import Company
from apps.subscriptions.services.ending import ranges_end
from apps.subscriptions.services.generation import deliveries_generate
from apps.subscriptions.services.reminders import renewals_remind


def daily_run(*, day: date, companies: list[Company] | None = None) -> str:
    """One transaction per company, so one company's failure leaves the others done."""
    lines = []
    for company in companies or list(Company.objects.filter(is_active=True)):
        result = deliveries_generate(company=company, day=day)
        reminded = renewals_remind(company=company)
        ended = ranges_end(company=company, today=day - timedelta(days=1))
        lines.append(
            f"{company.pk}: {result.created} new, {result.existing} already there, "
            f"{len(result.short)} short, {reminded} reminded, {ended} ended"
        )
    return "\n".join(lines)
