from __future__ import annotations

from django.urls import URLPattern, path

from apps.customers.views import tickets

urlpatterns: list[URLPattern] = [
    path("tickets/", tickets.ticket_list_view, name="ticket_list"),
    path("tickets/overdue/", tickets.ticket_overdue_view, name="ticket_overdue"),
    path("tickets/new/", tickets.ticket_create_view, name="ticket_create"),
    path("tickets/sla/", tickets.sla_rules_view, name="sla_rules"),
    path("tickets/<int:pk>/", tickets.ticket_detail_view, name="ticket_detail"),
    *(
        path(
            f"tickets/<int:pk>/{action}/",
            tickets.ticket_action_view,
            {"action": action},
            name=f"ticket_{action}",
        )
        for action in tickets.ACTIONS
    ),
]
