from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.org.models import Company
from apps.subscriptions.services.generation import deliveries_generate


class Command(BaseCommand):
    help = "Create the orders of one day from every subscription due; safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", required=True, help="The delivery day, YYYY-MM-DD.")
        parser.add_argument("--company", type=int, help="Only this company (id).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError("--date must look like 2026-03-01") from None
        companies = Company.objects.filter(is_active=True).order_by("pk")
        if options["company"]:
            companies = companies.filter(pk=options["company"])
            if not companies:
                raise CommandError(f"no active company #{options['company']}")
        for company in companies:
            result = deliveries_generate(company=company, day=day)
            self.stdout.write(
                f"{company} (#{company.pk}) {day}: {result.created} created, "
                f"{result.existing} already there, {len(result.short)} short of balance"
            )
