from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.subscriptions.schedule import (
    Change,
    ChangeKind,
    Every,
    Kind,
    Rule,
    Term,
    is_paused,
    month_grid,
    plan_days,
)

starts = st.dates(min_value=date(2023, 12, 1), max_value=date(2028, 3, 31))
every = st.sampled_from(list(Every))
weekdays = st.frozensets(st.integers(0, 6), min_size=1)
month_days = st.frozensets(st.integers(1, 31), min_size=1)


@st.composite
def rules(draw: st.DrawFn) -> Rule:
    return Rule(
        every=draw(every),
        start=draw(starts),
        weekdays=draw(weekdays),
        interval=draw(st.integers(1, 9)),
        month_days=draw(month_days),
    )


@st.composite
def skips_and_pauses(draw: st.DrawFn, start: date) -> list[Change]:
    offsets = draw(st.lists(st.integers(0, 90), max_size=12))
    changes = []
    for offset in offsets:
        day = start + timedelta(days=offset)
        if draw(st.booleans()):
            changes.append(Change(ChangeKind.SKIP, day))
        else:
            changes.append(
                Change(ChangeKind.PAUSE, day, day + timedelta(days=draw(st.integers(0, 9))))
            )
    return changes


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule=rules(), data=st.data())
def test_a_calendar_never_delivers_on_a_skipped_or_paused_day(
    rule: Rule, data: st.DataObject
) -> None:
    changes = data.draw(skips_and_pauses(rule.start))
    days = plan_days(
        rule, changes, start=rule.start, until=rule.start + timedelta(days=120), term=Term()
    )
    skipped = {c.day for c in changes if c.kind == ChangeKind.SKIP}
    for planned in days:
        assert planned.day not in skipped
        assert not is_paused(changes, planned.day)
        assert rule.is_due(planned.day)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule=rules(), size=st.integers(1, 40), data=st.data())
def test_a_card_delivers_its_size_plus_the_make_ups(
    rule: Rule, size: int, data: st.DataObject
) -> None:
    changes = data.draw(skips_and_pauses(rule.start))
    make_ups = data.draw(st.lists(st.integers(0, 400), max_size=4))
    changes += [Change(ChangeKind.MAKE_UP, rule.start + timedelta(days=d)) for d in make_ups]
    until = rule.start + timedelta(days=2000)
    days = plan_days(rule, changes, start=rule.start, until=until, term=Term(remaining=size))
    assert sum(1 for p in days if p.counts) == size
    assert sum(p.deliveries for p in days) == size + len(make_ups)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=starts, length=st.integers(1, 60), data=st.data())
def test_postponed_days_come_back_after_the_end_of_a_range(
    start: date, length: int, data: st.DataObject
) -> None:
    rule = Rule(every=Every.DAY, start=start)
    end = start + timedelta(days=length - 1)
    moved = data.draw(st.sets(st.integers(0, length - 1), max_size=length))
    changes = [Change(ChangeKind.POSTPONE, start + timedelta(days=d)) for d in moved]
    days = plan_days(rule, changes, start=start, until=end + timedelta(days=90), term=Term(end=end))
    assert len(days) == length
    assert sum(1 for p in days if p.kind == Kind.EXTENSION) == len(moved)


def test_month_days_past_the_end_of_a_short_month_fall_on_its_last_day() -> None:
    rule = Rule(every=Every.MONTH_DAYS, start=date(2028, 1, 1), month_days=frozenset({31}))
    days = plan_days(rule, [], start=date(2028, 1, 1), until=date(2028, 4, 30), term=Term())
    assert [p.day for p in days] == [
        date(2028, 1, 31),
        date(2028, 2, 29),
        date(2028, 3, 31),
        date(2028, 4, 30),
    ]


def test_every_other_day_counts_from_the_start_across_a_leap_day() -> None:
    rule = Rule(every=Every.OTHER_DAY, start=date(2028, 2, 27))
    days = plan_days(rule, [], start=date(2028, 2, 27), until=date(2028, 3, 4), term=Term())
    assert [p.day for p in days] == [
        date(2028, 2, 27),
        date(2028, 2, 29),
        date(2028, 3, 2),
        date(2028, 3, 4),
    ]


def test_a_resume_ends_a_pause_early() -> None:
    start = date(2027, 1, 1)
    rule = Rule(every=Every.DAY, start=start)
    changes = [
        Change(ChangeKind.PAUSE, date(2027, 1, 2), date(2027, 1, 20)),
        Change(ChangeKind.RESUME, date(2027, 1, 5)),
    ]
    days = plan_days(rule, changes, start=start, until=date(2027, 1, 6), term=Term())
    assert [p.day.day for p in days] == [1, 5, 6]


def test_swap_quantity_and_extra_shape_a_day() -> None:
    start = date(2027, 1, 4)  # a Monday
    rule = Rule(every=Every.CHOSEN_WEEKDAYS, start=start, weekdays=frozenset({0}))
    changes = [
        Change(ChangeKind.SWAP, start, product_id=7),
        Change(ChangeKind.QUANTITY, start, quantity=3),
        Change(ChangeKind.EXTRA, start + timedelta(days=2)),
    ]
    days = plan_days(rule, changes, start=start, until=start + timedelta(days=6), term=Term())
    assert [(p.day, p.kind, p.quantity, p.product_id) for p in days] == [
        (start, Kind.REGULAR, 3, 7),
        (start + timedelta(days=2), Kind.EXTRA, None, None),
    ]


def test_a_month_grid_starts_on_monday() -> None:
    weeks = month_grid(2028, 2)
    assert weeks[0][:2] == [None, date(2028, 2, 1)]  # 1 Feb 2028 is a Tuesday
    assert date(2028, 2, 29) in weeks[-1]
