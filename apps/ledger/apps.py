from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "apps.ledger"
    verbose_name = _("Ledger")

    def ready(self) -> None:
        from apps.customers.panels import register_panel
        from apps.ledger.panels import render_customer_panel

        register_panel(key="ledger", title=_("Balances"), order=20, render=render_customer_panel)
