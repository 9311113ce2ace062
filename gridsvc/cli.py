"""The ``gridsvc`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from gridsvc.errors import GridsvcError
from gridsvc.settings import Settings, get_settings


@contextmanager
def open_engine(settings: Settings) -> Iterator[Engine]:
    """A migrated engine on the configured database (embedded cluster started if needed)."""
    from gridsvc.db.connect import database_url, make_engine
    from gridsvc.db.migrate import upgrade

    with database_url(settings) as url:
        upgrade(url)
        engine = make_engine(url, pool_size=2)
        try:
            yield engine
        finally:
            engine.dispose()


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from gridsvc.api.app import create_app

    host, port = args.host or settings.host, args.port or settings.port
    print(f"gridsvc listening on http://{host}:{port}/  (API docs: /docs)", flush=True)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from gridsvc.db.connect import database_url
    from gridsvc.demo.load import ensure_admin_key, load_demo

    settings = settings.model_copy(update={"default_district": args.district})
    with database_url(settings) as url:
        running = settings.model_copy(update={"database_url": url})
        with open_engine(running) as engine:
            summary = load_demo(engine, args.district, seed=args.seed, log=print)
            key = ensure_admin_key(engine, settings.home / "demo-admin.key")
        print(summary)
        print(f"admin key: {key}\n(also in {settings.home / 'demo-admin.key'})", flush=True)
        if args.no_serve:
            return 0
        args.host = settings.host
        return cmd_serve(args, running)


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from gridsvc.db.connect import embedded_cluster, ensure_database

    if settings.database_url and args.action in ("start", "stop"):
        print("GRIDSVC_DATABASE_URL is set: the embedded cluster is not used", file=sys.stderr)
        return 2
    if settings.database_url:
        print(settings.database_url if args.action == "url" else "external database")
        return 0
    cluster = embedded_cluster(settings)
    if args.action == "start":
        port = cluster.start()
        ensure_database(cluster.url())
        print(f"embedded PostgreSQL running on 127.0.0.1:{port}, data in {cluster.datadir}")
    elif args.action == "stop":
        print("stopped" if cluster.stop() else "not running")
    elif args.action == "status":
        port = cluster.port()
        state = f"running on 127.0.0.1:{port}" if port else "stopped"
        print(f"embedded PostgreSQL {state}, data in {cluster.datadir}")
        return 0 if port else 3
    else:
        print(cluster.url())
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    with open_engine(settings):
        print("database schema is up to date")
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from gridsvc.services.imports import ImportRejected, import_file

    district = args.district or settings.default_district
    with open_engine(settings) as engine:
        try:
            report = import_file(
                engine, Path(args.file), level=args.level, crs=args.crs, district=district,
                strict=args.strict, dry_run=args.dry_run,
            )  # fmt: skip
        except ImportRejected as exc:
            report = exc.report
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for issue in report.issues:
            print(f"{issue.severity.upper():7} {issue.kind}: {issue.message}")
        print(report.summary())
    return 1 if report.errors else 0


def cmd_keys(args: argparse.Namespace, settings: Settings) -> int:
    from gridsvc.repositories import keys as keys_repo
    from gridsvc.services.keys import create_key

    with open_engine(settings) as engine:
        if args.action == "create":
            key, prefix = create_key(
                engine, args.role, name=args.name, district=args.district, grids=args.grid
            )
            print(key)
            print(f"created {args.role} key {prefix} (shown once; store it now)", file=sys.stderr)
        elif args.action == "list":
            with engine.connect() as conn:
                for k in keys_repo.list_keys(conn):
                    state = "revoked" if k["revoked_at"] else "active"
                    grids = ",".join(k["grid_codes"]) or "-"
                    print(f"{k['prefix']}  {k['role']:11} {state:7} {k['name'] or '-'}  {grids}")
        else:
            with engine.begin() as conn:
                if not keys_repo.revoke(conn, args.prefix):
                    print(f"no active key with prefix {args.prefix}", file=sys.stderr)
                    return 1
            print(f"revoked {args.prefix}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    p = argparse.ArgumentParser(prog="gridsvc", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="run the API server")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.set_defaults(func=cmd_serve)

    d = sub.add_parser("demo", help="load a real district with generated grids, then serve")
    d.add_argument("--port", type=int, default=8000)
    d.add_argument("--district", default="530302", help="adcode of a bundled district")
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--no-serve", action="store_true", help="load only, do not start the server")
    d.set_defaults(func=cmd_demo)

    db = sub.add_parser("db", help="the embedded PostgreSQL cluster")
    db.add_argument("action", choices=["start", "stop", "status", "url"])
    db.set_defaults(func=cmd_db)

    m = sub.add_parser("migrate", help="apply database migrations")
    m.set_defaults(func=cmd_migrate)

    i = sub.add_parser("import-grids", help="import a boundary file for one level")
    i.add_argument("file")
    i.add_argument("--crs", required=True, help="EPSG code (4326, 4490, 3857, ...), gcj02 or bd09")
    i.add_argument("--level", required=True, choices=["district", "street", "community", "grid"])
    i.add_argument("--district", help="adcode (default: GRIDSVC_DEFAULT_DISTRICT)")
    i.add_argument("--strict", action="store_true", help="reject invalid geometry and topology")
    i.add_argument("--dry-run", action="store_true", help="check only, write nothing")
    i.add_argument("--json", action="store_true", help="print the full report as JSON")
    i.set_defaults(func=cmd_import)

    k = sub.add_parser("keys", help="API keys")
    ksub = k.add_subparsers(dest="action", required=True)
    kc = ksub.add_parser("create")
    kc.add_argument("--role", required=True)
    kc.add_argument("--grid", action="append", default=[], metavar="CODE")
    kc.add_argument("--name", default="")
    kc.add_argument("--district")
    ksub.add_parser("list")
    kr = ksub.add_parser("revoke")
    kr.add_argument("prefix")
    k.set_defaults(func=cmd_keys)
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
