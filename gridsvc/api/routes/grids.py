"""Districts, streets, communities and grids as GeoJSON; imports of boundary files."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool

from gridsvc.api.deps import (
    CurrentActor,
    CurrentPrincipal,
    EngineDep,
    LocatorsDep,
    SettingsDep,
    permitted,
)
from gridsvc.api.params import ADCODE, CRS, TEXT, Offset, UnitCode, parse_bbox
from gridsvc.api.responses import GeoJSONResponse
from gridsvc.api.responses import paged_geojson as _geojson
from gridsvc.api.uploads import ENCODING, FIELD, read_upload
from gridsvc.auth import Action, Principal, target_district
from gridsvc.repositories.units import UnitFilter
from gridsvc.services import imports, units

router = APIRouter(prefix="/api/v1", tags=["grids"])
MAX_LIMIT = 10_000
SEARCH = "Code prefix or part of the name"


class LevelParam(StrEnum):
    street = "street"
    community = "community"
    grid = "grid"


class ImportLevel(StrEnum):
    district = "district"
    street = "street"
    community = "community"
    grid = "grid"


GridImporter = Annotated[Principal, Depends(permitted(Action.IMPORT_UNITS, "grids.import"))]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Features per page")]


@router.get("/districts", response_class=GeoJSONResponse, summary="Districts loaded, as GeoJSON")
def list_districts(
    request: Request, engine: EngineDep, principal: CurrentPrincipal,
    limit: Limit = 100, offset: Offset = 0,
) -> GeoJSONResponse:  # fmt: skip
    body = units.feature_collection(
        engine, principal, UnitFilter(level="district"), limit=limit, offset=offset
    )
    return _geojson(body, request, limit, offset)


@router.get(
    "/grids", response_class=GeoJSONResponse, summary="Streets, communities or grids, as GeoJSON"
)
def list_grids(
    request: Request,
    engine: EngineDep,
    principal: CurrentPrincipal,
    level: LevelParam | None = None,
    parent: Annotated[str | None, Query(pattern=r"^\d{6,12}$")] = None,
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat")] = None,
    district: Annotated[str | None, Query(pattern=ADCODE)] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=40, pattern=TEXT, description=SEARCH)
    ] = None,
    limit: Limit = 5000,
    offset: Offset = 0,
) -> GeoJSONResponse:
    f = UnitFilter(
        adcode=district, level=level.value if level else None, parent=parent,
        bbox=parse_bbox(bbox), query=q,
    )  # fmt: skip
    body = units.feature_collection(engine, principal, f, limit=limit, offset=offset)
    return _geojson(body, request, limit, offset)


@router.get(
    "/grids/labels",
    response_class=GeoJSONResponse,
    summary="Label points (code, name, level) of units in a bbox",
)
def grid_labels(
    engine: EngineDep,
    principal: CurrentPrincipal,
    level: LevelParam,
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat")] = None,
    district: Annotated[str | None, Query(pattern=ADCODE)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> GeoJSONResponse:
    f = UnitFilter(adcode=district, level=level.value, bbox=parse_bbox(bbox))
    return GeoJSONResponse(units.labels(engine, principal, f, limit=limit))


@router.get(
    "/grids/{code}",
    response_class=GeoJSONResponse,
    summary="One unit (district, street, community or grid)",
)
def get_grid(code: UnitCode, engine: EngineDep, principal: CurrentPrincipal) -> GeoJSONResponse:
    return GeoJSONResponse(units.unit_feature(engine, principal, code))


@router.get(
    "/grids/{code}/children", response_class=GeoJSONResponse, summary="The children of one unit"
)
def get_children(
    code: UnitCode, request: Request, engine: EngineDep, principal: CurrentPrincipal,
    limit: Limit = 1000, offset: Offset = 0,
) -> GeoJSONResponse:  # fmt: skip
    body = units.children(engine, principal, code, limit=limit, offset=offset)
    return _geojson(body, request, limit, offset)


@router.post("/grids/import", summary="Import a boundary file for one level")
async def import_grids(
    engine: EngineDep,
    settings: SettingsDep,
    locators: LocatorsDep,
    principal: GridImporter,
    actor: CurrentActor,
    file: Annotated[UploadFile, File(description="GeoJSON, GeoPackage or zipped Shapefile")],
    crs: Annotated[str, Form(pattern=CRS, description="EPSG code, 'gcj02' or 'bd09'")],
    level: Annotated[ImportLevel, Form()],
    district: Annotated[str | None, Form(pattern=ADCODE)] = None,
    strict: Annotated[bool, Form()] = False,
    dry_run: Annotated[bool, Form()] = False,
    field: Annotated[list[str] | None, Form(description=FIELD)] = None,
    encoding: Annotated[str | None, Form(description=ENCODING)] = None,
) -> dict:
    district = target_district(principal, district, settings.default_district)
    reading = imports.read_options_for(settings, encoding, field or [])
    table = await run_in_threadpool(read_upload, file, reading)
    report = await run_in_threadpool(
        imports.import_table,
        engine,
        table,
        level=level.value,
        crs=crs,
        district=district,
        strict=strict,
        dry_run=dry_run,
        resolution=settings.h3_resolution,
        actor=actor,
    )
    locators.invalidate(district)
    return report.to_dict()
