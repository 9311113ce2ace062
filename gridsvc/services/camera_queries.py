"""Reading the camera registry with the caller's scope: pages of features, one camera.

Role rules (gridsvc.auth): admins, operators, planners and grid leaders read cameras; a grid
leader only those standing in its own grids (another grid's camera is 404, as if absent); a
district-limited key its district only. Stream URLs keep their credentials for admins only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from cameras import view
from gridsvc.auth import (
    Principal,
    camera_scope,
    require_camera,
    sees_stream_credentials,
    target_district,
)
from gridsvc.errors import InvalidInput, NotFound
from gridsvc.repositories import cameras as repo
from gridsvc.repositories.cameras import CameraFilter


@dataclass(frozen=True)
class CameraQuery:
    """A listing request as the route received it."""

    district: str | None = None
    grid: str | None = None  # a grid, community or street code
    department: str | None = None
    status: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    query: str | None = None  # part of the name, the start of a device ID, or an alias


def feature_collection(
    engine: Engine, principal: Principal, q: CameraQuery, *, default: str, limit: int, offset: int
) -> dict:
    """Matching cameras as a FeatureCollection with numberMatched/numberReturned."""
    scope = camera_scope(principal)
    adcode = target_district(principal, q.district or (q.grid[:6] if q.grid else None), default)
    if q.grid and not q.grid.startswith(adcode):
        raise InvalidInput(f"grid '{q.grid}' is not in district {adcode}")
    f = CameraFilter(
        adcode=adcode,
        grids=scope.grid_codes,
        grid_prefix=q.grid,
        department=q.department,
        status=q.status,
        bbox=q.bbox,
        query=q.query,
    )
    with engine.connect() as conn:
        total = repo.count(conn, f)
        rows = repo.page(conn, f, limit, offset) if offset < total else []
    features = [view.feature(r) for r in rows]
    return {
        "type": "FeatureCollection",
        "numberMatched": total,
        "numberReturned": len(features),
        "features": features,
    }


def camera_feature(
    engine: Engine, principal: Principal, device_id: str, *, district: str | None, default: str
) -> dict:
    """One camera with every field; NotFound when absent or outside the caller's scope."""
    camera_scope(principal)
    adcode = target_district(principal, district, default)
    with engine.connect() as conn:
        row = repo.get(conn, adcode, device_id)
    if row is None:
        raise NotFound(f"no camera '{device_id}'")
    require_camera(principal, device_id, adcode, row["grid_code"])
    return view.feature(row, full=True, credentials=sees_stream_credentials(principal))
