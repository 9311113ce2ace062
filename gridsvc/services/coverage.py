"""Camera coverage with the caller's scope: a unit's coverage and blind spots, the cameras
seeing a point, and the audited recompute of a whole district.

Role rules (gridsvc.auth): reading needs READ_CAMERAS (admin, operator, planner, grid
leader); a grid leader reads its own grids only (other units are 404, as for the card) and
asks which cameras see a point only inside its grids. Recomputing needs MANAGE_CAMERAS
(admin, operator). A district-limited key reads and recomputes its district only.
"""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine

from cameras import coverage as rules
from gridsvc.auth import (
    Action,
    Principal,
    authorize,
    can_see_camera,
    search_district,
    target_district,
)
from gridsvc.elementview import code_range
from gridsvc.errors import InvalidInput, NotFound
from gridsvc.repositories import cameras as cameras_repo
from gridsvc.repositories import coverage as repo
from gridsvc.services import audit
from gridsvc.services.audit import Actor
from gridsvc.services.locate import coordinate_error, to_wgs84

#: Cameras listed for one point at most (a point is rarely seen by more than a handful).
MAX_SEEING = 200


def require_coverage(principal: Principal, code: str) -> None:
    """Raise (403 for the role, else 404: existence is not disclosed) unless the caller may
    read the coverage of unit ``code``: a grid leader its own grids only."""
    authorize(principal, Action.READ_CAMERAS)
    outside = principal.district and not code.startswith(principal.district)
    if outside or (principal.grid_scoped and code not in principal.grid_codes):
        raise NotFound(f"no grid with code '{code}'")


def _grid_json(row: dict[str, Any], blind: bool) -> dict[str, Any]:
    out = {
        "code": row["grid_code"],
        "area_m2": round(float(row["area_m2"]), 1),
        "covered_m2": round(float(row["covered_m2"]), 1),
        "share": float(row["share"]),
        "cameras": int(row["cameras"]),
        "by_department": dict(sorted((row["by_department"] or {}).items())),
        "computed_at": row["computed_at"].isoformat() if row["computed_at"] else None,
    }
    if blind:
        out["blind"] = json.loads(row["blind"]) if row["blind"] else None
    return out


def _merged_blind(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The grids' blind spots as one MultiPolygon (parts side by side, not dissolved)."""
    parts: list[Any] = []
    for row in rows:
        if row["blind"]:
            parts.extend(json.loads(row["blind"])["coordinates"])
    return {"type": "MultiPolygon", "coordinates": parts} if parts else None


def unit_coverage(engine: Engine, principal: Principal, code: str, *, blind: bool) -> dict:
    """Coverage of a grid, or summed over the grids of a community, street or district, with
    the blind spots as a GeoJSON MultiPolygon (``blind`` False leaves geometry out).

    Grids never computed (no camera ever touched them, no district recompute yet) are
    computed now, not stored.
    """
    require_coverage(principal, code)
    adcode = code[:6]
    with engine.connect() as conn:
        unit = repo.unit_of(conn, adcode, code)
        if unit is None:
            raise NotFound(f"no grid with code '{code}'")
        rows = repo.read_range(conn, adcode, code_range(code), blind)
        missing = [r["grid_code"] for r in rows if r["computed_at"] is None]
        if missing:
            fresh = {r["grid_code"]: r for r in repo.compute(conn, adcode, missing, blind)}
            rows = [fresh.get(r["grid_code"], r) if r["computed_at"] is None else r for r in rows]
    rows = [r for r in rows if r["area_m2"] is not None]
    head = {"code": code, "level": unit["level"], "name": unit["name"]}
    if unit["level"] == "grid":
        if not rows:
            raise NotFound(f"no coverage for grid '{code}'")
        return {**head, **_grid_json(rows[0], blind)}
    body: dict[str, Any] = {**head, **rules.aggregate(rows)}
    body["grid_coverage"] = [_grid_json(r, False) for r in rows]
    if blind:
        body["blind"] = _merged_blind(rows)
    return body


def cameras_seeing(
    engine: Engine,
    principal: Principal,
    x: float,
    y: float,
    *,
    crs: str,
    district: str | None,
    limit: int = MAX_SEEING,
) -> dict:
    """Cameras whose view sector covers the point (in ``crs``), nearest first."""
    authorize(principal, Action.READ_CAMERAS)
    lon_a, lat_a = to_wgs84(np.array([x]), np.array([y]), crs)
    lon, lat = float(lon_a[0]), float(lat_a[0])
    error = coordinate_error(lon, lat)
    if error:
        raise InvalidInput(f"point ({x}, {y}) in {crs}: {error}")
    adcode = search_district(principal, district)
    with engine.connect() as conn:
        if principal.grid_scoped:
            grids = repo.grids_at(conn, lon, lat, adcode)
            if not principal.grid_codes & set(grids):
                raise NotFound(f"point ({x}, {y}) is not in a grid of this key")
        found = repo.cameras_seeing(conn, lon, lat, adcode, limit)
    # a grid leader reads cameras standing in its own grids; others are only counted
    rows = [r for r in found if can_see_camera(principal, r["adcode"], r["grid_code"])]
    cameras = [
        {
            "device_id": r["device_id"],
            "name": r["name"],
            "department": r["department"],
            "district": r["adcode"],
            "grid_code": r["grid_code"],
            "status": r["status"],
            "distance_m": round(float(r["distance_m"]), 1),
            "bearing_deg": None if r["bearing_deg"] is None else round(float(r["bearing_deg"]), 1),
        }
        for r in rows
    ]
    hidden = len(found) - len(rows)
    return {"lon": lon, "lat": lat, "count": len(cameras), "hidden": hidden, "cameras": cameras}


def recompute_district(
    engine: Engine, principal: Principal, actor: Actor | None, district: str | None, default: str
) -> dict:
    """Recompute the coverage of every grid of a district (audited); a summary."""
    where = district or principal.district
    with audit.audited(engine, actor, "coverage.recompute", district=where):
        authorize(principal, Action.MANAGE_CAMERAS)
        adcode = target_district(principal, district, default)
        return recompute(engine, adcode, actor)


def recompute(engine: Engine, adcode: str, actor: Actor | None) -> dict:
    """Recompute a district's coverage in one transaction, record it, and sum it up."""
    start = time.perf_counter()
    with engine.begin() as conn:
        written = repo.recompute_district(conn, adcode)
        seconds = time.perf_counter() - start
        rows = repo.read_range(conn, adcode, code_range(adcode), False)
        summary = {"district": adcode, **rules.aggregate(r for r in rows if r["area_m2"])}
        detail = {"grids": written, "seconds": round(seconds, 3)}
        audit.record(conn, actor, "coverage.recompute", district=adcode, detail=detail)
    return {**summary, "seconds": round(seconds, 3)}


def after_grids_changed(conn: Connection, adcode: str) -> dict:
    """Inside the transaction that changed a district's grids: each camera is given the grid
    now covering it and every grid's coverage is recomputed (grids gone lose theirs)."""
    if not cameras_repo.has_cameras(conn, adcode):
        return {"cameras_moved": 0, "grids_covered": 0}
    moved = cameras_repo.replace_in_grids(conn, adcode)
    return {"cameras_moved": moved, "grids_covered": repo.recompute_district(conn, adcode)}
