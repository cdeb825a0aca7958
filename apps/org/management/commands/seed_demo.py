from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.demo import DEMO_PASSWORD, DemoWorld
from apps.org.demo import demo_logins
from apps.org.models import Company


class Command(BaseCommand):
    help = "Build the demo companies, staff, catalogue and history (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Run even when DEBUG is off (never in production)."
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when a company already exists."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                _(
                    "seed_demo creates accounts with a known password; "
                    "it runs only with DEBUG on (or --force)."
                )
            )
        if options["if_empty"] and Company.objects.exists():
            self.stdout.write(_("The database already has data; the demo was not added."))
        else:
            self._seed()
        self._print_logins()

    def _seed(self) -> None:
        world = DemoWorld(today=timezone.localdate(), log=self.stdout.write)
        modules = [
            module
            for module in map(_demo_module, (a.name for a in apps.get_app_configs()))
            if module is not None
        ]
        with transaction.atomic():
            for seed_module in modules:
                seed_module.seed(world)
        for seed_module in modules:
            if hasattr(seed_module, "tidy_queue"):
                seed_module.tidy_queue(world)

    def _print_logins(self) -> None:
        logins = demo_logins()
        if not logins:
            return
        self.stdout.write(self.style.SUCCESS(_("Demo logins (password %s):") % DEMO_PASSWORD))
        for username, role, company in logins:
            self.stdout.write(f"  {username:<12} {role} · {company}")


def _demo_module(app_name: str) -> Any:
    """Each app may add to the demo in its own ``demo.py`` (imported by name, in app order)."""
    if not app_name.startswith("apps.") or app_name == "apps.core":
        return None
    try:
        return importlib.import_module(f"{app_name}.demo")
    except ModuleNotFoundError as error:
        if error.name == f"{app_name}.demo":
            return None
        raise
