"""``GET /tiles/{layer}/{z}/{x}/{y}.pbf``: Mapbox Vector Tiles, with ETag and private caching."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from gridsvc.api.deps import CurrentPrincipal
from gridsvc.api.params import MAX_ID, District
from ingest.kinds import KINDS
from maps import tiles
from maps.tiles import TileCache

router = APIRouter(tags=["tiles"])
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
CACHE_CONTROL = "private, max-age=60"  # tiles depend on the caller's role and scope


class Shift(StrEnum):
    gcj02 = "gcj02"


Kind = StrEnum("Kind", {k: k for k in KINDS})  # type: ignore[misc]
#: A care-tag code (SPEC §8: elderly_alone, left_behind_child, …; the list is configurable).
TAG = r"^[a-z][a-z0-9_]{0,39}$"


def tile_cache(request: Request) -> TileCache:
    """The app's tile cache (``app.state.tiles``, opened and closed in the app's lifespan)."""
    return request.app.state.tiles


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


DESCRIPTION = (
    "Layers `district`, `streets`, `communities`, `grids` (attributes code, name, level, "
    "parent_code, area_m2), `dept` and `conflicts` (need `layer_id`), `h3` (attributes h3, "
    "count). `elements`: at zoom ≥ 15 one feature per element (element_id, kind, category, "
    "tags, name — none for people, masked for staff —, status, severity, grid_code; people "
    "only for admins and grid leaders, `kind=person` is 403 for other roles), below 15 one "
    "point per H3 cell (h3, count and a count per kind); `heat`: H3 hexagons (h3, count) of "
    "the elements of `kind` or with care tag `tag`. `cameras` (roles reading cameras): MVT "
    "layer `cameras`, one point per camera (device_id, name, department, status, "
    "status_since, last_seen, alarms, ptz_type, heading, fov, range, grid_code), and from "
    "zoom 16 `sectors` (view sectors: device_id, department, status, grid_code); `coverage`: "
    "MVT layer `coverage` (grid polygons with grid_code, share 0-1, cameras) and from zoom 14 "
    "`blind_spots` (grid_code, share). A grid leader gets its own grids only. "
    "An empty tile is `204 No Content`. `shift=gcj02` moves geometries by the GCJ-02 "
    "offset at the tile centre, to overlay Amap/Tencent basemaps."
)


@router.get(
    "/tiles/{layer}/{z}/{x}/{y}.pbf",
    summary="A Mapbox Vector Tile of one layer",
    description=DESCRIPTION,
    response_class=Response,
    responses={200: {"content": {MEDIA_TYPE: {}}}, 204: {"description": "empty tile"},
               304: {"description": "not modified"}},
)  # fmt: skip
async def get_tile(
    layer: Annotated[str, Path(description=f"One of: {', '.join(tiles.LAYERS)} (else 404)")],
    z: Annotated[str, Path(description=f"Zoom, an integer 0..{tiles.MAX_ZOOM} (else 404)")],
    x: Annotated[str, Path(description="Column, an integer 0..2^z-1 (else 404)")],
    y: Annotated[str, Path(description="Row, an integer 0..2^z-1 (else 404)")],
    request: Request,
    principal: CurrentPrincipal,
    district: District = None,
    layer_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="for dept and conflicts")
    ] = None,
    shift: Shift | None = None,
    kind: Annotated[Kind | None, Query(description="elements and heat: only this kind")] = None,
    tag: Annotated[
        str | None, Query(pattern=TAG, description="elements and heat: only this care tag")
    ] = None,
) -> Response:  # fmt: skip
    state = request.app.state  # read here, not as dependencies: no thread hop for each
    tile = await run_in_threadpool(
        tiles.render, tile_cache(request), state.locators, state.engine, principal, layer,
        z, x, y, district=district, layer_id=layer_id, shift=shift.value if shift else None,
        kind=kind.value if kind else None, tag=tag,
    )  # fmt: skip
    headers = {"ETag": tile.etag, "Cache-Control": CACHE_CONTROL, "Vary": "Authorization, Cookie"}
    if _matches(request.headers.get("if-none-match"), tile.etag):
        return Response(status_code=304, headers=headers)
    if not tile.data:
        return Response(status_code=204, headers=headers)
    return Response(tile.data, media_type=MEDIA_TYPE, headers=headers)
