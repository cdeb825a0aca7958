"""The forecast and the run-out estimate, without a database."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from apps.reports.forecast import (
    DailyUnits,
    Delivery,
    backtest,
    fit,
    forecast,
    run_out,
)

WEEKLY = (1.0, 1.1, 1.0, 0.9, 1.2, 1.5, 0.8)  # Monday first
START = date(2025, 1, 6)  # a Monday
MAPE_BOUND = 12.0  # percent, with ±10 % daily noise


def weekly_series(
    weeks: int, *, base: float = 40, noise: float = 0.1, seed: int = 7
) -> list[DailyUnits]:
    rng = random.Random(seed)
    days = [START + timedelta(days=i) for i in range(weeks * 7)]
    return [
        DailyUnits(day, round(base * WEEKLY[day.weekday()] * (1 + rng.uniform(-noise, noise))))
        for day in days
    ]


def test_the_model_learns_the_weekly_pattern() -> None:
    model = fit(weekly_series(12, noise=0))
    assert model.weekday_factors[5] / model.weekday_factors[6] == pytest.approx(1.5 / 0.8, rel=0.03)
    assert model.level == pytest.approx(40 * sum(WEEKLY) / 7, rel=0.03)


def test_backtest_error_on_a_noisy_weekly_series_stays_under_the_bound() -> None:
    result = backtest(weekly_series(16), test_days=28)
    assert result.days == 28
    assert result.mape < MAPE_BOUND
    assert result.mae < 40 * MAPE_BOUND / 100


def test_the_weekday_model_beats_a_plain_average() -> None:
    history = weekly_series(16)
    train, test = history[:-28], history[-28:]
    mean = sum(p.units for p in train) / len(train)
    plain_mape = 100 * sum(abs(mean - p.units) / p.units for p in test) / len(test)
    assert backtest(history, test_days=28).mape < plain_mape / 2


def test_holidays_learn_their_own_factor() -> None:
    history = weekly_series(12, noise=0)
    holidays = {history[20].day, history[50].day}
    doubled = [DailyUnits(p.day, p.units * 2 if p.day in holidays else p.units) for p in history]
    model = fit(doubled, holidays=holidays)
    assert model.holiday_factor == pytest.approx(2.0, rel=0.1)
    next_holiday = history[-1].day + timedelta(days=7)
    plain, holiday = (
        forecast(doubled, [next_holiday], holidays=set()),
        forecast(doubled, [next_holiday], holidays=holidays | {next_holiday}),
    )
    assert holiday[0] == pytest.approx(2 * plain[0], rel=0.1)


def test_missing_days_count_as_no_demand_and_no_history_forecasts_zero() -> None:
    assert forecast([], [START]) == [0.0]
    sparse = [DailyUnits(START, 10), DailyUnits(START + timedelta(days=2), 10)]
    assert fit(sparse).level < 10


# --- run-out ---------------------------------------------------------------------------


def household(every_days: int, units: int, times: int, start: date = START) -> list[Delivery]:
    return [Delivery(start + timedelta(days=every_days * i), units) for i in range(times)]


def test_a_regular_household_runs_out_one_interval_after_its_last_delivery() -> None:
    estimate = run_out(household(7, 2, 5))
    assert estimate is not None
    assert estimate.days_per_unit == 3.5
    assert estimate.runs_out_on == START + timedelta(days=28 + 7)


def test_a_bigger_last_delivery_lasts_longer() -> None:
    history = [*household(10, 1, 4), Delivery(START + timedelta(days=40), 3)]
    estimate = run_out(history)
    assert estimate is not None and estimate.runs_out_on == START + timedelta(days=40 + 30)


def test_one_late_order_does_not_move_the_pace() -> None:
    history = [*household(6, 1, 5), Delivery(START + timedelta(days=24 + 20), 1)]
    estimate = run_out(history)
    assert estimate is not None and estimate.days_per_unit == 6


def test_too_little_history_gives_no_estimate() -> None:
    assert run_out(household(7, 1, 2)) is None
    assert run_out([Delivery(START, 1), Delivery(START, 1), Delivery(START, 2)]) is None
