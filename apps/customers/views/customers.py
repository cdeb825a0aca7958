from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from apps.core.placeholders import section_placeholder
from apps.org.access import section_required
from apps.org.navigation import SECTIONS_BY_KEY


@section_required("customers")
def customer_list(request: HttpRequest) -> HttpResponse:
    return section_placeholder(request, section=SECTIONS_BY_KEY["customers"])
