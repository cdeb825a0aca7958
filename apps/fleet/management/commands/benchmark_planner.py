from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.fleet.planner.cli import solve_vrplib_file


class Command(BaseCommand):
    help = (
        "Solve a VRPLIB instance (VRPTW or CVRP) with the route planner the product uses "
        "(plan_routes) and print one JSON object."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="a .vrp file in VRPLIB format")
        parser.add_argument("--time-limit", type=float, default=10.0, help="seconds")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"No instance file at {path}")
        if options["time_limit"] <= 0:
            raise CommandError("--time-limit must be positive")
        result = solve_vrplib_file(str(path), options["time_limit"], options["seed"])
        self.stdout.write(json.dumps(result))
