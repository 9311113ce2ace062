"""Commands for departmental layers (多网合一), the H3 index and locating points."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from gridsvc.cli.engine import open_engine
from gridsvc.settings import Settings


def cmd_import_layer(args: argparse.Namespace, settings: Settings) -> int:
    from gridsvc.services.imports import ImportRejected, read_options_for
    from gridsvc.services.layers import import_layer
    from ingest.readers import read_layer

    reading = read_options_for(settings, args.encoding, args.field)
    table = read_layer(Path(args.file), options=reading)
    with open_engine(settings) as engine:
        try:
            result = import_layer(
                engine, table, department=args.department, crs=args.crs, name=args.name,
                district=args.district or settings.default_district, strict=args.strict,
                dry_run=args.dry_run,
            )  # fmt: skip
        except ImportRejected as exc:
            for issue in exc.report.issues:
                print(f"{issue.severity.upper():7} {issue.kind}: {issue.message}")
            print(exc.report.summary())
            return 1
    for w in result["import"]["warnings"]:
        print(f"WARNING {w['kind']}: {w['message']}")
    if "layer_id" in result:
        print(f"layer {result['layer_id']} ({args.department}) version {result['version']}")
        _print_summary(result["summary"])
    else:
        print("dry run: the layer is valid; nothing was written")
    return 0


def _print_summary(summary: dict) -> None:
    print(f"  {summary['features']} departmental grids against {summary['unified_grids']} "
          f"unified grids, {summary['crosswalk_rows']} crosswalk rows")  # fmt: skip
    for kind, count in sorted(summary["conflicts"].items()):
        area = summary["conflict_area_m2"].get(kind, 0.0)
        print(f"  {kind:18} {count:6}  {area / 1e6:10.3f} km²")


def cmd_layers(args: argparse.Namespace, settings: Settings) -> int:
    from gridsvc.repositories import layers as layers_repo
    from gridsvc.services import adoption, layers

    with open_engine(settings) as engine:
        if args.action == "list":
            with engine.connect() as conn:
                for x in layers_repo.list_layers(conn, args.district):
                    print(f"{x['layer_id']:4}  {x['adcode']}  {x['kind']:12} {x['department']:10} "
                          f"v{x['version']}  {x['status']:8} {x['summary'].get('features', 0)} "
                          "features")  # fmt: skip
        elif args.action == "report":
            body = layers.report(engine, args.layer_id)
            if args.json:
                print(json.dumps(body, ensure_ascii=False, default=str, indent=2))
                return 0
            print(f"layer {args.layer_id}: {body['layer']['department']}")
            _print_summary(body["summary"])
            for c in body["conflicts"][: args.limit]:
                print(f"  [{c['kind']}] {c['message']}")
        elif args.action == "propose":
            district = args.district or settings.default_district
            result = adoption.propose(engine, district, min_area_m2=args.min_area_m2)
            print(f"proposal layer {result['layer_id']}: {result['grids']} grids")
            _print_summary(result["summary"])
        else:
            result = adoption.adopt(engine, args.layer_id, settings.h3_resolution)
            print(f"adopted layer {args.layer_id}: {result['import']['written']}")
    return 0


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from gridsvc.services.cells import rebuild_index

    with open_engine(settings) as engine:
        state = rebuild_index(engine, args.district or settings.default_district,
                              args.resolution or settings.h3_resolution)  # fmt: skip
    print(f"H3 index v{state['version']}: {state['grids']} grids, {state['interior_cells']} "
          f"interior and {state['boundary_cells']} boundary cells")  # fmt: skip
    return 0


def cmd_locate(args: argparse.Namespace, settings: Settings) -> int:
    from gridsvc.services import locate as locating
    from gridsvc.services.cells import LocatorCache

    if args.file:
        x, y, ids, _ = locating.parse_points(Path(args.file).read_bytes(), "text/csv")
    elif args.lon is not None and args.lat is not None:
        x, y, ids = np.array([args.lon]), np.array([args.lat]), [None]
    else:
        print("give LON LAT or --file points.csv", file=sys.stderr)
        return 2
    lon, lat = locating.to_wgs84(x, y, args.crs)
    with open_engine(settings) as engine:
        found = locating.locate(engine, LocatorCache(settings.h3_resolution), lon, lat)
    for row in found.rows(ids):
        print(json.dumps(row, ensure_ascii=False))
    return 0


def add_reading_options(p: argparse.ArgumentParser) -> None:
    """``--field TARGET=COLUMN`` (repeatable) and ``--encoding`` of an import command."""
    p.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="TARGET=COLUMN",
        help="source column of a target field (code, name, parent_code), e.g. code=编码",
    )
    p.add_argument("--encoding", help="encoding of Shapefile attributes (default: detected)")


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register the layer, index and locate commands."""
    il = sub.add_parser("import-layer", help="import (or replace) a departmental grid layer")
    il.add_argument("file")
    il.add_argument("--department", required=True, help="e.g. 城管, 综治, 公安")
    il.add_argument("--crs", required=True, help="EPSG code, gcj02 or bd09")
    il.add_argument("--district")
    il.add_argument("--name", default="")
    il.add_argument("--strict", action="store_true")
    il.add_argument("--dry-run", action="store_true")
    add_reading_options(il)
    il.set_defaults(func=cmd_import_layer)

    ly = sub.add_parser("layers", help="departmental layers, reports and proposals")
    lsub = ly.add_subparsers(dest="action", required=True)
    ll = lsub.add_parser("list")
    ll.add_argument("--district")
    lr = lsub.add_parser("report")
    lr.add_argument("layer_id", type=int)
    lr.add_argument("--json", action="store_true")
    lr.add_argument("--limit", type=int, default=50, help="conflicts to print")
    lp = lsub.add_parser("propose", help="overlay the departmental layers into a proposal")
    lp.add_argument("--district")
    lp.add_argument("--min-area-m2", type=float, default=20_000.0)
    la = lsub.add_parser("adopt", help="make a proposal the unified grid")
    la.add_argument("layer_id", type=int)
    ly.set_defaults(func=cmd_layers)

    ix = sub.add_parser("index", help="rebuild the H3 cell index of a district")
    ix.add_argument("action", choices=["rebuild"])
    ix.add_argument("--district")
    ix.add_argument("--resolution", type=int)
    ix.set_defaults(func=cmd_index)

    lo = sub.add_parser("locate", help="locate points (LON LAT, or --file CSV)")
    lo.add_argument("lon", nargs="?", type=float)
    lo.add_argument("lat", nargs="?", type=float)
    lo.add_argument("--crs", default="EPSG:4326")
    lo.add_argument("--file", help="CSV with lon,lat[,id] columns")
    lo.set_defaults(func=cmd_locate)
