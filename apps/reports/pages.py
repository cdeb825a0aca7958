"""What each report page shows: the selectors' figures, their charts and their tables.

A builder takes the request's company and period and returns the template
context; its ``tables`` entry is what the CSV and XLSX exports write, so a page
and its spreadsheet never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from apps.orders.models import FailReason, OrderChannel, OrderStatus, PaymentIntent
from apps.org.models import Company
from apps.reports import charts, tables
from apps.reports.period import Period
from apps.reports.selectors.couriers import courier_daily, courier_performance
from apps.reports.selectors.customers import customer_report
from apps.reports.selectors.dashboard import change, dashboard
from apps.reports.selectors.failures import DRILL_LIMIT, failure_analysis, failure_orders
from apps.reports.selectors.products import channel_mix, product_ranking
from apps.reports.selectors.stock import stock_outlook
from apps.reports.selectors.subscriptions import subscription_churn

Builder = Callable[[Company, Period, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Page:
    key: str
    template: str
    default_days: int
    build: Builder


def _label_values(data: dict[str, Any], labels: dict[str, Any]) -> tuple[list[str], list[float]]:
    keys = sorted(data, key=lambda key: -_first(data[key]))
    return [str(labels.get(key, key)) for key in keys], [_first(data[key]) for key in keys]


def _first(value: Any) -> float:
    return float(value[0] if isinstance(value, list) else value)


def build_dashboard(company: Company, period: Period, params: dict[str, Any]) -> dict[str, Any]:
    dash = dashboard(company=company, period=period)
    worse_up = {_("Failed rate (%)"), _("Cancelled rate (%)")}
    days = [point.day.strftime("%m-%d") for point in dash.trend]
    status_labels, status_values = _label_values(dash.current.by_status, dict(OrderStatus.choices))
    channel_labels, channel_values = _label_values(
        dash.current.by_channel, dict(OrderChannel.choices)
    )
    payment_labels, payment_values = _label_values(
        {k: v / 100 for k, v in dash.current.revenue_by_payment.items()},
        dict(PaymentIntent.choices),
    )
    summary = [
        (label, current, previous, delta, _tone(delta, higher_is_better=label not in worse_up))
        for label, current, previous in tables.dashboard_summary_rows(dash)
        for delta in [change(_number(current), _number(previous))]
    ]
    return {
        "dash": dash,
        "summary": summary,
        "trend_chart": charts.line_chart(
            title=_("Orders per day"),
            labels=days,
            series=[
                charts.Series(_("Orders"), [p.orders for p in dash.trend]),
                charts.Series(_("Delivered"), [p.delivered for p in dash.trend]),
            ],
        ),
        "revenue_chart": charts.bar_chart(
            title=_("Revenue per day (yuan)"),
            labels=days,
            values=[p.revenue_fen / 100 for p in dash.trend],
        ),
        "status_chart": charts.bar_chart(
            title=_("Orders by status"), labels=status_labels, values=status_values
        ),
        "channel_chart": charts.bar_chart(
            title=_("Orders by channel"), labels=channel_labels, values=channel_values
        ),
        "payment_chart": charts.bar_chart(
            title=_("Revenue by payment (yuan)"), labels=payment_labels, values=payment_values
        ),
        "tables": tables.dashboard_tables(dash),
    }


def _tone(delta: float | None, *, higher_is_better: bool) -> str:
    """``good``, ``bad`` or an empty string: how the change reads for the owner."""
    if not delta:
        return ""
    return "good" if (delta > 0) == higher_is_better else "bad"


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def build_couriers(company: Company, period: Period, params: dict[str, Any]) -> dict[str, Any]:
    rows = courier_performance(company=company, period=period)
    names = [row.courier.user.display_name for row in rows]
    return {
        "rows": rows,
        "deliveries_chart": charts.bar_chart(
            title=_("Deliveries per courier"), labels=names, values=[r.deliveries for r in rows]
        ),
        "failures_chart": charts.bar_chart(
            title=_("Failures per courier"), labels=names, values=[r.failures for r in rows]
        ),
        "tables": tables.courier_tables(rows, _("Courier ranking")),
    }


def build_courier(company: Company, period: Period, params: dict[str, Any]) -> dict[str, Any]:
    courier = params["courier"]
    row = courier_performance(company=company, period=period, courier=courier)[0]
    daily = courier_daily(company=company, period=period, courier=courier)
    reasons = dict(FailReason.choices)
    reason_labels, reason_values = _label_values(row.failures_by_reason, reasons)
    return {
        "courier": courier,
        "row": row,
        "row_list": [row],
        "daily_chart": charts.line_chart(
            title=_("Deliveries and failures per day"),
            labels=[day.strftime("%m-%d") for day, _n, _f in daily],
            series=[
                charts.Series(_("Delivered"), [n for _d, n, _f in daily]),
                charts.Series(_("Failures"), [f for _d, _n, f in daily]),
            ],
        ),
        "reasons_chart": charts.pareto_chart(
            title=_("Failures by reason"), labels=reason_labels, values=reason_values
        ),
        "reasons": [
            (reasons.get(k, k), v)
            for k, v in sorted(row.failures_by_reason.items(), key=lambda kv: -kv[1])
        ],
        "tables": tables.courier_tables([row], courier.user.display_name),
    }


def build_failures(company: Company, period: Period, params: dict[str, Any]) -> dict[str, Any]:
    analysis = failure_analysis(company=company, period=period)
    sections = {
        "failed": tables.breakdown_rows("failed", analysis.failed),
        "cancelled": tables.breakdown_rows("cancelled", analysis.cancelled),
    }
    return {
        "analysis": analysis,
        "sections": [
            (
                kind,
                title,
                [(tables.BREAKDOWN_TITLES[name], rows) for name, rows in sections[kind].items()],
                _pareto(title, sections[kind]["reasons"]),
            )
            for kind, title in (
                ("failed", _("Failed deliveries")),
                ("cancelled", _("Cancellations")),
            )
        ],
        "hours_chart": charts.bar_chart(
            title=_("Failures by hour of day"),
            labels=[
                row.label for row in sorted(sections["failed"]["hours"], key=lambda r: r.label)
            ],
            values=[
                row.count for row in sorted(sections["failed"]["hours"], key=lambda r: r.label)
            ],
        ),
        "tables": tables.failure_tables(sections),
    }


def _pareto(title: str, rows: list[tables.BreakdownRow]) -> Any:
    return charts.pareto_chart(
        title=title, labels=[row.label for row in rows], values=[row.count for row in rows]
    )


def build_failure_orders(
    company: Company, period: Period, params: dict[str, Any]
) -> dict[str, Any]:
    orders = list(failure_orders(company=company, period=period, filters=params))
    return {"orders": orders, "limit": DRILL_LIMIT, "tables": tables.order_table(orders)}


def build_products(company: Company, period: Period, params: dict[str, Any]) -> dict[str, Any]:
    ranking = product_ranking(company=company, period=period)
    mix = channel_mix(company=company, period=period)
    channels = dict(OrderChannel.choices)
    top = ranking[:12]
    return {
        "ranking": ranking,
        "mix": mix,
        "revenue_chart": charts.bar_chart(
            title=_("Revenue by product (yuan)"),
            labels=[row.name for row in top],
            values=[row.revenue_fen / 100 for row in top],
        ),
        "mix_chart": charts.line_chart(
            title=_("Orders by channel over time"),
            labels=[bucket.strftime("%m-%d") for bucket in mix.buckets],
            series=[charts.Series(str(channels.get(c, c)), v) for c, v in mix.counts.items()],
        ),
        "tables": tables.product_tables(ranking, mix),
    }


def build_customers(company: Company, period: Period, params: dict[str, Any]) -> dict[str, Any]:
    report = customer_report(company=company, period=period)
    churn = subscription_churn(company=company, period=period)
    segments = [(tables.SEGMENT_LABELS[k], n, spend) for k, (n, spend) in report.segments.items()]
    return {
        "report": report,
        "churn": churn,
        "segments": segments,
        "segment_chart": charts.bar_chart(
            title=_("Customers per segment"),
            labels=[_segment_name(label) for label, _n, _s in segments],
            values=[n for _l, n, _s in segments],
        ),
        "tables": tables.customer_tables(report),
    }


def build_forecast(company: Company, period: Period, params: dict[str, Any]) -> dict[str, Any]:
    tomorrow, rows = stock_outlook(company=company, period=period)
    top = sorted(rows, key=lambda r: -r.tomorrow)[:12]
    return {
        "tomorrow": tomorrow,
        "rows": rows,
        "low_rows": [row for row in rows if row.low],
        "chart": charts.bar_chart(
            title=_("Expected units tomorrow"),
            labels=[f"{row.depot} {row.product}" for row in top],
            values=[row.tomorrow for row in top],
        ),
        "tables": tables.stock_tables(rows),
    }


PAGES: dict[str, Page] = {
    page.key: page
    for page in [
        Page("dashboard", "reports/dashboard.html", 1, build_dashboard),
        Page("couriers", "reports/couriers.html", 7, build_couriers),
        Page("courier", "reports/courier.html", 7, build_courier),
        Page("failures", "reports/failures.html", 7, build_failures),
        Page("failure_orders", "reports/failure_orders.html", 7, build_failure_orders),
        Page("products", "reports/products.html", 30, build_products),
        Page("customers", "reports/customers.html", 30, build_customers),
        Page("forecast", "reports/forecast.html", 1, build_forecast),
    ]
}
# Pages about one object take its primary key in the URL.
OBJECT_PAGES = frozenset({"courier"})


def _segment_name(label: object) -> str:
    """A segment's name without its rule ("核心客户：近 30 天…" → "核心客户")."""
    return re.split("[:：]", str(label), maxsplit=1)[0]
