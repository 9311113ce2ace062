"""多网合一: departmental layers, their crosswalk and conflicts, and proposing a unified grid."""

from __future__ import annotations

from collections import Counter

import numpy as np
from shapely.geometry import shape
from sqlalchemy import Connection, Engine

from gridsvc.auth import Principal
from gridsvc.coding import validate_department_code
from gridsvc.errors import InvalidInput, NotFound
from gridsvc.geo.crs import parse_crs
from gridsvc.geo.measure import areas_m2
from gridsvc.repositories import layers as layers_repo
from gridsvc.repositories import units as units_repo
from gridsvc.services import audit
from gridsvc.services.audit import Actor
from gridsvc.services.imports import ImportRejected
from gridsvc.unify.conflicts import Conflict, clip_to_district, find_conflicts
from gridsvc.unify.crosswalk import crosswalk
from ingest.geometry import check_in_district, prepare_geometries
from ingest.readers import FeatureTable
from ingest.report import ImportReport

PROPOSAL = "proposal"
OUTSIDE = "outside_district"


def _district(conn: Connection, adcode: str):  # type: ignore[no-untyped-def]
    shapes = units_repo.shapes(conn, adcode, ["district"])
    if not shapes:
        raise InvalidInput(f"district {adcode} is not loaded; import its boundary first")
    return shapes[0].geometry


def _check_codes(table: FeatureTable, adcode: str, report: ImportReport) -> None:
    seen: dict[str, int] = {}
    for i, code in enumerate(table.codes):
        if code is None:
            continue
        problem = validate_department_code(code, adcode)
        if problem:
            report.add("error", "code", f"feature {i + 1}: {problem}", feature=i + 1, code=code,
                       field="code")  # fmt: skip
        if code in seen:
            report.add("error", "duplicate_code", f"feature {i + 1}: code '{code}' is already "
                       f"used by feature {seen[code] + 1}", feature=i + 1, code=code,
                       field="code")  # fmt: skip
        seen.setdefault(code, i)


def feature_labels(codes: list[str | None]) -> list[str]:
    """A label per feature: its code, or its number (from 1) when it has none."""
    return [c or f"#{i + 1}" for i, c in enumerate(codes)]


def import_layer(
    engine: Engine,
    table: FeatureTable,
    *,
    department: str,
    crs: str,
    district: str,
    name: str = "",
    strict: bool = False,
    dry_run: bool = False,
    actor: Actor | None = None,
) -> dict:
    """Import (or replace, as a new version) one department's layer and build its report.

    Audited as ``layer.import`` (``actor`` None: the command line).
    """
    where = {"object_type": "layer", "district": district}
    with audit.audited(engine, actor, "layer.import", **where):
        if not department.strip() or department == PROPOSAL:
            raise InvalidInput(f"department '{department}' is not a valid department name")
        system = parse_crs(crs)
        report = ImportReport(
            table.source, "departmental", system.label, len(table), strict, dry_run
        )
        report.read_from(table.issues, table.encoding)
        with engine.begin() as conn:
            result = _import_layer_in(
                conn, table, report, department.strip(), system, district, name, dry_run
            )
            audit.record(
                conn,
                actor,
                "layer.import",
                object_ids=[result["layer_id"]] if "layer_id" in result else [],
                outcome="dry_run" if dry_run else "ok",
                detail={
                    "department": department.strip(),
                    "features": len(table),
                    "version": result.get("version"),
                },
                **where,
            )
    return result


def _import_layer_in(  # type: ignore[no-untyped-def]
    conn: Connection,
    table: FeatureTable,
    report: ImportReport,
    department: str,
    system,
    district: str,
    name: str,
    dry_run: bool,
) -> dict:
    units_repo.lock_district(conn, district)
    outline = _district(conn, district)
    geoms = prepare_geometries(table, system, report)
    ok = np.array([g is not None for g in geoms])
    check_in_district(geoms, ok, outline, district, report)
    _check_codes(table, district, report)
    if report.errors:
        raise ImportRejected(report)
    clipped, outside = clip_to_district(feature_labels(table.codes), geoms, outline)
    for c in outside:
        report.add(
            "warning",
            c.kind,
            c.message + " (clipped to the district)",
            codes=c.dept_codes,
            area_m2=c.area_m2,
            location=c.location,
        )
    if dry_run:
        return {"import": report.to_dict()}
    layer_id, version = layers_repo.upsert_layer(
        conn,
        adcode=district,
        kind="departmental",
        department=department,
        name=name,
        source=table.source,
        crs=system.label,
    )
    names = [n or "" for n in table.names]
    layers_repo.replace_features(
        conn, district, layer_id, table.codes, names, clipped, areas_m2(clipped)
    )
    summary = build_report(conn, district, layer_id, outside=outside)
    report.written = {"features": len(clipped), "version": version}
    return {
        "layer_id": layer_id,
        "version": version,
        "summary": summary,
        "import": report.to_dict(),
    }


def build_report(
    conn: Connection, adcode: str, layer_id: int, *, outside: list[Conflict] | None = None
) -> dict:
    """Compute and store a layer's crosswalk and conflicts against the unified grid.

    ``outside`` are the parts clipped off at import (outside the district); when None, the
    ones stored with the previous report are kept.
    """
    if outside is None:
        outside = _stored_outside(conn, adcode, layer_id)
    codes, _, geoms = layers_repo.feature_shapes(conn, adcode, layer_id)
    grids = units_repo.shapes(conn, adcode, ["grid"])
    grid_codes, grid_geoms = [g.code for g in grids], [g.geometry for g in grids]
    rows = crosswalk(geoms, grid_codes, grid_geoms)
    found = find_conflicts(
        feature_labels(codes), geoms, grid_codes, grid_geoms, _district(conn, adcode), rows
    )
    found = [c for c in found if c.kind != OUTSIDE] + list(outside)
    layers_repo.replace_report(conn, adcode, layer_id, rows, found)
    summary = {
        "features": len(geoms),
        "unified_grids": len(grid_codes),
        "crosswalk_rows": len(rows),
        "conflicts": dict(Counter(c.kind for c in found)),
        "conflict_area_m2": {k: round(v, 1) for k, v in _area_by_kind(found).items()},
    }
    layers_repo.set_summary(conn, adcode, layer_id, summary)
    return summary


def _stored_outside(conn: Connection, adcode: str, layer_id: int) -> list[Conflict]:
    return [
        Conflict(OUTSIDE, tuple(c["dept_codes"]), tuple(c["grid_codes"]), c["area_m2"],
                 _location(c["geometry"]), c["message"],
                 shape(c["geometry"]) if c["geometry"] else None)
        for c in layers_repo.conflicts(conn, adcode, layer_id)
        if c["kind"] == OUTSIDE
    ]  # fmt: skip


def _location(geometry: dict | None) -> tuple[float, float]:
    if not geometry:
        return (float("nan"), float("nan"))
    p = shape(geometry).representative_point()
    return (p.x, p.y)


def _area_by_kind(found: list) -> dict[str, float]:
    out: dict[str, float] = {}
    for c in found:
        out[c.kind] = out.get(c.kind, 0.0) + c.area_m2
    return out


def layer_or_404(conn: Connection, layer_id: int, principal: Principal | None = None) -> dict:
    """A layer's metadata; NotFound naming the id (also for a key of another district)."""
    layer = layers_repo.get_layer(conn, layer_id)
    if layer is None or (principal and principal.district not in (None, layer["adcode"])):
        raise NotFound(f"no layer with id {layer_id}")
    return layer


def refresh_report(
    engine: Engine, layer_id: int, principal: Principal | None = None, actor: Actor | None = None
) -> dict:
    """Recompute a layer's crosswalk and conflicts against the current unified grid (audited)."""
    where = {"object_type": "layer", "object_ids": [layer_id]}
    with audit.audited(engine, actor, "layer.report", **where), engine.begin() as conn:
        layer = layer_or_404(conn, layer_id, principal)
        summary = build_report(conn, layer["adcode"], layer_id)
        detail = {"conflicts": sum(summary["conflicts"].values())}
        audit.record(conn, actor, "layer.report", district=layer["adcode"], detail=detail, **where)
    return summary


def report(engine: Engine, layer_id: int, principal: Principal | None = None) -> dict:
    """A layer's metadata, summary, crosswalk and conflicts."""
    with engine.connect() as conn:
        layer = layer_or_404(conn, layer_id, principal)
        a = layer["adcode"]
        return {"layer": layer, "summary": layer["summary"],
                "crosswalk": layers_repo.crosswalk_rows(conn, a, layer_id),
                "conflicts": layers_repo.conflicts(conn, a, layer_id)}  # fmt: skip
