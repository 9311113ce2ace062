"""``gridsvc cameras``: import cameras from a table through a mapping, or from GB/T 28181
Catalog XML answers."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from gridsvc.cli.engine import open_engine
from gridsvc.settings import Settings

SHOWN_ERRORS = 20


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``cameras import`` and ``cameras import-catalog``."""
    p = sub.add_parser("cameras", help="the camera registry")
    csub = p.add_subparsers(dest="action", required=True)
    t = csub.add_parser("import", help="cameras from CSV, XLSX, GeoJSON or GeoPackage")
    t.add_argument("file")
    t.add_argument("--map", required=True, metavar="MAP.yaml", help="mapping file (kind: camera)")
    t.add_argument("--district", help="adcode (default: GRIDSVC_DEFAULT_DISTRICT)")
    t.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    t.add_argument("--json", action="store_true", help="print the report (all errors) as JSON")
    t.set_defaults(func=cmd_import)
    c = csub.add_parser("import-catalog", help="cameras from GB/T 28181 Catalog XML answers")
    c.add_argument("files", nargs="+", metavar="FILE", help="XML, one or more <Response>s each")
    c.add_argument("--district", help="adcode (default: GRIDSVC_DEFAULT_DISTRICT)")
    c.add_argument("--crs", help="CRS of Longitude/Latitude (default WGS 84; gcj02, bd09, EPSG)")
    c.add_argument("--department", help="the cameras' department (default: each item's Owner)")
    c.add_argument("--dry-run", action="store_true", help="check every item, write nothing")
    c.add_argument("--json", action="store_true", help="print the whole result as JSON")
    c.set_defaults(func=cmd_import_catalog)


def _files(*paths: Path) -> None:
    from gridsvc.errors import InvalidInput

    for p in paths:
        if not p.is_file():
            raise InvalidInput(f"no file '{p}'")


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from gridsvc.services.camera_imports import import_table
    from gridsvc.services.cells import LocatorCache
    from ingest.kinds import CAMERA
    from ingest.mapfile import load_mapping

    path, map_path = Path(args.file), Path(args.map)
    _files(path, map_path)
    spec = load_mapping(map_path.read_text(encoding="utf-8-sig"), kind=CAMERA)
    district = args.district or settings.default_district
    with open_engine(settings) as engine:
        locators = LocatorCache(settings.h3_resolution)
        body = import_table(engine, locators, None, district, path, spec, dry_run=args.dry_run)
    if args.json:
        print(json.dumps(body, ensure_ascii=False, indent=2))
        return 0
    what = "dry run, nothing written" if body["dry_run"] else "done"
    print(
        f"cameras ({what}): {body['rows']} rows, {body['accepted']} accepted, "
        f"{body['rejected']} rejected; {body['inserted']} inserted, {body['updated']} updated, "
        f"{body['unchanged']} unchanged"
    )
    for e in body["errors"][:SHOWN_ERRORS]:
        print(f"  row {e['row']} [{e['code']}] {e['field']}: {e['message']}")
    if len(body["errors"]) > SHOWN_ERRORS:
        print(f"  … {len(body['errors']) - SHOWN_ERRORS} more (--json for all)")
    return 0


def cmd_import_catalog(args: argparse.Namespace, settings: Settings) -> int:
    from gridsvc.services.camera_imports import import_catalog
    from gridsvc.services.cells import LocatorCache

    paths = [Path(f) for f in args.files]
    _files(*paths)
    bodies = [p.read_bytes() for p in paths]
    district = args.district or settings.default_district
    with open_engine(settings) as engine:
        body = import_catalog(
            engine,
            LocatorCache(settings.h3_resolution),
            None,
            district,
            bodies,
            crs=args.crs,
            department=args.department,
            dry_run=args.dry_run,
        )
    if args.json:
        print(json.dumps(body, ensure_ascii=False, indent=2))
        return 0
    c, catalog = body["counts"], body["catalog"]
    print(
        f"catalogue: {catalog['cameras'] + catalog['rejected']} cameras, {catalog['parents']} "
        f"recorders/platforms, {catalog['groups']} groups, {catalog['regions']} regions; "
        f"{c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged, "
        f"{c['rejected']} rejected" + (" (dry run, nothing written)" if args.dry_run else "")
    )
    for s in catalog["sets"]:
        if not s["complete"]:
            print(f"  warning: {s['message']}")
    for r in body["results"]:
        for e in r.get("errors", []):
            print(
                f"  {r.get('where') or r['device_id']} [{e['code']}] {e['field']}: {e['message']}"
            )
    return 0
