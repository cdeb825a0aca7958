"""Route planner benchmark: gaps to best-known solutions on VRPLIB instances.

    python tests/benchmarks/fleet_planner.py [--time-limit-small 10] [--time-limit-large 60]
                                             [--only NAME[,NAME...]]

Solves every ``*.vrp`` in ``$SONGDA_BENCH_DIR/instances`` (default: ``shared/bench`` next to
the repository), checks each solution independently and prints one JSON line per figure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from apps.fleet.planner.cli import LARGE_INSTANCE, solve_vrplib_file  # noqa: E402
from apps.fleet.planner.vrplib_io import check_routes, read_instance  # noqa: E402

SOLOMON = ("C101", "C201", "R101", "R201", "RC101", "RC201", "R105", "RC105")
LARGE = ("C1_10_1", "R1_10_1", "RC1_10_1", "R2_10_1", "X-n1001-k43")


def bench_dir() -> Path:
    if env := os.environ.get("SONGDA_BENCH_DIR"):
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared" / "bench"


def figure(name: str, value: float, unit: str) -> None:
    line = {"bench": "fleet_planner", "figure": name, "value": value, "unit": unit}
    print(json.dumps(line), flush=True)


def run(args: argparse.Namespace) -> None:
    root = bench_dir()
    bks = json.loads((root / "bks.json").read_text())
    only = set(args.only.split(",")) if args.only else None
    gaps: dict[str, float] = {}
    infeasible = 0
    for path in sorted((root / "instances").glob("*.vrp")):
        name = path.stem
        if only is not None and name not in only:
            continue
        instance = read_instance(path)
        large = instance.num_clients >= LARGE_INSTANCE
        limit = args.time_limit_large if large else args.time_limit_small
        solved = solve_vrplib_file(str(path), limit, seed=args.seed)
        errors = check_routes(instance, solved["routes"])
        if errors:
            infeasible += 1
            print(f"# {name} infeasible: {errors[:5]}", file=sys.stderr)
        best = float(bks[name]["cost"])
        gaps[name] = round(100 * (solved["cost"] - best) / best, 3)
        figure(f"{name}_gap_pct", gaps[name], "pct")
        figure(f"{name}_wall_s", solved["wall_s"], "s")
    for summary, names in (("solomon_mean_gap_pct", SOLOMON), ("large_mean_gap_pct", LARGE)):
        measured = [gaps[n] for n in names if n in gaps]
        if measured:
            figure(summary, round(sum(measured) / len(measured), 3), "pct")
    figure("infeasible_count", infeasible, "count")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--time-limit-small", type=float, default=10.0)
    parser.add_argument("--time-limit-large", type=float, default=60.0)
    parser.add_argument("--only", default="", help="comma-separated instance names")
    parser.add_argument("--seed", type=int, default=0)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
