"""Demand forecast and run-out estimates: plain Python, no Django.

Daily units of one product at one depot are modelled as

    expected(day) = level × weekday_factor[day.weekday()] × (holiday_factor if holiday)

``level`` is an exponentially weighted mean of the de-seasonalised history (the
most recent weeks count most), ``weekday_factor`` the mean of each weekday over
the overall mean, and ``holiday_factor`` the ratio of holiday days to their
ordinary expectation, when the history holds holidays (1.0 otherwise). The model
is small enough to explain to an owner: "a normal Tuesday is 1.1 times an
average day, and the average day lately is 42 buckets".

A household runs out when the units of its last delivery are used up at its
usual pace: the median days between its deliveries per unit received.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

DEFAULT_ALPHA = 0.15
MIN_DAYS_FOR_WEEKDAYS = 14


@dataclass(frozen=True)
class DailyUnits:
    day: date
    units: float


@dataclass(frozen=True)
class Model:
    level: float
    weekday_factors: tuple[float, ...]  # Monday first, 7 values
    holiday_factor: float

    def predict(self, day: date, holidays: Collection[date] = ()) -> float:
        value = self.level * self.weekday_factors[day.weekday()]
        if day in holidays:
            value *= self.holiday_factor
        return max(0.0, value)


@dataclass(frozen=True)
class Backtest:
    days: int
    mae: float
    mape: float  # percent, over days with demand


def _filled(history: Sequence[DailyUnits]) -> list[DailyUnits]:
    """Every day from the first to the last, missing days as zero units."""
    if not history:
        return []
    by_day = {point.day: point.units for point in history}
    first, last = min(by_day), max(by_day)
    return [
        DailyUnits(first + timedelta(days=i), by_day.get(first + timedelta(days=i), 0.0))
        for i in range((last - first).days + 1)
    ]


def fit(
    history: Sequence[DailyUnits],
    *,
    holidays: Collection[date] = (),
    alpha: float = DEFAULT_ALPHA,
) -> Model:
    days = _filled(history)
    ordinary = [p for p in days if p.day not in holidays]
    if not ordinary:
        return Model(level=0.0, weekday_factors=(1.0,) * 7, holiday_factor=1.0)
    mean = statistics.fmean(p.units for p in ordinary)
    factors = _weekday_factors(ordinary, mean)
    level = ordinary[0].units / factors[ordinary[0].day.weekday()]
    for point in ordinary[1:]:
        level = alpha * (point.units / factors[point.day.weekday()]) + (1 - alpha) * level
    holiday_factor = _holiday_factor([p for p in days if p.day in holidays], level, factors)
    return Model(level=level, weekday_factors=factors, holiday_factor=holiday_factor)


def _weekday_factors(ordinary: Sequence[DailyUnits], mean: float) -> tuple[float, ...]:
    if mean <= 0 or len(ordinary) < MIN_DAYS_FOR_WEEKDAYS:
        return (1.0,) * 7
    factors = []
    for weekday in range(7):
        values = [p.units for p in ordinary if p.day.weekday() == weekday]
        factor = statistics.fmean(values) / mean if values else 1.0
        factors.append(max(factor, 0.05))
    return tuple(factors)


def _holiday_factor(
    holiday_days: Sequence[DailyUnits], level: float, factors: Sequence[float]
) -> float:
    expected = sum(level * factors[p.day.weekday()] for p in holiday_days)
    if not holiday_days or expected <= 0:
        return 1.0
    return sum(p.units for p in holiday_days) / expected


def forecast(
    history: Sequence[DailyUnits],
    days: Sequence[date],
    *,
    holidays: Collection[date] = (),
    alpha: float = DEFAULT_ALPHA,
) -> list[float]:
    model = fit(history, holidays=holidays, alpha=alpha)
    return [model.predict(day, holidays) for day in days]


def backtest(
    history: Sequence[DailyUnits],
    *,
    test_days: int = 28,
    holidays: Collection[date] = (),
    alpha: float = DEFAULT_ALPHA,
) -> Backtest:
    """Walk forward over the last ``test_days``: fit on everything before each day, predict it."""
    days = _filled(history)
    errors: list[float] = []
    relative: list[float] = []
    for index in range(max(1, len(days) - test_days), len(days)):
        model = fit(days[:index], holidays=holidays, alpha=alpha)
        actual = days[index].units
        error = abs(model.predict(days[index].day, holidays) - actual)
        errors.append(error)
        if actual > 0:
            relative.append(error / actual)
    return Backtest(
        days=len(errors),
        mae=statistics.fmean(errors) if errors else 0.0,
        mape=100.0 * statistics.fmean(relative) if relative else 0.0,
    )


# --- households --------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    day: date
    units: int


@dataclass(frozen=True)
class RunOut:
    last_delivery: date
    days_per_unit: float
    runs_out_on: date


def run_out(deliveries: Sequence[Delivery], *, min_deliveries: int = 3) -> RunOut | None:
    """When a household's last delivery will be used up, from its own pace; None if unknown.

    The pace is the median over consecutive deliveries of (days between them ÷ units
    of the earlier one), robust to one holiday or one bulk order.
    """
    ordered = sorted((d for d in deliveries if d.units > 0), key=lambda d: d.day)
    merged: list[Delivery] = []
    for one in ordered:
        if merged and merged[-1].day == one.day:
            merged[-1] = Delivery(one.day, merged[-1].units + one.units)
        else:
            merged.append(one)
    if len(merged) < min_deliveries:
        return None
    paces = [(later.day - earlier.day).days / earlier.units for earlier, later in pairwise(merged)]
    pace = statistics.median(paces)
    if pace <= 0:
        return None
    last = merged[-1]
    return RunOut(
        last_delivery=last.day,
        days_per_unit=pace,
        runs_out_on=last.day + timedelta(days=round(pace * last.units)),
    )
