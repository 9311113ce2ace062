"""Locate points in the unified grid, and H3 cell queries."""

from __future__ import annotations

import csv
import io
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from gridsvc.api.deps import CurrentPrincipal, EngineDep, LocatorsDep, SettingsDep
from gridsvc.api.params import CRS, Cell, Crs, District, GridCode, Lat, Lon, OptionalCrs, Rings
from gridsvc.auth import Action, authorize, search_district
from gridsvc.errors import InvalidInput
from gridsvc.services import cellqueries
from gridsvc.services import locate as locating

router = APIRouter(prefix="/api/v1", tags=["locate"])
_POINT = {
    "oneOf": [
        {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        {
            "type": "object",
            "required": ["lon", "lat"],
            "properties": {"id": {}, "lon": {"type": "number"}, "lat": {"type": "number"}},
        },
    ]
}
POINTS_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["points"],
                    "properties": {
                        "crs": {"type": "string", "pattern": CRS},
                        "points": {"type": "array", "items": _POINT},
                    },
                },
                "example": {"crs": "EPSG:4326", "points": [[103.79, 25.5]]},
            },
            "text/csv": {
                "schema": {"type": "string", "description": "header lon,lat[,id]; one point a row"},
                "example": "id,lon,lat\na,103.79,25.5\n",
            },
        },
    }
}


@router.get("/locate", summary="Grid, community, street, district and H3 cell of one point")
def locate_one(
    engine: EngineDep, locators: LocatorsDep, principal: CurrentPrincipal,
    lon: Lon, lat: Lat, crs: Crs = "EPSG:4326", district: District = None,
) -> dict:  # fmt: skip
    authorize(principal, Action.LOCATE)
    x, y = locating.to_wgs84(np.array([lon]), np.array([lat]), crs)
    found = locating.locate(engine, locators, x, y, search_district(principal, district))
    row = found.rows()[0]
    if "error" in row:
        raise InvalidInput(f"point ({lon}, {lat}) in {crs}: {row['error']}")
    return row


@router.post(
    "/locate",
    summary="Locate many points (JSON or CSV body)",
    openapi_extra=POINTS_BODY,
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
async def locate_many(
    request: Request, engine: EngineDep, locators: LocatorsDep, settings: SettingsDep,
    principal: CurrentPrincipal, crs: OptionalCrs = None, district: District = None,
) -> Response:  # fmt: skip
    authorize(principal, Action.LOCATE)
    body = await request.body()
    content_type = request.headers.get("content-type", "application/json")
    as_csv = "text/csv" in request.headers.get("accept", "")
    scope = search_district(principal, district)
    return await run_in_threadpool(
        _answer, engine, locators, body, content_type, crs, scope, settings.locate_max_points,
        as_csv,
    )  # fmt: skip


def _located(  # type: ignore[no-untyped-def]
    engine, locators, body: bytes, content_type: str, crs: str | None, district: str | None,
    max_points: int,
) -> tuple[locating.Located, list]:  # fmt: skip
    """Parse, convert and locate a request's points (CPU work: run off the event loop)."""
    x, y, ids, body_crs = locating.parse_points(body, content_type)
    if len(x) > max_points:
        raise InvalidInput(f"{len(x)} points in one request; the limit is {max_points}")
    lon, lat = locating.to_wgs84(x, y, crs or body_crs or "EPSG:4326")
    return locating.locate(engine, locators, lon, lat, district), ids


def _answer(  # type: ignore[no-untyped-def]
    engine, locators, body, content_type, crs, district, max_points, as_csv: bool
) -> Response:
    found, ids = _located(engine, locators, body, content_type, crs, district, max_points)
    rows = found.rows(ids)
    if as_csv:
        return Response(_csv(rows), media_type="text/csv")
    summary = {
        "points": len(rows),
        "inside": sum(1 for r in rows if r.get("inside")),
        "outside": sum(1 for r in rows if r.get("inside") is False),
        "invalid": sum(1 for r in rows if "error" in r),
    }
    return JSONResponse({"summary": summary, "results": rows})


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    fields = ["id", "lon", "lat", "inside", "grid_code", "community_code", "street_code",
              "district_code", "h3", "error"]  # fmt: skip
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@router.get("/locate/nearby", summary="Grids within k H3 rings of a point")
def nearby(
    engine: EngineDep, locators: LocatorsDep, principal: CurrentPrincipal,
    lon: Lon, lat: Lat, k: Rings = 1,
    crs: Crs = "EPSG:4326", district: District = None,
) -> dict:  # fmt: skip
    x, y = locating.to_wgs84(np.array([lon]), np.array([lat]), crs)
    return cellqueries.grids_near_point(
        engine, locators, principal, float(x[0]), float(y[0]), k, district
    )


@router.get("/cells/{cell}/grids", summary="Grids within k H3 rings of a cell")
def cell_grids(
    cell: Cell, engine: EngineDep, locators: LocatorsDep, principal: CurrentPrincipal,
    k: Rings = 0, district: District = None,
) -> dict:  # fmt: skip
    return cellqueries.grids_near_cell(engine, locators, principal, cell, k, district)


@router.get("/grids/{code}/cells", summary="H3 cells of a grid (interior and boundary)")
def grid_cells(
    code: GridCode, engine: EngineDep, locators: LocatorsDep, principal: CurrentPrincipal
) -> dict:
    return cellqueries.cells_of_grid(engine, locators, principal, code)


@router.post(
    "/cells/aggregate", summary="Count points per H3 cell and per unit", openapi_extra=POINTS_BODY
)
async def aggregate(
    request: Request, engine: EngineDep, locators: LocatorsDep, settings: SettingsDep,
    principal: CurrentPrincipal, resolution: Annotated[int, Query(ge=0, le=15)] = 9,
    crs: OptionalCrs = None, district: District = None,
) -> dict:  # fmt: skip
    authorize(principal, Action.LOCATE)
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    found, _ = await run_in_threadpool(
        _located, engine, locators, body, content_type, crs, search_district(principal, district),
        settings.locate_max_points,
    )  # fmt: skip
    return await run_in_threadpool(cellqueries.aggregate, found, resolution, locators.resolution)
