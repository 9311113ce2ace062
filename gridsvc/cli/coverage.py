"""``gridsvc coverage``: recompute a district's camera coverage and print a summary."""

from __future__ import annotations

import argparse
import json

from gridsvc.cli.engine import open_engine
from gridsvc.settings import Settings


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``coverage``."""
    p = sub.add_parser("coverage", help="recompute the camera coverage of a district's grids")
    p.add_argument("--district", help="adcode (default: GRIDSVC_DEFAULT_DISTRICT)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_coverage)


def cmd_coverage(args: argparse.Namespace, settings: Settings) -> int:
    from gridsvc.services.audit import cli_actor
    from gridsvc.services.coverage import recompute

    district = args.district or settings.default_district
    with open_engine(settings) as engine:
        summary = recompute(engine, district, cli_actor())
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return 0
    print(
        f"district {district}: {summary['grids']} grids recomputed in {summary['seconds']:.2f} s; "
        f"{summary['cameras']} cameras; covered {summary['covered_m2'] / 1e6:.3f} of "
        f"{summary['area_m2'] / 1e6:.3f} km² ({summary['share']:.2%})"
    )
    for department, n in summary["by_department"].items():
        print(f"  {department:20} {n:6}")
    return 0
