"""Delivery windows a dispatcher picks from: ASAP, today's two-hour slots, tomorrow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

SLOT_HOURS = 2
DAY_STARTS = time(8, 0)
DAY_ENDS = time(20, 0)


@dataclass(frozen=True)
class Window:
    key: str
    label: str
    start: datetime
    end: datetime


def _at(day: datetime, clock: time) -> datetime:
    return timezone.make_aware(datetime.combine(day.date(), clock))


def window_choices(*, now: datetime | None = None, asap_minutes: int = 120) -> list[Window]:
    now = timezone.localtime(now or timezone.now())
    opening = _at(now, DAY_STARTS)
    closing = _at(now, DAY_ENDS)
    asap = timedelta(minutes=asap_minutes)
    # Nobody delivers before the first slot or after the last: "as soon as possible"
    # then means from the next opening (tomorrow once the day is over).
    if now < opening:
        choices = [Window("asap", _("Today, as soon as possible"), opening, opening + asap)]
    elif now < closing:
        choices = [Window("asap", _("Today, as soon as possible"), now, now + asap)]
    else:
        first = _at(now + timedelta(days=1), DAY_STARTS)
        label = _("Tomorrow, as soon as possible (from %(start)s)") % {"start": f"{first:%H:%M}"}
        choices = [Window("asap", label, first, first + asap)]
    slot = opening
    while slot < closing:
        end = slot + timedelta(hours=SLOT_HOURS)
        if end > now + timedelta(minutes=30):
            label = _("Today %(start)s–%(end)s") % {
                "start": f"{slot:%H:%M}",
                "end": f"{end:%H:%M}",
            }
            choices.append(Window(f"today-{slot:%H}", label, slot, end))
        slot = end
    tomorrow = now + timedelta(days=1)
    choices += [
        Window(
            "tomorrow-am",
            _("Tomorrow morning (08:00–12:00)"),
            _at(tomorrow, time(8)),
            _at(tomorrow, time(12)),
        ),
        Window(
            "tomorrow-pm",
            _("Tomorrow afternoon (13:00–17:00)"),
            _at(tomorrow, time(13)),
            _at(tomorrow, time(17)),
        ),
        Window(
            "tomorrow-eve",
            _("Tomorrow evening (17:00–20:00)"),
            _at(tomorrow, time(17)),
            _at(tomorrow, time(20)),
        ),
    ]
    return choices


def window_by_key(
    key: str, *, now: datetime | None = None, asap_minutes: int = 120
) -> Window | None:
    return next(
        (w for w in window_choices(now=now, asap_minutes=asap_minutes) if w.key == key), None
    )
