"""``gridsvc ingest``: load a file of elements through its mapping, with a progress bar."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gridsvc.cli.engine import open_engine
from gridsvc.settings import Settings

SHOWN_ERRORS = 20


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``ingest``."""
    from ingest.kinds import KINDS

    p = sub.add_parser("ingest", help="load people, places, things, organisations, ... from a file")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("file", help="CSV, XLSX, GeoJSON, GeoPackage or zipped Shapefile")
    p.add_argument("--map", required=True, metavar="MAP.yaml", help="the mapping file")
    p.add_argument("--district", help="adcode (default: GRIDSVC_DEFAULT_DISTRICT)")
    p.add_argument("--dry-run", action="store_true", help="check every row, write no element")
    p.add_argument("--json", action="store_true", help="print the report (all errors) as JSON")
    p.add_argument("--resume", type=int, metavar="JOB", help="continue a failed job")
    p.add_argument("--batch-rows", type=int, default=100_000, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_ingest)


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from gridsvc.keyfiles import keyring
    from gridsvc.services.cells import LocatorCache
    from gridsvc.services.ingest import report, run_job

    with open_engine(settings) as engine:
        job_id = _resumed(engine, args) if args.resume else _created(engine, args, settings)
        bar = _bar(args)
        try:
            run_job(
                engine,
                job_id,
                keyring=keyring(settings),
                locators=LocatorCache(settings.h3_resolution),
                batch_rows=args.batch_rows,
                on_progress=bar.update if bar else None,
            )
        except Exception as exc:
            if bar:
                bar.close()
            reason = getattr(exc, "detail", None) or f"{type(exc).__name__}: {exc}"
            print(f"error: ingest job {job_id} failed: {reason}", file=sys.stderr)
            print(f"committed batches are kept; continue with --resume {job_id}", file=sys.stderr)
            return 1
        if bar:
            bar.close()
        body = report(engine, job_id, errors=None if args.json else SHOWN_ERRORS)
    if args.json:
        print(json.dumps(_public(body), ensure_ascii=False, default=str, indent=2))
    else:
        _print(body)
    return 0


def _created(engine, args: argparse.Namespace, settings: Settings) -> int:  # type: ignore[no-untyped-def]
    from gridsvc.errors import InvalidInput
    from gridsvc.services.ingest import create_job
    from ingest.mapfile import load_mapping
    from ingest.tabular import open_table

    path, map_path = Path(args.file), Path(args.map)
    for p in (path, map_path):
        if not p.is_file():
            raise InvalidInput(f"no file '{p}'")
    spec = load_mapping(map_path.read_text(encoding="utf-8-sig"), kind=args.kind)
    open_table(path, spec)  # the file's format and columns, checked before a job exists
    district = args.district or settings.default_district
    return create_job(engine, spec, path, adcode=district, dry_run=args.dry_run)


def _resumed(engine, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    from gridsvc.errors import InvalidInput
    from gridsvc.repositories import ingest_jobs as jobs_repo
    from gridsvc.services.ingest import get_job

    job = get_job(engine, args.resume)
    path = Path(args.file)
    if job["kind"] != args.kind:
        raise InvalidInput(f"job {args.resume} ingests {job['kind']}, not {args.kind}")
    if not path.is_file() or path.stat().st_size != job["bytes_total"]:
        raise InvalidInput(
            f"'{path}' is not the file job {args.resume} read ({job['bytes_total']} bytes): "
            "resume needs the same file"
        )
    with engine.begin() as conn:
        jobs_repo.set_values(conn, job["adcode"], job["job_id"], file_path=str(path.resolve()))
    return args.resume


class _Bar:
    """A tqdm bar over the file's bytes, with the row counts beside it (stderr)."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self.bar = tqdm(unit="B", unit_scale=True, file=sys.stderr, desc="ingest")

    def update(self, progress: dict) -> None:
        self.bar.total = progress["bytes_total"]
        self.bar.n = progress["bytes_done"]
        self.bar.set_postfix(
            rows=progress["rows"],
            new=progress["inserted"],
            changed=progress["updated"],
            unchanged=progress["unchanged"],
            rejected=progress["rejected"],
            refresh=False,
        )
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


def _bar(args: argparse.Namespace) -> _Bar | None:
    return _Bar() if sys.stderr.isatty() or not args.json else None


def _public(body: dict) -> dict:
    keys = ("job", "status", "kind", "source", "district", "dry_run", "rows", "accepted")
    keys += ("rejected", "inserted", "updated", "unchanged", "errors")
    return {k: body[k] for k in keys}


def _print(body: dict) -> None:
    what = "dry run, nothing written" if body["dry_run"] else body["status"]
    print(
        f"job {body['job']} ({what}): {body['rows']} rows, {body['accepted']} accepted, "
        f"{body['rejected']} rejected; {body['inserted']} inserted, {body['updated']} updated, "
        f"{body['unchanged']} unchanged"
    )
    for e in body["errors"]:
        print(f"  row {e['row']} [{e['code']}] {e['field'] or '-'}: {e['message']}")
    if body["errors_total"] > len(body["errors"]):
        print(f"  … {body['errors_total'] - len(body['errors'])} more (--json for all)")
