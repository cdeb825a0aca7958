"""What reports write: a low-stock warning to the owners (through org's notices), and their
own customer activity summary."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from apps.org.models import Company, Role
from apps.org.services import notice_send
from apps.reports.models import CustomerActivity, CustomerActivityRefresh
from apps.reports.period import Period, start_of
from apps.reports.selectors.customers import (
    delivered_orders,
    household_estimates,
    household_lines,
    totals_by_customer,
)
from apps.reports.selectors.stock import stock_outlook

MAX_NAMED = 5
# Orders of the last days may still change status; the page counts them live.
SETTLE_DAYS = 2


def stock_alerts_notify(*, company: Company, today: date | None = None) -> int:
    """Tell the owners which products will run short tomorrow; once a day (keyed by date)."""
    today = today or timezone.localdate()
    yesterday = today - timedelta(days=1)
    tomorrow, rows = stock_outlook(company=company, period=Period(yesterday, yesterday))
    low = [row for row in rows if row.low]
    if not low:
        return 0
    with override("zh-hans"):
        named = "; ".join(
            _("%(depot)s %(product)s: %(stock)s left, %(expected)s expected, order %(order)s")
            % {
                "depot": row.depot,
                "product": row.product,
                "stock": row.stock or 0,
                "expected": row.tomorrow,
                "order": row.suggested_order,
            }
            for row in low[:MAX_NAMED]
        )
        text = _("Stock for %(day)s runs low: %(items)s") % {
            "day": tomorrow.isoformat(),
            "items": named,
        }
    notice_send(
        company=company,
        roles=[Role.OWNER],
        text=text[:300],
        link="/reports/forecast/",
        key=f"reports-stock-{tomorrow.isoformat()}",
    )
    return len(low)


@transaction.atomic
def customer_activity_refresh(*, company: Company, today: date | None = None) -> int:
    """Rebuild the company's customer activity summary in bulk; returns its number of rows.

    Orders count up to ``SETTLE_DAYS`` before ``today`` and run-out estimates are as of
    ``today``; running it again the same day writes the same rows. Concurrent refreshes of
    one company wait for each other on its refresh row.
    """
    today = today or timezone.localdate()
    through = today - timedelta(days=SETTLE_DAYS + 1)
    now = timezone.now()
    CustomerActivityRefresh.objects.update_or_create(
        company=company, defaults={"through": through, "runout_day": today, "refreshed_at": now}
    )
    totals = totals_by_customer(
        delivered_orders(company, until=start_of(through + timedelta(days=1)))
    )
    estimates = household_estimates(household_lines(company, today=today))
    rows = []
    for customer_id in sorted(totals.keys() | estimates.keys()):
        row = CustomerActivity(
            company=company,
            customer_id=customer_id,
            through=through,
            runout_day=today,
            refreshed_at=now,
        )
        if (done := totals.get(customer_id)) is not None:
            row.first_order, row.last_order = done.first, done.last
            row.order_count, row.spend_fen = done.orders, done.spend_fen
        if (estimate := estimates.get(customer_id)) is not None:
            row.last_delivery, row.runs_out_on = estimate.last_delivery, estimate.runs_out_on
            row.days_per_unit = estimate.days_per_unit
        rows.append(row)
    CustomerActivity.objects.filter(company=company).delete()
    CustomerActivity.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
