"""Each report as plain tables: what the exports write and the pages' tables show."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.money import fen_to_yuan
from apps.orders.models import (
    CancelReason,
    FailReason,
    Order,
    OrderChannel,
    OrderStatus,
    PaymentIntent,
)
from apps.reports.exports import Table
from apps.reports.selectors.common import rate
from apps.reports.selectors.couriers import CourierRow
from apps.reports.selectors.customers import CustomerReport
from apps.reports.selectors.dashboard import Dashboard, PeriodFigures
from apps.reports.selectors.failures import Breakdown
from apps.reports.selectors.products import ChannelMix, ProductRow
from apps.reports.selectors.stock import StockRow


def yuan(fen: int) -> float:
    return float(fen_to_yuan(fen))


def _period_label(dash: Dashboard) -> str:
    return f"{dash.period.start.isoformat()} – {dash.period.end.isoformat()}"


def dashboard_summary_rows(dash: Dashboard) -> list[tuple[str, object, object]]:
    cur, prev = dash.current, dash.previous
    return [
        (_("Orders"), cur.orders, prev.orders),
        (_("Units"), cur.units, prev.units),
        (_("Delivered"), cur.delivered, prev.delivered),
        (_("On-time rate (%)"), cur.on_time_rate, prev.on_time_rate),
        (_("Failed rate (%)"), cur.failed_rate, prev.failed_rate),
        (_("Cancelled rate (%)"), cur.cancelled_rate, prev.cancelled_rate),
        (_("Revenue (yuan)"), yuan(cur.revenue_fen), yuan(prev.revenue_fen)),
    ]


def _split(figures: PeriodFigures, which: str, labels: dict[str, Any]) -> list[list[object]]:
    data = figures.by_status if which == "status" else figures.by_channel
    return [[labels.get(key, key), n, units] for key, (n, units) in sorted(data.items())]


def dashboard_tables(dash: Dashboard) -> list[Table]:
    cur = dash.current
    liab = dash.liabilities
    statuses = dict(OrderStatus.choices)
    channels = dict(OrderChannel.choices)
    payments = dict(PaymentIntent.choices)
    return [
        Table(
            _("Summary %(period)s") % {"period": _period_label(dash)},
            [_("figure"), _("this period"), _("previous period")],
            list(dashboard_summary_rows(dash)),
        ),
        Table(
            _("By status"), [_("status"), _("orders"), _("units")], _split(cur, "status", statuses)
        ),  # type: ignore[arg-type]
        Table(
            _("By channel"),
            [_("channel"), _("orders"), _("units")],
            _split(cur, "channel", channels),
        ),  # type: ignore[arg-type]
        Table(
            _("Revenue by payment"),
            [_("payment"), _("revenue (yuan)")],
            [[payments.get(k, k), yuan(v)] for k, v in sorted(cur.revenue_by_payment.items())],
        ),
        Table(
            _("Daily trend"),
            [_("day"), _("orders"), _("delivered"), _("revenue (yuan)")],
            [[p.day.isoformat(), p.orders, p.delivered, yuan(p.revenue_fen)] for p in dash.trend],
        ),
        Table(
            _("Outstanding"),
            [_("figure"), _("value")],
            [
                [_("Cash with couriers (yuan)"), yuan(liab.courier_cash_fen)],
                [_("Receivables (yuan)"), yuan(liab.receivables_fen)],
                [_("Unused tickets (yuan)"), yuan(liab.ticket_liability_fen)],
                [_("Unused tickets"), liab.tickets_outstanding],
                [_("Deposits held (yuan)"), yuan(liab.deposits_fen)],
                [_("Containers at customers"), liab.containers_out],
                [_("Containers owed"), liab.containers_owed],
                [_("Open complaints"), dash.complaints.open],
                [_("Overdue complaints"), dash.complaints.overdue],
                [_("Active subscriptions"), dash.subscriptions.active],
                [_("Renewals due"), dash.subscriptions.renewals_due],
            ],
        ),
    ]


def courier_columns() -> list[str]:
    return [
        _("courier"),
        _("deliveries"),
        _("units"),
        _("floors carried (unit × floor)"),
        _("on-time rate (%)"),
        _("failures"),
        _("minutes per stop"),
        _("planned km"),
        _("driven km"),
        _("cash collected (yuan)"),
        _("hand-over differences"),
        _("difference (yuan)"),
        _("complaints"),
        _("commission (yuan)"),
    ]


def courier_cells(row: CourierRow) -> list[object]:
    return [
        row.courier.user.display_name,
        row.deliveries,
        row.units,
        row.floor_units,
        row.on_time_rate,
        row.failures,
        row.minutes_per_stop,
        row.planned_km,
        row.driven_km,
        yuan(row.collected_fen),
        row.discrepancies,
        yuan(row.discrepancy_fen),
        row.complaints,
        None if row.commission_fen is None else yuan(row.commission_fen),
    ]


def courier_tables(rows: list[CourierRow], title: str) -> list[Table]:
    reasons = dict(FailReason.choices)
    return [
        Table(title, courier_columns(), [courier_cells(row) for row in rows]),
        Table(
            _("Failures by reason"),
            [_("courier"), _("reason"), _("failures")],
            [
                [row.courier.user.display_name, reasons.get(reason, reason), n]
                for row in rows
                for reason, n in sorted(row.failures_by_reason.items(), key=lambda kv: -kv[1])
            ],
        ),
    ]


@dataclass(frozen=True)
class BreakdownRow:
    label: str
    count: int
    share: float | None
    drill: str  # query string that narrows the drill-down to this row


def breakdown_rows(kind: str, breakdown: Breakdown) -> dict[str, list[BreakdownRow]]:
    """Each breakdown of one kind (failed or cancelled), largest first, with its drill-down."""
    reasons = dict(FailReason.choices if kind == "failed" else CancelReason.choices)
    channels = dict(OrderChannel.choices)
    total = breakdown.total

    def rows(counter: Counter[Any], label: Any, drill: Any) -> list[BreakdownRow]:
        return [
            BreakdownRow(label(key), n, rate(n, total), urlencode({"kind": kind, **drill(key)}))
            for key, n in counter.most_common()
        ]

    return {
        "reasons": rows(breakdown.reasons, lambda k: reasons.get(k, k), lambda k: {"reason": k}),
        "couriers": rows(breakdown.couriers, lambda k: k[1], lambda k: {"courier": k[0]}),
        "areas": rows(breakdown.areas, lambda k: k or "—", lambda k: {"area": k}),
        "hours": rows(breakdown.hours, lambda k: f"{k:02d}:00", lambda k: {"hour": k}),
        "channels": rows(
            breakdown.channels, lambda k: channels.get(k, k), lambda k: {"channel": k}
        ),
    }


BREAKDOWN_TITLES = {
    "reasons": gettext_lazy("By reason"),
    "couriers": gettext_lazy("By courier"),
    "areas": gettext_lazy("By area"),
    "hours": gettext_lazy("By hour of day"),
    "channels": gettext_lazy("By channel"),
}


def failure_tables(sections: dict[str, dict[str, list[BreakdownRow]]]) -> list[Table]:
    kinds = {"failed": _("Failed deliveries"), "cancelled": _("Cancellations")}
    return [
        Table(
            f"{kinds[kind]} · {BREAKDOWN_TITLES[name]}",
            [str(BREAKDOWN_TITLES[name]), _("count"), _("share (%)")],
            [[row.label, row.count, row.share] for row in rows],
        )
        for kind, breakdowns in sections.items()
        for name, rows in breakdowns.items()
    ]


def order_table(orders: list[Order]) -> list[Table]:
    statuses = dict(OrderStatus.choices)
    channels = dict(OrderChannel.choices)
    return [
        Table(
            _("Orders"),
            [
                _("order"),
                _("day"),
                _("customer"),
                _("area"),
                _("channel"),
                _("status"),
                _("reason"),
                _("courier"),
                _("total (yuan)"),
            ],
            [
                [
                    order.number,
                    timezone.localtime(order.window_start).date().isoformat(),
                    order.customer.name,
                    order.address.district,
                    channels.get(order.channel, order.channel),
                    statuses.get(order.status, order.status),
                    order.get_fail_reason_display() or order.get_cancel_reason_display(),
                    order.courier.user.display_name if order.courier else "",
                    yuan(order.total_fen),
                ]
                for order in orders
            ],
        )
    ]


def product_tables(ranking: list[ProductRow], mix: ChannelMix) -> list[Table]:
    channels = dict(OrderChannel.choices)
    return [
        Table(
            _("Products"),
            [
                _("product"),
                _("units"),
                _("revenue (yuan)"),
                _("list price (yuan)"),
                _("realised price (yuan)"),
                _("realised vs list (%)"),
            ],
            [
                [
                    row.name,
                    row.units,
                    yuan(row.revenue_fen),
                    yuan(row.list_price_fen),
                    None if row.realised_price_fen is None else yuan(row.realised_price_fen),
                    row.realised_vs_list,
                ]
                for row in ranking
            ],
        ),
        Table(
            _("Channel mix"),
            [_("week") if mix.weekly else _("day"), *[channels.get(c, c) for c in mix.counts]],
            [
                [bucket.isoformat(), *[mix.counts[c][i] for c in mix.counts]]
                for i, bucket in enumerate(mix.buckets)
            ],
        ),
    ]


SEGMENT_LABELS = {
    "champion": gettext_lazy("Champions: ordered in the last 30 days, 10+ orders"),
    "loyal": gettext_lazy("Loyal: ordered in the last 60 days, 4+ orders"),
    "new": gettext_lazy("New: first order in the last 30 days"),
    "at_risk": gettext_lazy("At risk: 4+ orders, silent for over 60 days"),
    "lost": gettext_lazy("Lost: silent for over 180 days"),
    "occasional": gettext_lazy("Occasional: everyone else"),
}


def customer_tables(report: CustomerReport) -> list[Table]:
    return [
        Table(
            _("Segments"),
            [_("segment"), _("customers"), _("spend (yuan)")],
            [[str(SEGMENT_LABELS[k]), n, yuan(spend)] for k, (n, spend) in report.segments.items()],
        ),
        Table(
            _("New and returning"),
            [_("figure"), _("customers")],
            [[_("New"), report.new], [_("Returning"), report.returning]],
        ),
        Table(
            _("Dormant customers"),
            [
                _("customer"),
                _("phone"),
                _("orders"),
                _("usual interval (days)"),
                _("silent for (days)"),
                _("last order"),
                _("spend (yuan)"),
            ],
            [
                [
                    d.activity.name,
                    d.phone,
                    d.activity.orders,
                    d.usual_days,
                    d.silent_days,
                    d.activity.last.isoformat(),
                    yuan(d.activity.spend_fen),
                ]
                for d in report.dormant
            ],
        ),
        Table(
            _("About to run out"),
            [_("customer"), _("phone"), _("last delivery"), _("days per unit"), _("runs out on")],
            [
                [
                    r.name,
                    r.phone,
                    r.last_delivery.isoformat(),
                    r.days_per_unit,
                    r.runs_out_on.isoformat(),
                ]
                for r in report.running_out
            ],
        ),
    ]


def stock_tables(rows: list[StockRow]) -> list[Table]:
    return [
        Table(
            _("Demand and stock"),
            [
                _("depot"),
                _("product"),
                _("stock"),
                _("low-stock threshold"),
                _("expected tomorrow"),
                _("booked tomorrow"),
                _("expected next 7 days"),
                _("suggested supplier order"),
                _("low"),
                _("forecast error (MAPE %)"),
            ],
            [
                [
                    row.depot,
                    row.product,
                    row.stock,
                    row.threshold,
                    row.tomorrow,
                    row.tomorrow_booked,
                    row.week,
                    row.suggested_order,
                    _("yes") if row.low else "",
                    row.backtest_mape,
                ]
                for row in rows
            ],
        )
    ]
