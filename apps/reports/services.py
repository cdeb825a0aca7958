"""The one thing reports sends: a low-stock warning to the owners, through org's notices."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from apps.org.models import Company, Role
from apps.org.services import notice_send
from apps.reports.period import Period
from apps.reports.selectors.stock import stock_outlook

MAX_NAMED = 5


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
