"""Run the benchmarks: ``python -m bench`` (all, in name order) or ``python -m bench locate``.

A benchmark is a module of this package defining ``main(argv=None)``; it may return a dict
of headline figures, printed together as ``name: value`` lines at the very end. Arguments
after ``--`` go to every benchmark run: ``python -m bench locate -- --points 100000``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

from bench.common import print_headlines

NOT_BENCHMARKS = {"__main__", "common"}


def available() -> list[str]:
    """Names of the modules in ``bench/`` that define ``main``, sorted."""
    names = sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name not in NOT_BENCHMARKS
    )
    return [
        n for n in names if callable(getattr(importlib.import_module(f"bench.{n}"), "main", None))
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the named benchmarks (all when none are named); print headlines last."""
    wanted = list(sys.argv[1:] if argv is None else argv)
    rest: list[str] = []
    if "--" in wanted:
        cut = wanted.index("--")
        wanted, rest = wanted[:cut], wanted[cut + 1 :]
    names = available()
    unknown = [w for w in wanted if w not in names]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(names)}")
        return 2
    headlines: dict[str, object] = {}
    for name in wanted or names:
        result = importlib.import_module(f"bench.{name}").main(rest)
        headlines.update(result or {})
    print_headlines(headlines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
