"""Mainland China's statutory holidays (days off), which change ordering on those days.

The forecast learns how much a holiday changes demand from the holidays in its
history; the list has to be extended each December when the State Council
publishes the next year's calendar.
"""

from __future__ import annotations

from datetime import date, timedelta


def _days(first: date, count: int) -> set[date]:
    return {first + timedelta(days=i) for i in range(count)}


HOLIDAYS: frozenset[date] = frozenset(
    _days(date(2025, 1, 1), 1)
    | _days(date(2025, 1, 28), 8)
    | _days(date(2025, 4, 4), 3)
    | _days(date(2025, 5, 1), 5)
    | _days(date(2025, 5, 31), 3)
    | _days(date(2025, 10, 1), 8)
    | _days(date(2026, 1, 1), 3)
    | _days(date(2026, 2, 15), 9)
    | _days(date(2026, 4, 4), 3)
    | _days(date(2026, 5, 1), 5)
    | _days(date(2026, 6, 19), 3)
    | _days(date(2026, 9, 25), 3)
    | _days(date(2026, 10, 1), 7)
)
