from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.core.placeholders import section_placeholder
from apps.org.access import section_required
from apps.org.navigation import SECTIONS_BY_KEY


@section_required("dispatch")
def board(request: HttpRequest) -> HttpResponse:
    return section_placeholder(request, section=SECTIONS_BY_KEY["dispatch"])


@section_required("fleet")
def index(request: HttpRequest) -> HttpResponse:
    return section_placeholder(request, section=SECTIONS_BY_KEY["fleet"])


@section_required("courier")
def courier_today(request: HttpRequest) -> HttpResponse:
    return render(request, "fleet/courier_today.html", {"staff": request.staff})  # type: ignore[attr-defined]
