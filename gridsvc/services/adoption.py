"""The unified grid from departmental layers: propose one, and adopt a proposal.

Adoption is one transaction: the proposal's grids replace the district's, the H3 index is
rebuilt and every layer's report recomputed; it is refused while keys hold removed grids.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import Connection, Engine

from gridsvc import errors
from gridsvc.auth import Principal
from gridsvc.coding import Level
from gridsvc.errors import InvalidInput
from gridsvc.geo.crs import parse_crs
from gridsvc.geo.measure import areas_m2
from gridsvc.repositories import keys as keys_repo
from gridsvc.repositories import layers as layers_repo
from gridsvc.repositories import units as units_repo
from gridsvc.services import audit, cells, coverage
from gridsvc.services.audit import Actor
from gridsvc.services.imports import import_in
from gridsvc.services.layers import PROPOSAL, build_report, feature_labels, layer_or_404
from gridsvc.unify.propose import propose_unified_grid
from ingest.readers import FeatureTable


def propose(
    engine: Engine, district: str, *, min_area_m2: float = 20_000.0, actor: Actor | None = None
) -> dict:
    """Overlay the district's departmental layers into a proposed unified grid (a layer)."""
    where = {"object_type": "layer", "district": district}
    with audit.audited(engine, actor, "layer.propose", **where):
        return _propose(engine, district, min_area_m2, actor, where)


def _propose(engine: Engine, district: str, min_area_m2: float, actor, where: dict) -> dict:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        units_repo.lock_district(conn, district)
        layers = [x for x in layers_repo.list_layers(conn, district) if x["kind"] == "departmental"]
        if not layers:
            raise InvalidInput(f"district {district} has no departmental layers to overlay")
        communities = units_repo.shapes(conn, district, ["community"])
        if not communities:
            raise InvalidInput(
                f"district {district} has no communities; a proposal never crosses community "
                "boundaries, so import communities first"
            )
        inputs = []
        for x in layers:
            codes, _, geoms = layers_repo.feature_shapes(conn, district, x["layer_id"])
            inputs.append((feature_labels(codes), geoms))
        proposed = propose_unified_grid(
            inputs,
            [c.code for c in communities],
            [c.geometry for c in communities],
            min_area_m2=min_area_m2,
        )
        names = {c.code: c.name for c in communities}
        layer_id, version = layers_repo.upsert_layer(
            conn,
            adcode=district,
            kind=PROPOSAL,
            department=PROPOSAL,
            name="proposed unified grid",
            source=", ".join(x["department"] for x in layers),
            crs="EPSG:4326",
        )
        geoms = [p.geometry for p in proposed]
        layers_repo.replace_features(
            conn,
            district,
            layer_id,
            [p.code for p in proposed],
            [f"{names.get(p.parent_code, '')}第{int(p.code[-3:])}网格" for p in proposed],
            geoms,
            areas_m2(geoms),
        )
        summary = build_report(conn, district, layer_id)
        detail = {"grids": len(proposed), "version": version, "min_area_m2": min_area_m2}
        audit.record(conn, actor, "layer.propose", object_ids=[layer_id], detail=detail, **where)
    return {"layer_id": layer_id, "version": version, "grids": len(proposed), "summary": summary}


def adopt(
    engine: Engine,
    layer_id: int,
    resolution: int,
    principal: Principal | None = None,
    actor: Actor | None = None,
) -> dict:
    """Make a proposal the district's unified grid, in one transaction.

    Its grids replace the district's, the H3 index is rebuilt, and the report of every layer
    of the district is recomputed against the new grids (no crosswalk or conflict keeps
    naming a removed grid). Refused with Conflict, nothing changed, while unrevoked keys are
    scoped to grids the adoption would remove.
    """
    where = {"object_type": "layer", "object_ids": [layer_id]}
    with audit.audited(engine, actor, "layer.adopt", **where):
        return _adopt(engine, layer_id, resolution, principal, actor, where)


def _adopt(  # type: ignore[no-untyped-def]
    engine: Engine, layer_id: int, resolution: int, principal, actor, where: dict
) -> dict:
    with engine.begin() as conn:
        layer = layer_or_404(conn, layer_id, principal)
        if layer["kind"] != PROPOSAL:
            raise InvalidInput(f"layer {layer_id} is a departmental layer, not a proposal")
        adcode = layer["adcode"]
        units_repo.lock_district(conn, adcode)
        codes, names, geoms = layers_repo.feature_shapes(conn, adcode, layer_id)
        removed = units_repo.codes(conn, adcode, Level.GRID.value) - set(codes)
        _refuse_if_keys_hold(conn, layer_id, removed)
        units_repo.delete_units(conn, adcode, removed)
        table = FeatureTable(
            geometries=np.asarray(geoms, dtype=object),
            codes=list(codes),
            names=list(names),
            parent_codes=[c[:12] for c in codes],
            source=f"proposal layer {layer_id}",
        )
        wgs84 = parse_crs("EPSG:4326")
        result, _ = import_in(conn, table, Level.GRID, wgs84, adcode, False, False)
        layers_repo.set_status(conn, adcode, layer_id, "adopted")
        state = cells.rebuild_in(conn, adcode, resolution)
        cameras = coverage.after_grids_changed(conn, adcode)
        reports = [x["layer_id"] for x in layers_repo.list_layers(conn, adcode)]
        for other in reports:
            build_report(conn, adcode, other)
        detail = {"grids": len(codes), "removed": len(removed), **result.written}
        audit.record(conn, actor, "layer.adopt", district=adcode, detail=detail, **where)
    return {
        "layer_id": layer_id,
        "adopted": True,
        "removed_grids": sorted(removed),
        "reports_rebuilt": reports,
        "import": result.to_dict(),
        "index": state,
        "cameras": cameras,
    }


def _refuse_if_keys_hold(conn: Connection, layer_id: int, removed: set[str]) -> None:
    blocking = keys_repo.active_scoped_to(conn, sorted(removed))
    if not blocking:
        return
    listed = "; ".join(f"key {k['prefix']} ({', '.join(k['grids'])})" for k in blocking)
    raise errors.Conflict(
        f"adopting layer {layer_id} would remove grids that {len(blocking)} active key(s) "
        f"are scoped to: {listed}. Revoke those keys, or scope them to grids the proposal "
        "keeps, then adopt again; nothing was changed",
        blocking_keys=blocking,
    )
