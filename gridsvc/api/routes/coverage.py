"""Camera coverage: a unit's covered share and blind spots, the cameras seeing a point, and
the recompute of a district's coverage."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from gridsvc.api.deps import CurrentActor, CurrentPrincipal, EngineDep, SettingsDep, permitted
from gridsvc.api.params import Crs, District, Lat, Lon, UnitCode
from gridsvc.auth import Action, Principal
from gridsvc.services import coverage

router = APIRouter(prefix="/api/v1", tags=["coverage"])

CoverageManager = Annotated[
    Principal, Depends(permitted(Action.MANAGE_CAMERAS, "coverage.recompute"))
]
Blind = Annotated[bool, Query(description="Include the blind spots (GeoJSON MultiPolygon)")]
SeeingLimit = Annotated[
    int, Query(ge=1, le=coverage.MAX_SEEING, description="Cameras listed at most")
]


@router.get(
    "/grids/{code}/coverage",
    summary="Camera coverage of a grid, community, street or district: covered share, "
    "cameras by department, blind spots",
)
def unit_coverage(
    code: UnitCode, engine: EngineDep, principal: CurrentPrincipal, blind: Blind = True
) -> dict:
    return coverage.unit_coverage(engine, principal, code, blind=blind)


@router.get(
    "/cameras/seeing",
    summary="Cameras whose view sector covers a point, nearest first (distance, bearing)",
)
def cameras_seeing(
    engine: EngineDep,
    principal: CurrentPrincipal,
    lon: Lon,
    lat: Lat,
    crs: Crs = "EPSG:4326",
    district: District = None,
    limit: SeeingLimit = coverage.MAX_SEEING,
) -> dict:
    return coverage.cameras_seeing(
        engine, principal, lon, lat, crs=crs, district=district, limit=limit
    )


@router.post("/coverage/recompute", summary="Recompute the camera coverage of a whole district")
def recompute_coverage(
    engine: EngineDep,
    settings: SettingsDep,
    principal: CoverageManager,
    actor: CurrentActor,
    district: District = None,
) -> dict:
    return coverage.recompute_district(
        engine, principal, actor, district, settings.default_district
    )
