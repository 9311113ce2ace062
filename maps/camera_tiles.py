"""Camera tile layers of the command map: ``cameras`` and ``coverage``.

``cameras`` holds the MVT layer ``cameras`` (one point per camera or IP camera; NVRs are not
drawn: device_id, name, department, status, status_since, last_seen, alarms, ptz_type,
heading, fov, range, grid_code) and, from street zoom (``SECTOR_ZOOM``), the layer
``sectors`` (each camera's view sector as a polygon: device_id, department, status,
grid_code), drawn first so points lie on top. ``coverage`` holds the layer ``coverage`` (each
grid's polygon with its covered ``share`` 0–1 and camera count, for colouring) and, from
``BLIND_ZOOM``, ``blind_spots`` (the parts of grids no camera sees, with their grid's share).

Tiles are cached by ``maps.tiles.TileCache`` under the district's data version: the triggers
of migration 0006 bump it whenever ``cameras`` or ``grid_coverage`` change. Roles
(``gridsvc.auth``): READ_CAMERAS; a grid leader sees the cameras and coverage of its own
grids only.
"""

from __future__ import annotations

from dataclasses import dataclass

from gridsvc.auth import Action, Principal, authorize
from gridsvc.repositories import camera_tiles as repo
from gridsvc.repositories.tiles import TilePool, TileSpec

LAYERS = ("cameras", "coverage")
SECTOR_ZOOM = 16
BLIND_ZOOM = 14


@dataclass(frozen=True)
class CameraQuery:
    """The reach of a camera tile's caller (part of its cache key)."""

    grids: tuple[str, ...] | None  # a grid leader's own grids; None = no grid limit


def camera_query(principal: Principal) -> CameraQuery:
    """The query of a camera or coverage tile; Forbidden for roles that read no cameras."""
    authorize(principal, Action.READ_CAMERAS)
    return CameraQuery(tuple(sorted(principal.grid_codes)) if principal.grid_scoped else None)


def draw(
    db: TilePool, layer: str, spec: TileSpec, district: str | None, query: CameraQuery
) -> bytes:
    """The MVT of ``layer`` (its MVT layers concatenated: an MVT is a list of layers)."""
    grids = query.grids
    if layer == "cameras":
        parts = [repo.camera_tile]
        if spec.z >= SECTOR_ZOOM:
            parts.insert(0, repo.sector_tile)
    else:
        parts = [repo.coverage_tile]
        if spec.z >= BLIND_ZOOM:
            parts.append(repo.blind_spot_tile)
    return db.run(lambda c: b"".join(part(c, spec, district, grids) for part in parts))
