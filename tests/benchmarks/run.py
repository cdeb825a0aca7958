"""Run the benchmarks: every ``tests/benchmarks/<name>.py`` (or only the one named).

Each benchmark is a script that prints its figures as JSON lines:
``{"bench": "<name>", "figure": "<what>_<unit>", "value": <number>, "unit": "<unit>"}``.
Benchmarks are not tests: they measure, print and exit 0 unless they crash.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def available() -> list[str]:
    return sorted(
        p.stem
        for p in HERE.glob("*.py")
        if p.stem not in {"run", "__init__"} and not p.stem.startswith("_")
    )


def main(argv: list[str]) -> int:
    names = argv or available()
    unknown = [name for name in names if name not in available()]
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}",
            file=sys.stderr,
        )
        return 2
    failed = 0
    for name in names:
        result = subprocess.run([sys.executable, str(HERE / f"{name}.py")], cwd=ROOT, check=False)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
