"""多网合一: departmental layers, their crosswalk and conflicts, and proposing a unified grid."""

from __future__ import annotations

from collections import Counter

import numpy as np
from shapely.geometry import shape
from sqlalchemy import Connection, Engine

from gridsvc import errors
from gridsvc.auth import Principal
from gridsvc.coding import Level, validate_department_code
from gridsvc.errors import InvalidInput, NotFound
from gridsvc.geo.crs import parse_crs
from gridsvc.geo.measure import areas_m2
from gridsvc.repositories import keys as keys_repo
from gridsvc.repositories import layers as layers_repo
from gridsvc.repositories import units as units_repo
from gridsvc.services import audit, cells
from gridsvc.services.audit import Actor
from gridsvc.services.imports import ImportRejected, import_in
from gridsvc.unify.conflicts import Conflict, clip_to_district, find_conflicts
from gridsvc.unify.crosswalk import crosswalk
from gridsvc.unify.propose import propose_unified_grid
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


def _labels(codes: list[str | None]) -> list[str]:
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
    clipped, outside = clip_to_district(_labels(table.codes), geoms, outline)
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
        _labels(codes), geoms, grid_codes, grid_geoms, _district(conn, adcode), rows
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


def propose(
    engine: Engine, district: str, *, min_area_m2: float = 20_000.0, actor: Actor | None = None
) -> dict:
    """Overlay the district's departmental layers into a proposed unified grid (a layer)."""
    where = {"object_type": "layer", "district": district}
    with audit.audited(engine, actor, "layer.propose", **where):
        return _propose(engine, district, min_area_m2, actor, where)


def _propose(engine: Engine, district: str, min_area_m2: float, actor, where: dict) -> dict:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        units_repo.lock_district(conn, district)
        layers = [x for x in layers_repo.list_layers(conn, district) if x["kind"] == "departmental"]
        if not layers:
            raise InvalidInput(f"district {district} has no departmental layers to overlay")
        communities = units_repo.shapes(conn, district, ["community"])
        if not communities:
            raise InvalidInput(
                f"district {district} has no communities; a proposal never crosses community "
                "boundaries, so import communities first"
            )
        inputs = []
        for x in layers:
            codes, _, geoms = layers_repo.feature_shapes(conn, district, x["layer_id"])
            inputs.append((_labels(codes), geoms))
        proposed = propose_unified_grid(
            inputs, [c.code for c in communities], [c.geometry for c in communities],
            min_area_m2=min_area_m2,
        )  # fmt: skip
        names = {c.code: c.name for c in communities}
        layer_id, version = layers_repo.upsert_layer(
            conn, adcode=district, kind=PROPOSAL, department=PROPOSAL,
            name="proposed unified grid", source=", ".join(x["department"] for x in layers),
            crs="EPSG:4326",
        )  # fmt: skip
        geoms = [p.geometry for p in proposed]
        layers_repo.replace_features(
            conn, district, layer_id, [p.code for p in proposed],
            [f"{names.get(p.parent_code, '')}第{int(p.code[-3:])}网格" for p in proposed],
            geoms, areas_m2(geoms),
        )  # fmt: skip
        summary = build_report(conn, district, layer_id)
        detail = {"grids": len(proposed), "version": version, "min_area_m2": min_area_m2}
        audit.record(conn, actor, "layer.propose", object_ids=[layer_id], detail=detail, **where)
    return {"layer_id": layer_id, "version": version, "grids": len(proposed), "summary": summary}


def adopt(
    engine: Engine,
    layer_id: int,
    resolution: int,
    principal: Principal | None = None,
    actor: Actor | None = None,
) -> dict:
    """Make a proposal the district's unified grid, in one transaction.

    Its grids replace the district's, the H3 index is rebuilt, and the report of every layer
    of the district is recomputed against the new grids (no crosswalk or conflict keeps
    naming a removed grid). Refused with Conflict, nothing changed, while unrevoked keys are
    scoped to grids the adoption would remove.
    """
    where = {"object_type": "layer", "object_ids": [layer_id]}
    with audit.audited(engine, actor, "layer.adopt", **where):
        return _adopt(engine, layer_id, resolution, principal, actor, where)


def _adopt(  # type: ignore[no-untyped-def]
    engine: Engine, layer_id: int, resolution: int, principal, actor, where: dict
) -> dict:
    with engine.begin() as conn:
        layer = layer_or_404(conn, layer_id, principal)
        if layer["kind"] != PROPOSAL:
            raise InvalidInput(f"layer {layer_id} is a departmental layer, not a proposal")
        adcode = layer["adcode"]
        units_repo.lock_district(conn, adcode)
        codes, names, geoms = layers_repo.feature_shapes(conn, adcode, layer_id)
        removed = units_repo.codes(conn, adcode, Level.GRID.value) - set(codes)
        _refuse_if_keys_hold(conn, layer_id, removed)
        units_repo.delete_units(conn, adcode, removed)
        table = FeatureTable(
            geometries=np.asarray(geoms, dtype=object),
            codes=list(codes),
            names=list(names),
            parent_codes=[c[:12] for c in codes],
            source=f"proposal layer {layer_id}",
        )
        wgs84 = parse_crs("EPSG:4326")
        result, _ = import_in(conn, table, Level.GRID, wgs84, adcode, False, False)
        layers_repo.set_status(conn, adcode, layer_id, "adopted")
        state = cells.rebuild_in(conn, adcode, resolution)
        reports = [x["layer_id"] for x in layers_repo.list_layers(conn, adcode)]
        for other in reports:
            build_report(conn, adcode, other)
        detail = {"grids": len(codes), "removed": len(removed), **result.written}
        audit.record(conn, actor, "layer.adopt", district=adcode, detail=detail, **where)
    return {
        "layer_id": layer_id,
        "adopted": True,
        "removed_grids": sorted(removed),
        "reports_rebuilt": reports,
        "import": result.to_dict(),
        "index": state,
    }


def _refuse_if_keys_hold(conn: Connection, layer_id: int, removed: set[str]) -> None:
    blocking = keys_repo.active_scoped_to(conn, sorted(removed))
    if not blocking:
        return
    listed = "; ".join(f"key {k['prefix']} ({', '.join(k['grids'])})" for k in blocking)
    raise errors.Conflict(
        f"adopting layer {layer_id} would remove grids that {len(blocking)} active key(s) "
        f"are scoped to: {listed}. Revoke those keys, or scope them to grids the proposal "
        "keeps, then adopt again; nothing was changed",
        blocking_keys=blocking,
    )
