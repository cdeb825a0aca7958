"""The period a report covers: whole service days in Shanghai time, optionally one depot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from apps.org.models import Depot


def start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def month_start(day: date) -> date:
    return day.replace(day=1)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    depot: Depot | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def since(self) -> datetime:
        return start_of(self.start)

    @property
    def until(self) -> datetime:
        """The first moment after the period (exclusive bound)."""
        return start_of(self.end + timedelta(days=1))

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(
            start=self.start - timedelta(days=self.days),
            end=self.start - timedelta(days=1),
            depot=self.depot,
        )

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]


def yesterday() -> Period:
    day = timezone.localdate() - timedelta(days=1)
    return Period(start=day, end=day)
