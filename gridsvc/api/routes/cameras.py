"""The camera registry: register, list, read and change cameras; import Catalog answers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from gridsvc.api.deps import CurrentActor, CurrentPrincipal, EngineDep, LocatorsDep, SettingsDep
from gridsvc.api.params import CRS, TEXT, UNIT_CODE, District, Offset, parse_bbox
from gridsvc.api.responses import GeoJSONResponse, paged_geojson
from gridsvc.errors import InvalidInput
from gridsvc.services import camera_imports, camera_queries, cameras
from gridsvc.services.camera_queries import CameraQuery

router = APIRouter(prefix="/api/v1", tags=["cameras"])
MAX_LIMIT = 1000
DeviceId = Annotated[
    str, Path(pattern=r"^[0-9]{20}$", description="GB/T 28181 device ID (20 digits)")
]
_TEXT = {"type": "string", "maxLength": 300}
_NUMBER = {"type": "number"}
CAMERA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A camera record (SPEC §9); every value is checked, each bad one named",
    "properties": {
        "device_id": {"type": "string", "pattern": r"^[0-9]{20}$"},
        **{k: _TEXT for k in ("name", "department", "integrator", "manufacturer", "model")},
        **{k: _TEXT for k in ("address", "civil_code", "parent_id", "stream_url")},
        "lon": _NUMBER,
        "lat": _NUMBER,
        "crs": {"type": "string", "pattern": CRS, "description": "EPSG code, gcj02 or bd09"},
        "height_m": _NUMBER,
        "heading_deg": {**_NUMBER, "description": "0 = north, clockwise"},
        "fov_deg": _NUMBER,
        "range_m": _NUMBER,
        "ptz_type": {"type": "integer", "description": "1 dome, 2 half-dome, 3 fixed, 4 remote"},
        "streams": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "url": {"type": "string"}},
            },
        },
        "tags": {"type": "array", "items": {"type": "string"}},
        "aliases": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": False,
}
NEW_CAMERAS = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {**CAMERA_SCHEMA, "required": ["device_id", "name", "department"]},
                        {
                            "type": "object",
                            "required": ["cameras"],
                            "properties": {"cameras": {"type": "array", "items": CAMERA_SCHEMA}},
                            "additionalProperties": False,
                        },
                    ]
                }
            }
        },
    }
}
CHANGES = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": CAMERA_SCHEMA}}}
}
CATALOG_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/xml": {
                "schema": {"type": "string", "description": "One or more Catalog <Response>s"}
            }
        },
    }
}


class ItemResult(BaseModel):
    """What became of one camera: created, updated, unchanged or rejected (with errors)."""

    index: int
    status: str
    device_id: str | None = None
    grid_code: str | None = None
    where: str | None = None
    errors: list[dict[str, str]] = []


class BatchResult(BaseModel):
    """Per-item results of a batch and how many ended in each status."""

    counts: dict[str, int]
    results: list[ItemResult]


class CatalogResult(BatchResult):
    """A Catalog import: the catalogue's sets (complete or with items missing) and counts."""

    district: str
    dry_run: bool
    catalog: dict[str, Any]


@router.post(
    "/cameras",
    summary='Register one camera, or a batch {"cameras": [...]} with per-item results',
    openapi_extra=NEW_CAMERAS,
    responses={201: {"model": ItemResult, "description": "A new camera"}},
)
def register_cameras(
    response: Response,
    engine: EngineDep,
    locators: LocatorsDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    actor: CurrentActor,
    body: Annotated[dict[str, Any], Body()],
    district: District = None,
) -> ItemResult | BatchResult:
    """One camera answers 201 (created) or 200 (updated, unchanged); a rejected one is a
    422 problem naming each bad field (409 when an alias belongs to another camera). A batch
    answers 200 with a result per item: a rejected item does not block the others."""
    batch = set(body) == {"cameras"}
    items = body["cameras"] if batch else [body]
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise InvalidInput("cameras must be a list of camera objects")
    if len(items) > settings.camera_batch_max_items:
        raise InvalidInput(f"{len(items)} cameras; at most {settings.camera_batch_max_items}")
    default = settings.default_district
    results = cameras.register_for(
        engine,
        locators,
        principal,
        actor,
        items,
        district=district,
        default=default,
        single=not batch,
    )
    if batch:
        shown = [ItemResult(**r.as_json()) for r in results]
        return BatchResult(counts=cameras.counts(results), results=shown)
    if results[0].status == "created":
        response.status_code = 201
    return ItemResult(**results[0].as_json())


@router.get(
    "/cameras", response_class=GeoJSONResponse, summary="Cameras as GeoJSON, with paging links"
)
def list_cameras(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    grid: Annotated[
        str | None, Query(pattern=UNIT_CODE, description="Grid, community or street")
    ] = None,
    department: Annotated[str | None, Query(max_length=100, pattern=TEXT)] = None,
    status: Annotated[str | None, Query(pattern="^(online|offline|never_seen)$")] = None,
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat")] = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=40, pattern=TEXT, description="Name, device ID or alias"),
    ] = None,
    district: District = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Features per page")] = 100,
    offset: Offset = 0,
) -> GeoJSONResponse:
    query = CameraQuery(district, grid, department, status, parse_bbox(bbox), q)
    body = camera_queries.feature_collection(
        engine, principal, query, default=settings.default_district, limit=limit, offset=offset
    )
    return paged_geojson(body, request, limit, offset)


@router.post(
    "/cameras/catalog",
    summary="Import GB/T 28181 Catalog answers (XML: one or more <Response> messages)",
    openapi_extra=CATALOG_BODY,
)
async def import_catalog(
    request: Request,
    engine: EngineDep,
    locators: LocatorsDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    actor: CurrentActor,
    district: District = None,
    crs: Annotated[str | None, Query(pattern=CRS, description="CRS of Longitude/Latitude")] = None,
    department: Annotated[
        str | None,
        Query(max_length=100, pattern=TEXT, description="The cameras' department (else Owner)"),
    ] = None,
) -> CatalogResult:
    """The body holds one Catalog ``<Response>`` or several concatenated, as a platform sends
    them (GB2312 or UTF-8). Messages are grouped into answers by DeviceID and SN within this
    request only: no partial set is kept between requests, so send every message of an
    answer together. A set whose items fall short of SumNum is imported as far as it goes
    and reported with ``complete: false`` and the number ``missing``."""
    body = await request.body()
    result = await run_in_threadpool(
        camera_imports.catalog_for,
        engine,
        locators,
        principal,
        actor,
        [body],
        district=district,
        default=settings.default_district,
        crs=crs,
        department=department,
    )
    return CatalogResult(**result)


@router.get("/cameras/{device_id}", response_class=GeoJSONResponse, summary="One camera")
def get_camera(
    device_id: DeviceId,
    engine: EngineDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    district: District = None,
) -> GeoJSONResponse:
    feature = camera_queries.camera_feature(
        engine, principal, device_id, district=district, default=settings.default_district
    )
    return GeoJSONResponse(feature)


@router.patch(
    "/cameras/{device_id}",
    response_class=GeoJSONResponse,
    summary="Change some fields of a camera (a new position re-places it)",
    openapi_extra=CHANGES,
)
def patch_camera(
    device_id: DeviceId,
    engine: EngineDep,
    locators: LocatorsDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    actor: CurrentActor,
    body: Annotated[dict[str, Any], Body()],
    district: District = None,
) -> GeoJSONResponse:
    """Fields given replace the stored ones (null clears one); lon and lat go together."""
    default = settings.default_district
    cameras.patch_for(
        engine, locators, principal, actor, device_id, body, district=district, default=default
    )
    feature = camera_queries.camera_feature(
        engine, principal, device_id, district=district, default=default
    )
    return GeoJSONResponse(feature)
