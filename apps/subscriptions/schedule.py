"""Which days a subscription delivers on, and what comes: a pure module, no database.

A plan's *rule* names the due days (every day, every other day, weekdays,
chosen weekdays, every N days, chosen days of the month), counted from the
subscription's start. The customer's *changes* then apply, oldest first:

- ``skip`` a day, ``pause`` a range of days, ``resume`` (ends every pause from
  that day on), ``swap`` the product of one day, ``quantity`` for one day or a
  range, ``extra`` (one delivery on a day that is not due), ``postpone`` (one
  delivery moves to the end of the term), ``make_up`` (a delivery owed for a
  failed one).

The *term* bounds the result: a card holds ``remaining`` deliveries (make-ups do
not count, they replace a delivery that never arrived); a date range ends on
``term_end``, and each postponed delivery (and each skipped one, when skipped
days extend the term) is added on the next due days after it.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum


class Every(StrEnum):
    DAY = "daily"
    OTHER_DAY = "every_other_day"
    WEEKDAY = "weekdays"
    CHOSEN_WEEKDAYS = "chosen_weekdays"
    N_DAYS = "every_n_days"
    MONTH_DAYS = "month_days"


class ChangeKind(StrEnum):
    SKIP = "skip"
    PAUSE = "pause"
    RESUME = "resume"
    SWAP = "swap"
    QUANTITY = "quantity"
    EXTRA = "extra"
    POSTPONE = "postpone"
    MAKE_UP = "make_up"


class Kind(StrEnum):
    REGULAR = "regular"
    EXTRA = "extra"
    EXTENSION = "extension"
    MAKE_UP = "make_up"


@dataclass(frozen=True)
class Rule:
    every: Every
    start: date
    weekdays: frozenset[int] = frozenset()  # 0 = Monday
    interval: int = 1
    month_days: frozenset[int] = frozenset()  # 31 means the month's last day too

    def is_due(self, day: date) -> bool:
        if day < self.start:
            return False
        if self.every == Every.DAY:
            return True
        if self.every == Every.OTHER_DAY:
            return (day - self.start).days % 2 == 0
        if self.every == Every.N_DAYS:
            return (day - self.start).days % max(self.interval, 1) == 0
        if self.every == Every.WEEKDAY:
            return day.weekday() < 5
        if self.every == Every.CHOSEN_WEEKDAYS:
            return day.weekday() in self.weekdays
        last = _calendar.monthrange(day.year, day.month)[1]
        return day.day in self.month_days or (
            day.day == last and any(d > last for d in self.month_days)
        )


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    day: date
    until: date | None = None  # last day of a range (pause, quantity)
    quantity: int | None = None
    product_id: int | None = None

    @property
    def last(self) -> date:
        return self.until or self.day

    def covers(self, day: date) -> bool:
        return self.day <= day <= self.last


@dataclass(frozen=True)
class Planned:
    """One day's delivery: the regular one (or an extra or extension) and any make-ups."""

    day: date
    kind: Kind
    quantity: int | None = None  # per delivery; None: the plan's quantities
    product_id: int | None = None  # None: the plan's products
    make_ups: int = 0

    @property
    def counts(self) -> bool:
        """Whether it uses up one of the term's deliveries (a make-up only replaces one)."""
        return self.kind != Kind.MAKE_UP

    @property
    def deliveries(self) -> int:
        return int(self.counts) + self.make_ups


@dataclass(frozen=True)
class Term:
    remaining: int | None = None  # deliveries left on a card
    end: date | None = None  # last day of a date range
    extend_on_skip: bool = False


@dataclass
class _Day:
    due: bool
    stopped: bool = False  # skipped, paused or postponed
    postponed: bool = False
    extra: bool = False
    make_ups: int = 0
    quantity: int | None = None
    product_id: int | None = None
    notes: list[str] = field(default_factory=list)


def _pauses(changes: Sequence[Change]) -> list[tuple[date, date]]:
    """Pause ranges as cut by later resumes."""
    ranges: list[tuple[date, date]] = []
    for change in changes:
        if change.kind == ChangeKind.PAUSE:
            ranges.append((change.day, change.last))
        elif change.kind == ChangeKind.RESUME:
            ranges = [
                (start, min(end, change.day - timedelta(days=1)))
                for start, end in ranges
                if start < change.day
            ]
    return ranges


def is_paused(changes: Sequence[Change], day: date) -> bool:
    return any(start <= day <= end for start, end in _pauses(changes))


def _day(rule: Rule, changes: Sequence[Change], pauses: list[tuple[date, date]], day: date) -> _Day:
    state = _Day(due=rule.is_due(day))
    if any(start <= day <= end for start, end in pauses):
        state.stopped = True
    for change in changes:
        if not change.covers(day):
            continue
        if change.kind == ChangeKind.SKIP:
            state.stopped = True
        elif change.kind == ChangeKind.POSTPONE:
            state.stopped = state.postponed = True
        elif change.kind == ChangeKind.EXTRA:
            state.extra = True
        elif change.kind == ChangeKind.MAKE_UP:
            state.make_ups += 1
        elif change.kind == ChangeKind.SWAP:
            state.product_id = change.product_id
        elif change.kind == ChangeKind.QUANTITY:
            state.quantity = change.quantity
    return state


def plan_days(
    rule: Rule,
    changes: Iterable[Change],
    *,
    start: date,
    until: date,
    term: Term,
) -> list[Planned]:
    """The deliveries from ``start`` to ``until`` (both included), in day order."""
    ordered = list(changes)
    pauses = _pauses(ordered)
    left = term.remaining
    owed = 0  # deliveries moved past the end of a date range
    result: list[Planned] = []
    for day in _days(start, until):
        state = _day(rule, ordered, pauses, day)
        after_end = term.end is not None and day > term.end
        regular = state.due and not state.stopped
        if state.due and state.stopped and not after_end:
            owed += int(state.postponed or term.extend_on_skip)
        kind: Kind | None = None
        if (regular or state.extra) and (left is None or left > 0):
            if not after_end:
                kind = Kind.REGULAR if regular else Kind.EXTRA
            elif regular and owed > 0:
                owed -= 1
                kind = Kind.EXTENSION
        if kind is not None and left is not None:
            left -= 1
        if kind is None and state.make_ups:
            kind = Kind.MAKE_UP
        if kind is not None:
            result.append(Planned(day, kind, state.quantity, state.product_id, state.make_ups))
    return result


def _days(start: date, until: date) -> Iterator[date]:
    day = start
    while day <= until:
        yield day
        day += timedelta(days=1)


def planned_on(rule: Rule, changes: Iterable[Change], day: date, *, term: Term) -> list[Planned]:
    """What one day brings, for a term that is not a card (a card needs its balance instead).

    Only a date range past its end needs the days before (for the deliveries owed);
    everything else is decided by the day alone.
    """
    ordered = list(changes)
    if term.end is not None and day > term.end:
        return [
            p
            for p in plan_days(rule, ordered, start=rule.start, until=day, term=term)
            if p.day == day
        ]
    return plan_days(rule, ordered, start=day, until=day, term=Term(extend_on_skip=False))


def month_grid(year: int, month: int) -> list[list[date | None]]:
    """The month as weeks (Monday first), days outside the month as None."""
    weeks = _calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return [[d if d.month == month else None for d in week] for week in weeks]
