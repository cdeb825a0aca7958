"""Quiet hours: a daily period (which may cross midnight) when non-urgent messages wait."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone


def quiet_until(moment: datetime, *, start: time, end: time) -> datetime | None:
    """The end of the quiet period ``moment`` falls in, or None when it is not quiet.

    ``start == end`` means no quiet hours. Times are the server's local time
    (``TIME_ZONE``), like the hours the owner typed.
    """
    if start == end:
        return None
    local = timezone.localtime(moment)
    clock = local.time()
    day = local.date()
    if start < end:
        if not start <= clock < end:
            return None
    elif clock >= start:
        day += timedelta(days=1)
    elif clock >= end:
        return None
    return timezone.make_aware(datetime.combine(day, end))
