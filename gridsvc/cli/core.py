"""Core commands: serve, demo, the embedded database, migrations, imports and keys."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gridsvc.cli.engine import open_engine
from gridsvc.settings import Settings


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from gridsvc.api.app import create_app

    host, port = args.host or settings.host, args.port or settings.port
    workers = getattr(args, "workers", None) or settings.workers
    print(f"gridsvc listening on http://{host}:{port}/  (API docs: /docs)", flush=True)
    if workers <= 1:
        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            log_level="info",
            forwarded_allow_ips=settings.trusted_proxies,
        )
        return 0
    return _serve_workers(settings, host, port, workers)


def _serve_workers(settings: Settings, host: str, port: int, workers: int) -> int:
    """Several worker processes: the database, schema and key files are made ready here,
    once, and each worker builds its app from the same settings passed in the environment."""
    import os

    import uvicorn

    from gridsvc.db.connect import database_url
    from gridsvc.db.migrate import upgrade
    from gridsvc.keyfiles import keyring, session_secret

    with database_url(settings) as url:
        upgrade(url)
        session_secret(settings)
        keyring(settings)
        os.environ.update(settings.model_copy(update={"database_url": url}).environment())
        uvicorn.run(
            "gridsvc.api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            forwarded_allow_ips=settings.trusted_proxies,
        )
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from gridsvc.db.connect import database_url
    from gridsvc.demo.load import ensure_admin_key, load_cameras, load_demo, load_elements

    settings = settings.model_copy(update={"default_district": args.district})
    with database_url(settings) as url:
        running = settings.model_copy(update={"database_url": url})
        with open_engine(running) as engine:
            summary = load_demo(
                engine, args.district, seed=args.seed, resolution=settings.h3_resolution, log=print
            )
            if not args.no_elements:
                load_elements(
                    engine, running, args.district, seed=args.seed, scale=args.scale, log=print
                )
            if not args.no_cameras:  # after the elements: cameras add to a loaded district
                summary += "; " + load_cameras(
                    engine, args.district, args.seed, resolution=settings.h3_resolution, log=print
                )
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
    from gridsvc.services.imports import ImportRejected, import_file, read_options_for

    district = args.district or settings.default_district
    reading = read_options_for(settings, args.encoding, args.field)
    with open_engine(settings) as engine:
        try:
            report = import_file(
                engine, Path(args.file), level=args.level, crs=args.crs, district=district,
                strict=args.strict, dry_run=args.dry_run, reading=reading,
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
    from gridsvc.errors import NotFound
    from gridsvc.services import keys

    with open_engine(settings) as engine:
        if args.action == "create":
            staff = (
                keys.StaffRef(external_id=args.staff, source=args.source) if args.staff else None
            )
            if args.source and not args.staff:
                print("--source names the source of a --staff record", file=sys.stderr)
                return 2
            key, prefix = keys.create_key(
                engine,
                args.role,
                name=args.name,
                district=args.district,
                grids=args.grid,
                staff=staff,
                integrator=args.integrator,
            )
            print(key)
            print(f"created {args.role} key {prefix} (shown once; store it now)", file=sys.stderr)
        elif args.action == "list":
            for k in keys.list_keys(engine):
                state = "revoked" if k["revoked_at"] else "active"
                grids = ",".join(k["grid_codes"]) or "-"
                staff = f"  staff {k['staff_id']}" if k["staff_id"] else ""
                staff += f"  integrator {k['integrator']}" if k["integrator"] else ""
                print(f"{k['prefix']}  {k['role']:11} {state:7} {k['name'] or '-'}  {grids}{staff}")
        else:
            try:
                result = keys.revoke_key(engine, args.prefix)
            except NotFound as exc:
                print(exc.detail, file=sys.stderr)
                return 1
            print(f"revoked {args.prefix}; {result['sessions_ended']} login sessions ended")
    return 0
