"""The owner's message pages and the staff actions on tracking links (namespace "orders")."""

from __future__ import annotations

from django.urls import URLPattern, path

from apps.orders.views import notifications, tracking

urlpatterns: list[URLPattern] = [
    path("messages/", notifications.message_list, name="message_list"),
    path("messages/<int:pk>/retry/", notifications.message_retry, name="message_retry"),
    path("messages/texts/", notifications.template_list, name="template_list"),
    path(
        "messages/texts/<str:event>/<str:language>/",
        notifications.template_edit,
        name="template_edit",
    ),
    path("messages/quiet-hours/", notifications.order_settings, name="order_settings"),
    path("<int:pk>/tracking/revoke/", tracking.tracking_revoke, name="tracking_revoke"),
    path("<int:pk>/tracking/renew/", tracking.tracking_renew, name="tracking_renew"),
]
