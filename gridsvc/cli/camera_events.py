"""``gridsvc camera-events``: maintenance of the camera-event store."""

from __future__ import annotations

import argparse
import json

from gridsvc.cli.engine import open_engine
from gridsvc.settings import Settings


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``camera-events prune``."""
    p = sub.add_parser("camera-events", help="camera events: drop those past the retention")
    actions = p.add_subparsers(dest="action", required=True)
    prune = actions.add_parser(
        "prune", help="drop the daily partitions older than the retention (whole days)"
    )
    prune.add_argument(
        "--days",
        type=int,
        help="keep this many days (default: GRIDSVC_CAMERA_EVENT_RETENTION_DAYS)",
    )
    prune.add_argument("--json", action="store_true", help="print the dropped partitions as JSON")
    prune.set_defaults(func=cmd_prune)


def cmd_prune(args: argparse.Namespace, settings: Settings) -> int:
    from gridsvc.services.camera_partitions import maintain

    days = args.days or settings.camera_event_retention_days
    if days < 1:
        print("error: --days must be at least 1")
        return 2
    with open_engine(settings) as engine:
        dropped = maintain(engine, days)
    if args.json:
        print(json.dumps({"retention_days": days, "dropped": dropped}))
    else:
        print(f"kept {days} days of camera events; dropped {len(dropped)} daily partitions")
        for name in dropped:
            print(f"  - {name}")
    return 0
