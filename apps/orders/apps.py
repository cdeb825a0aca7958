from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "apps.orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from apps.customers.panels import register_panel
        from apps.orders.panels import render_customer_panel

        register_panel(key="orders", title=_("Orders"), order=10, render=render_customer_panel)
