"""Key elements (people, places, things, organisations, situations, staff) as masked GeoJSON,
the audited reveal of personal data, and the grid card."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from gridsvc.api.deps import (
    CurrentActor,
    CurrentPrincipal,
    EngineDep,
    KeyringDep,
    SettingsDep,
)
from gridsvc.api.params import (
    H3_CELL,
    TEXT,
    UNIT_CODE,
    District,
    ElementId,
    Offset,
    UnitCode,
    parse_bbox,
)
from gridsvc.api.responses import GeoJSONResponse, paged_geojson
from gridsvc.elementview import MAX_REASON, MIN_REASON
from gridsvc.services import elements
from gridsvc.services.elements import ElementQuery

router = APIRouter(prefix="/api/v1", tags=["elements"])
MAX_LIMIT = 1000


class KindParam(StrEnum):
    person = "person"
    place = "place"
    thing = "thing"
    organisation = "organisation"
    situation = "situation"
    staff = "staff"


class RevealRequest(BaseModel):
    """Why the full personal values are needed (kept in the audit log)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=MIN_REASON, max_length=MAX_REASON, pattern=TEXT)


class Revealed(BaseModel):
    """The unsealed personal values of one person or staff member."""

    id: int
    kind: str
    name: str | None = None
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None
    birth_date: str | None = None


@router.get(
    "/elements",
    response_class=GeoJSONResponse,
    summary="Key elements as GeoJSON (masked; people only for admins and grid leaders)",
)
def list_elements(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    kind: KindParam | None = None,
    source: Annotated[str | None, Query(min_length=1, max_length=200, pattern=TEXT)] = None,
    grid: Annotated[
        str | None, Query(pattern=UNIT_CODE, description="Grid, community, street or district")
    ] = None,
    cell: Annotated[
        str | None, Query(pattern=H3_CELL, description="H3 cell (hex), index resolution or coarser")
    ] = None,
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat")] = None,
    tag: Annotated[
        str | None, Query(pattern=r"^[a-z0-9_]{1,40}$", description="A tag code")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1, max_length=40, pattern=TEXT, description="External id or part of the name"
        ),
    ] = None,
    district: District = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Features per page")] = 100,
    offset: Offset = 0,
) -> GeoJSONResponse:
    query = ElementQuery(
        district=district,
        kind=kind.value if kind else None,
        source=source,
        grid=grid,
        cell=cell,
        bbox=parse_bbox(bbox),
        tag=tag,
        query=q,
    )
    body = elements.feature_collection(
        engine,
        principal,
        query,
        default_district=settings.default_district,
        resolution=settings.h3_resolution,
        limit=limit,
        offset=offset,
    )
    return paged_geojson(body, request, limit, offset)


@router.get("/elements/{element_id}", response_class=GeoJSONResponse, summary="One element")
def get_element(
    element_id: ElementId,
    engine: EngineDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    district: District = None,
) -> GeoJSONResponse:
    feature = elements.element_feature(
        engine, principal, element_id, district=district, default=settings.default_district
    )
    return GeoJSONResponse(feature)


@router.post(
    "/elements/{element_id}/reveal",
    summary="The full personal values of a person or staff member (audited, with a reason)",
)
def reveal(
    element_id: ElementId,
    body: RevealRequest,
    response: Response,
    engine: EngineDep,
    settings: SettingsDep,
    keyring: KeyringDep,
    principal: CurrentPrincipal,
    actor: CurrentActor,
    district: District = None,
) -> Revealed:
    values = elements.reveal(
        engine,
        keyring,
        principal,
        actor,
        element_id,
        body.reason,
        district=district,
        default=settings.default_district,
    )
    response.headers["Cache-Control"] = "no-store"
    return Revealed(**values)


@router.get(
    "/grids/{code}/card",
    summary="Grid card: households, residents, places, components, organisations, staff, "
    "situations of a grid, community, street or district",
)
def grid_card(code: UnitCode, engine: EngineDep, principal: CurrentPrincipal) -> dict:
    return elements.grid_card(engine, principal, code)
