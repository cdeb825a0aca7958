"""Sections of the back office that are announced before they are built."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def section_placeholder(
    request: HttpRequest, *, section: object, template: str | None = None
) -> HttpResponse:
    return render(request, template or "core/section_placeholder.html", {"section": section})
