"""A courier's rest break as route planning and dispatch both see it.

A shift has a break length, not a time: the break may start anywhere in a window
around the middle of the shift (an hour either way), as the planner's
:class:`~apps.fleet.planner.model.Break`. Once the courier has gone on break (the
shift records when), the break is no longer ahead of him; while he is on it, he is
available again when it is over.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from apps.fleet.models import Shift, ShiftStatus
from apps.fleet.planner.model import Break

BREAK_SLACK_S = 3600  # the break may move an hour either way from the middle of the shift
# How long a courier who goes on break without a planned break length is away.
UNPLANNED_BREAK = timedelta(minutes=30)


def clock_seconds(clock: time) -> int:
    return clock.hour * 3600 + clock.minute * 60 + clock.second


def break_ahead(shift: Shift, *, from_s: int | None = None) -> Break | None:
    """The break still to take, from ``from_s`` on; none if taken, under way or past."""
    if not shift.break_minutes or shift.break_started_at is not None:
        return None
    if shift.status == ShiftStatus.BREAK:
        return None
    duration = shift.break_minutes * 60
    start, end = clock_seconds(shift.starts_at), clock_seconds(shift.ends_at)
    middle = (start + end - duration) // 2
    earliest = max(start, middle - BREAK_SLACK_S)
    latest = max(earliest, min(end - duration, middle + BREAK_SLACK_S))
    if from_s is not None and from_s > latest:
        return None
    earliest = max(earliest, from_s or 0)
    return Break(earliest, max(earliest, latest), duration)


def break_over_at(shift: Shift, *, now: datetime) -> datetime | None:
    """When a courier on break now is back at work; None if he is not on break."""
    if shift.status != ShiftStatus.BREAK:
        return None
    length = timedelta(minutes=shift.break_minutes) if shift.break_minutes else UNPLANNED_BREAK
    return max(now, (shift.break_started_at or now) + length)
