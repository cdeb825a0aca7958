from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.org.access import section_required


@section_required("courier")
def courier_today(request: HttpRequest) -> HttpResponse:
    return render(request, "fleet/courier_today.html", {"staff": request.staff})  # type: ignore[attr-defined]
