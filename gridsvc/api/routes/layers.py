"""Departmental layers (多网合一): import, list, report, propose and adopt."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from gridsvc.api.deps import (
    CurrentActor,
    CurrentPrincipal,
    EngineDep,
    LocatorsDep,
    SettingsDep,
    permitted,
)
from gridsvc.api.params import ADCODE, CRS, TEXT, LayerId
from gridsvc.api.responses import GEOJSON, GeoJSONResponse
from gridsvc.api.uploads import ENCODING, FIELD, read_upload
from gridsvc.auth import Action, Principal, authorize, require_district, target_district
from gridsvc.repositories import layers as layers_repo
from gridsvc.services import adoption, imports, layers

router = APIRouter(prefix="/api/v1/layers", tags=["layers"])
LayerImporter = Annotated[Principal, Depends(permitted(Action.IMPORT_UNITS, "layer.import"))]
ReportRefresher = Annotated[Principal, Depends(permitted(Action.IMPORT_UNITS, "layer.report"))]
Proposer = Annotated[Principal, Depends(permitted(Action.IMPORT_UNITS, "layer.propose"))]
Adopter = Annotated[Principal, Depends(permitted(Action.IMPORT_UNITS, "layer.adopt"))]


@router.get("", summary="Departmental layers and proposals")
def list_layers(
    engine: EngineDep, principal: CurrentPrincipal,
    district: Annotated[str | None, Query(pattern=ADCODE)] = None,
) -> dict:  # fmt: skip
    authorize(principal, Action.READ_LAYERS)
    if district:
        require_district(principal, district)
    with engine.connect() as conn:
        found = layers_repo.list_layers(conn, district or principal.district)
    return {"layers": found}


@router.post("", summary="Import (or replace) one department's grid layer")
async def import_layer(
    engine: EngineDep,
    settings: SettingsDep,
    principal: LayerImporter,
    actor: CurrentActor,
    file: Annotated[UploadFile, File(description="GeoJSON, GeoPackage or zipped Shapefile")],
    department: Annotated[
        str, Form(max_length=100, pattern=TEXT, description="e.g. 城管, 综治, 公安")
    ],
    crs: Annotated[str, Form(pattern=CRS, description="EPSG code, 'gcj02' or 'bd09'")],
    district: Annotated[str | None, Form(pattern=ADCODE)] = None,
    name: Annotated[str, Form(max_length=200, pattern=TEXT)] = "",
    strict: Annotated[bool, Form()] = False,
    dry_run: Annotated[bool, Form()] = False,
    field: Annotated[list[str] | None, Form(description=FIELD)] = None,
    encoding: Annotated[str | None, Form(description=ENCODING)] = None,
) -> dict:
    reading = imports.read_options_for(settings, encoding, field or [])
    table = await run_in_threadpool(read_upload, file, reading)
    return await run_in_threadpool(
        layers.import_layer,
        engine,
        table,
        department=department,
        crs=crs,
        district=target_district(principal, district, settings.default_district),
        name=name,
        strict=strict,
        dry_run=dry_run,
        actor=actor,
    )


@router.get("/{layer_id}", summary="One layer's metadata and summary")
def get_layer(layer_id: LayerId, engine: EngineDep, principal: CurrentPrincipal) -> dict:
    authorize(principal, Action.READ_LAYERS)
    with engine.connect() as conn:
        return layers.layer_or_404(conn, layer_id, principal)


@router.get(
    "/{layer_id}/features", response_class=GeoJSONResponse, summary="A layer's features as GeoJSON"
)
def layer_features(
    layer_id: LayerId, engine: EngineDep, principal: CurrentPrincipal
) -> GeoJSONResponse:
    authorize(principal, Action.READ_LAYERS)
    with engine.connect() as conn:
        layer = layers.layer_or_404(conn, layer_id, principal)
        feats = layers_repo.features_geojson(conn, layer["adcode"], layer_id)
    return GeoJSONResponse({"type": "FeatureCollection", "features": feats})


@router.get(
    "/{layer_id}/report",
    summary="Crosswalk and conflicts against the unified grid",
    responses={200: {"content": {"application/json": {}, GEOJSON: {}}}},
)
def layer_report(
    layer_id: LayerId, engine: EngineDep, principal: CurrentPrincipal,
    format: Annotated[str, Query(pattern="^(json|geojson)$")] = "json",
) -> JSONResponse:  # fmt: skip
    authorize(principal, Action.READ_LAYERS)
    body = layers.report(engine, layer_id, principal)
    if format == "json":
        return JSONResponse(jsonable_encoder(body))
    features = [
        {"type": "Feature", "id": c["conflict_id"], "geometry": c["geometry"],
         "properties": {k: v for k, v in c.items() if k != "geometry"}}
        for c in body["conflicts"]
    ]  # fmt: skip
    return GeoJSONResponse({"type": "FeatureCollection", "features": features})


@router.post("/{layer_id}/report", summary="Recompute a layer's report against the current grid")
def refresh_report(
    layer_id: LayerId, engine: EngineDep, principal: ReportRefresher, actor: CurrentActor
) -> dict:
    return layers.refresh_report(engine, layer_id, principal, actor)


@router.post("/propose", summary="Propose a unified grid from the departmental layers")
def propose(
    engine: EngineDep,
    settings: SettingsDep,
    principal: Proposer,
    actor: CurrentActor,
    district: Annotated[str | None, Query(pattern=ADCODE)] = None,
    min_area_m2: Annotated[float, Query(gt=0, le=1e12, allow_inf_nan=False)] = 20_000.0,
) -> dict:
    adcode = target_district(principal, district, settings.default_district)
    return adoption.propose(engine, adcode, min_area_m2=min_area_m2, actor=actor)


@router.post("/{layer_id}/adopt", summary="Adopt a proposal as the unified grid")
def adopt(
    layer_id: LayerId,
    engine: EngineDep,
    settings: SettingsDep,
    locators: LocatorsDep,
    principal: Adopter,
    actor: CurrentActor,
) -> dict:
    result = adoption.adopt(engine, layer_id, settings.h3_resolution, principal, actor)
    locators.invalidate()
    return jsonable_encoder(result)
