from __future__ import annotations

from django.urls import URLPattern, path

from apps.fleet.views import courier

urlpatterns: list[URLPattern] = [
    path("courier/", courier.courier_today, name="courier_today"),
    path("courier/stops/<int:pk>/", courier.courier_stop_page, name="courier_stop"),
    path("courier/actions/", courier.courier_actions, name="courier_actions"),
    path("courier/problems/seen/", courier.courier_problems_seen, name="courier_problems_seen"),
    path("courier/shift/start/", courier.courier_shift_start, name="courier_shift_start"),
    path("courier/shift/break/", courier.courier_shift_break, name="courier_shift_break"),
    path("courier/shift/end/", courier.courier_shift_end, name="courier_shift_end"),
    path("courier/handover/", courier.courier_handover, name="courier_handover"),
    path(
        "courier/handover/confirm/",
        courier.courier_handover_confirm,
        name="courier_handover_confirm",
    ),
    path("courier/manifest.webmanifest", courier.courier_manifest, name="courier_manifest"),
    path("courier/sw.js", courier.courier_service_worker, name="courier_service_worker"),
    path("photos/<str:token>/", courier.delivery_photo, name="delivery_photo"),
]
