"""What reports write: a low-stock warning to the owners (through org's notices), and their
own customer summaries."""

from __future__ import annotations

import operator
from collections.abc import Iterable
from datetime import date, timedelta
from functools import reduce

from django.db import transaction
from django.db.models import Count, DateField, Max, Min, Q, Sum, Value
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from apps.orders.models import Order
from apps.org.models import Company, Role
from apps.org.services import notice_send
from apps.reports.bulk import insert_selected
from apps.reports.models import (
    CustomerActivity,
    CustomerActivityRefresh,
    CustomerDay,
    CustomerTotals,
)
from apps.reports.period import Period, month_start, start_of
from apps.reports.selectors.customers import (
    delivered_orders,
    household_estimates,
    household_lines,
)
from apps.reports.selectors.stock import stock_outlook

MAX_NAMED = 5
# Orders of the last days may still change status; the page counts them live.
SETTLE_DAYS = 2
# Settled days are stored once, then rewritten for a week in case an order is corrected late.
REWRITE_DAYS = 7
CHANGED_ORDERS_MARGIN = timedelta(hours=1)
ONE_DAY = timedelta(days=1)


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
    """Bring the company's customer summaries up to date; returns the number of rows written.

    Orders count up to ``SETTLE_DAYS`` before ``today``. The first run stores every day; later
    runs rewrite the last ``REWRITE_DAYS`` settled days, any day the job missed, and the days
    of orders taken or changed since the last run (an import of old orders, a late
    correction), then the month starts after the earliest of them. Household paces are
    estimated afresh as of ``today``. Running it again the same day writes the same rows.
    Concurrent refreshes of one company wait for each other on its refresh row.
    """
    today = today or timezone.localdate()
    through = today - timedelta(days=SETTLE_DAYS + 1)
    started = timezone.now()
    previous = CustomerActivityRefresh.objects.select_for_update().filter(company=company).first()
    days = None if previous is None else _days_to_rewrite(company, previous, through)
    written = _customer_days_rewrite(company, days=days, through=through)
    since = min(days) if days is not None else None
    written += _customer_totals_rewrite(company, since=since, through=through)
    written += _household_paces_rewrite(company, today=today)
    CustomerActivityRefresh.objects.update_or_create(
        company=company,
        defaults={"through": through, "runout_day": today, "refreshed_at": started},
    )
    return written


def _days_to_rewrite(
    company: Company, previous: CustomerActivityRefresh, through: date
) -> set[date]:
    """The settled days whose stored figures may be out of date."""
    first = min(previous.through + timedelta(days=1), through - timedelta(days=REWRITE_DAYS - 1))
    days = {first + timedelta(days=n) for n in range((through - first).days + 1)}
    # Orders written while the last run read, and committed after, are caught by the margin.
    changed_since = previous.refreshed_at - CHANGED_ORDERS_MARGIN
    touched = (
        Order.objects.filter(
            Q(created_at__gte=changed_since) | Q(status_changed_at__gte=changed_since),
            company=company,
            window_start__lt=start_of(first),
        )
        .annotate(day=TruncDate("window_start", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values_list("day", flat=True)
        .distinct()
    )
    return days | set(touched)


def _spans(days: set[date]) -> list[tuple[date, date]]:
    """``days`` as runs of consecutive days, first and last."""
    spans: list[tuple[date, date]] = []
    for day in sorted(days):
        if spans and spans[-1][1] + timedelta(days=1) == day:
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    return spans


_OWNER_COLUMNS = {"company_id": "company", "customer_id": "customer", "depot_id": "depot"}


def _customer_days_rewrite(company: Company, *, days: set[date] | None, through: date) -> int:
    """Each customer's delivered orders per promised day and depot, on ``days`` (or every day
    through ``through``)."""
    stale = CustomerDay.objects.filter(company=company)
    orders = delivered_orders(company, until=start_of(through + timedelta(days=1)))
    if days is not None:
        spans = _spans(days)
        stale = stale.filter(_any_of(Q(day__range=span) for span in spans))
        orders = orders.filter(
            _any_of(
                Q(window_start__gte=start_of(first), window_start__lt=start_of(last + ONE_DAY))
                for first, last in spans
            )
        )
    stale.delete()
    per_day = (
        orders.annotate(day=TruncDate("window_start", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values("company", "customer", "depot", "day")
        .annotate(n=Count("id"), spend=Sum("total_fen"))
    )
    return insert_selected(
        CustomerDay, per_day, **_OWNER_COLUMNS, day="day", order_count="n", spend_fen="spend"
    )


def _any_of(conditions: Iterable[Q]) -> Q:
    return reduce(operator.or_, conditions)


def _customer_totals_rewrite(company: Company, *, since: date | None, through: date) -> int:
    """Running totals at every month start after ``since`` (or the first stored day) up to the
    day after ``through``, and at the day after ``through`` itself (replaced each night), added
    up from the stored days."""
    stale = CustomerTotals.objects.filter(company=company)
    if since is not None:
        stale = stale.filter(Q(before__gt=since) | ~Q(before__day=1))
    stale.delete()
    days = CustomerDay.objects.filter(company=company)
    first = since or days.aggregate(first=Min("day"))["first"]
    if first is None:
        return 0
    settled_until = through + ONE_DAY
    cuts = _month_starts(after=first, until=settled_until)
    if settled_until.day != 1:
        cuts.append(settled_until)
    written = 0
    for cut in cuts:
        totals = (
            days.filter(day__lt=cut)
            .order_by()
            .values("company", "customer", "depot")
            .annotate(
                cut=Value(cut, output_field=DateField()),
                first=Min("day"),
                last=Max("day"),
                n=Sum("order_count"),
                spend=Sum("spend_fen"),
            )
        )
        written += insert_selected(
            CustomerTotals,
            totals,
            **_OWNER_COLUMNS,
            before="cut",
            first_order="first",
            last_order="last",
            order_count="n",
            spend_fen="spend",
        )
    return written


def _month_starts(*, after: date, until: date) -> list[date]:
    """The first days of the months after ``after``, up to ``until`` included."""
    starts: list[date] = []
    cut = month_start(after)
    while True:
        cut = month_start(cut + timedelta(days=31))
        if cut > until:
            return starts
        starts.append(cut)


def _household_paces_rewrite(company: Company, *, today: date) -> int:
    CustomerActivity.objects.filter(company=company).delete()
    now = timezone.now()
    rows = [
        CustomerActivity(
            company=company,
            customer_id=customer_id,
            runout_day=today,
            last_delivery=estimate.last_delivery,
            last_depot_id=estimate.depot_id,
            days_per_unit=estimate.days_per_unit,
            runs_out_on=estimate.runs_out_on,
            refreshed_at=now,
        )
        for customer_id, estimate in sorted(
            household_estimates(household_lines(company, today=today)).items()
        )
    ]
    CustomerActivity.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
