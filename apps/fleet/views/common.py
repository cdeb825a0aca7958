from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from apps.fleet.selectors.courier import courier_day_stops
from apps.org.access import section_required


@section_required("courier")
def courier_today(request: HttpRequest) -> HttpResponse:
    staff = request.staff  # type: ignore[attr-defined]
    stops = courier_day_stops(courier=staff, day=timezone.localdate())
    return render(request, "fleet/courier_today.html", {"staff": staff, "stops": stops})
