from __future__ import annotations

from django.urls import URLPattern, path

from apps.orders.views import calls, clients

urlpatterns: list[URLPattern] = [
    path("clients/", clients.client_list, name="client_list"),
    path("clients/new/", clients.client_create, name="client_create"),
    path("clients/<int:pk>/", clients.client_detail, name="client_detail"),
    path("clients/<int:pk>/revoke/", clients.client_revoke, name="client_revoke"),
    path("clients/<int:pk>/secret/", clients.client_rotate_secret, name="client_rotate_secret"),
    # The phone system's calls (posted by an API client) as a card on the dispatcher's screen.
    path("calls/latest/", calls.calls_latest, name="calls_latest"),
    path("calls/<int:pk>/seen/", calls.call_seen, name="call_seen"),
]
