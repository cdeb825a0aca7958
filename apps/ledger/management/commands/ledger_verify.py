from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.ledger.verify import ledger_verify
from apps.org.models import Company


class Command(BaseCommand):
    help = "Recompute every ledger balance from its postings and check every invariant."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--company", type=int, help="Only this company (id).")

    def handle(self, *args: Any, **options: Any) -> None:
        companies = Company.objects.order_by("pk")
        if options["company"]:
            companies = companies.filter(pk=options["company"])
        failed = 0
        for company in companies:
            problems = ledger_verify(company=company)
            if problems:
                failed += 1
                self.stdout.write(f"{company} (#{company.pk}): {len(problems)} problem(s)")
                for problem in problems:
                    self.stdout.write(f"  {problem}")
            else:
                self.stdout.write(f"{company} (#{company.pk}): ok")
        if failed:
            raise CommandError(f"the books of {failed} company(ies) are not exact")
