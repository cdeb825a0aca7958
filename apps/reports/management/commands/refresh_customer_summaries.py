from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.org.models import Company
from apps.reports.services import customer_activity_refresh


class Command(BaseCommand):
    help = (
        "Bring the Customers report's summaries up to date now (the nightly job does it "
        "at 03:00); safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--company", type=int, help="Only this company (id).")

    def handle(self, *args: Any, **options: Any) -> None:
        companies = Company.objects.filter(is_active=True).order_by("pk")
        if options["company"]:
            companies = companies.filter(pk=options["company"])
            if not companies:
                raise CommandError(f"no active company #{options['company']}")
        for company in companies:
            rows = customer_activity_refresh(company=company)
            self.stdout.write(f"{company} (#{company.pk}): {rows} summary rows written")
