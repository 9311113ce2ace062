"""The ``gridsvc`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from gridsvc.cli import camera_events, cameras, core, coverage, ingest, simulate, spatial
from gridsvc.errors import GridsvcError
from gridsvc.settings import Settings, get_settings


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 1000:
        raise argparse.ArgumentTypeError(f"{text} is not in (0, 1000]")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    p = argparse.ArgumentParser(prog="gridsvc", description="gridsvc: unified urban grids")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="run the API server")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.add_argument("--workers", type=int, help="worker processes (default GRIDSVC_WORKERS, 1)")
    s.set_defaults(func=core.cmd_serve)

    d = sub.add_parser("demo", help="load a real district with generated grids, then serve")
    d.add_argument("--port", type=int, default=8000)
    d.add_argument("--district", default="530302", help="adcode of a bundled district")
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--no-serve", action="store_true", help="load only, do not start the server")
    d.add_argument(
        "--scale",
        type=_positive,
        default=1.0,
        help="multiply the demo's residents and what follows them (1: ~50,000; 20: ~1 M)",
    )
    d.add_argument("--no-elements", action="store_true", help="load no key elements")
    d.add_argument("--no-cameras", action="store_true", help="register no demo cameras")
    d.set_defaults(func=core.cmd_demo)

    db = sub.add_parser("db", help="the embedded PostgreSQL cluster")
    db.add_argument("action", choices=["start", "stop", "status", "url"])
    db.set_defaults(func=core.cmd_db)

    m = sub.add_parser("migrate", help="apply database migrations")
    m.set_defaults(func=core.cmd_migrate)

    i = sub.add_parser("import-grids", help="import a boundary file for one level")
    i.add_argument("file")
    i.add_argument("--crs", required=True, help="EPSG code (4326, 4490, 3857, ...), gcj02 or bd09")
    i.add_argument("--level", required=True, choices=["district", "street", "community", "grid"])
    i.add_argument("--district", help="adcode (default: GRIDSVC_DEFAULT_DISTRICT)")
    i.add_argument("--strict", action="store_true", help="reject invalid geometry and topology")
    i.add_argument("--dry-run", action="store_true", help="check only, write nothing")
    i.add_argument("--json", action="store_true", help="print the full report as JSON")
    spatial.add_reading_options(i)
    i.set_defaults(func=core.cmd_import)

    k = sub.add_parser("keys", help="API keys")
    ksub = k.add_subparsers(dest="action", required=True)
    kc = ksub.add_parser("create")
    kc.add_argument("--role", required=True)
    kc.add_argument("--grid", action="append", default=[], metavar="CODE")
    kc.add_argument("--name", default="")
    kc.add_argument("--district")
    kc.add_argument(
        "--staff",
        metavar="EXTERNAL_ID",
        help="tie a grid_leader key to this staff record; its grid and district come from it",
    )
    kc.add_argument("--source", help="the staff record's source, when several have the id")
    kc.add_argument(
        "--integrator", help="an integrator key's integrator: it pushes for that one's cameras"
    )
    ksub.add_parser("list")
    kr = ksub.add_parser("revoke")
    kr.add_argument("prefix")
    k.set_defaults(func=core.cmd_keys)
    spatial.add_commands(sub)
    ingest.add_commands(sub)
    cameras.add_commands(sub)
    simulate.add_commands(sub)
    coverage.add_commands(sub)
    camera_events.add_commands(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gridsvc`` console script."""
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace, Settings], int] = args.func
    try:
        return func(args, get_settings())
    except GridsvcError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        for e in exc.errors[:20]:
            print(f"  - {e.get('message', e)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
