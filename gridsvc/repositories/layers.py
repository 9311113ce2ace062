"""Departmental layers, their features, crosswalk and conflicts."""

from __future__ import annotations

import json
from collections.abc import Sequence

import shapely
from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from gridsvc.db.models import DeptGrid, DeptLayer, LayerConflict, LayerCrosswalk
from gridsvc.repositories.bulk import copy_rows, ewkb_hex

LAYER_COLUMNS = (
    DeptLayer.adcode, DeptLayer.layer_id, DeptLayer.kind, DeptLayer.department, DeptLayer.name,
    DeptLayer.version, DeptLayer.status, DeptLayer.source, DeptLayer.crs, DeptLayer.summary,
    DeptLayer.updated_at,
)  # fmt: skip


def upsert_layer(
    conn: Connection, *, adcode: str, kind: str, department: str, name: str,
    source: str | None, crs: str | None,
) -> tuple[int, int]:  # fmt: skip
    """Create the layer, or start its next version; returns (layer_id, version)."""
    stmt = pg_insert(DeptLayer).values(
        adcode=adcode, kind=kind, department=department, name=name, source=source, crs=crs
    )
    stmt = stmt.on_conflict_do_update(
        constraint="uq_dept_layers_department",
        set_={
            "version": DeptLayer.version + 1, "name": stmt.excluded.name,
            "source": stmt.excluded.source, "crs": stmt.excluded.crs,
            "status": "active", "updated_at": func.clock_timestamp(),
        },
    ).returning(DeptLayer.layer_id, DeptLayer.version)  # fmt: skip
    layer_id, version = conn.execute(stmt).one()
    return int(layer_id), int(version)


def replace_features(
    conn: Connection, adcode: str, layer_id: int, codes: Sequence[str | None],
    names: Sequence[str], geoms: Sequence, areas: Sequence[float],
) -> int:  # fmt: skip
    """Replace every feature of a layer (seq = position, from 1)."""
    conn.execute(delete(DeptGrid).where(DeptGrid.adcode == adcode, DeptGrid.layer_id == layer_id))
    rows = (
        (adcode, layer_id, i + 1, codes[i], names[i] or "", wkb, float(areas[i]))
        for i, wkb in enumerate(ewkb_hex(geoms))
    )
    columns = ("adcode", "layer_id", "seq", "code", "name", "geom", "area_m2")
    return copy_rows(conn, "dept_grids", columns, rows)


def replace_report(
    conn: Connection, adcode: str, layer_id: int, crosswalk: Sequence, conflicts: Sequence
) -> None:
    """Replace a layer's crosswalk rows and conflicts."""
    for table in (LayerCrosswalk, LayerConflict):
        conn.execute(delete(table).where(table.adcode == adcode, table.layer_id == layer_id))
    copy_rows(
        conn, "layer_crosswalk",
        ("adcode", "layer_id", "seq", "grid_code", "overlap_m2", "share_of_dept", "share_of_grid"),
        ((adcode, layer_id, r.dept_index + 1, r.grid_code, r.overlap_m2, r.share_of_dept,
          r.share_of_grid) for r in crosswalk),
    )  # fmt: skip
    geoms = ewkb_hex([c.geometry for c in conflicts], multi=False) if conflicts else []
    copy_rows(
        conn, "layer_conflicts",
        ("adcode", "layer_id", "conflict_id", "kind", "dept_codes", "grid_codes", "area_m2",
         "message", "geom"),
        ((adcode, layer_id, i + 1, c.kind, list(c.dept_codes), list(c.grid_codes),
          float(c.area_m2), c.message, geoms[i]) for i, c in enumerate(conflicts)),
    )  # fmt: skip


def set_summary(conn: Connection, adcode: str, layer_id: int, summary: dict) -> None:
    conn.execute(
        update(DeptLayer)
        .where(DeptLayer.adcode == adcode, DeptLayer.layer_id == layer_id)
        .values(summary=summary)
    )


def set_status(conn: Connection, adcode: str, layer_id: int, status: str) -> None:
    conn.execute(
        update(DeptLayer)
        .where(DeptLayer.adcode == adcode, DeptLayer.layer_id == layer_id)
        .values(status=status, updated_at=func.clock_timestamp())
    )


def list_layers(conn: Connection, adcode: str | None = None) -> list[dict]:
    """Every layer's metadata, optionally of one district."""
    q = select(*LAYER_COLUMNS).order_by(DeptLayer.adcode, DeptLayer.layer_id)
    if adcode:
        q = q.where(DeptLayer.adcode == adcode)
    return [dict(r) for r in conn.execute(q).mappings()]


def get_layer(conn: Connection, layer_id: int) -> dict | None:
    """One layer's metadata by id."""
    row = conn.execute(select(*LAYER_COLUMNS).where(DeptLayer.layer_id == layer_id)).mappings()
    first = row.first()
    return dict(first) if first else None


def feature_shapes(conn: Connection, adcode: str, layer_id: int) -> tuple[list, list, list]:
    """(codes, names, shapely geometries) of a layer's features in seq order."""
    rows = conn.execute(
        select(DeptGrid.code, DeptGrid.name, func.ST_AsBinary(DeptGrid.geom))
        .where(DeptGrid.adcode == adcode, DeptGrid.layer_id == layer_id)
        .order_by(DeptGrid.seq)
    ).all()
    return (
        [r[0] for r in rows],
        [r[1] for r in rows],
        [shapely.from_wkb(bytes(r[2])) for r in rows],
    )


def features_geojson(conn: Connection, adcode: str, layer_id: int) -> list[dict]:
    """A layer's features as GeoJSON feature mappings."""
    rows = conn.execute(
        select(DeptGrid.seq, DeptGrid.code, DeptGrid.name, DeptGrid.area_m2,
               func.ST_AsGeoJSON(DeptGrid.geom, 7))
        .where(DeptGrid.adcode == adcode, DeptGrid.layer_id == layer_id)
        .order_by(DeptGrid.seq)
    ).all()  # fmt: skip
    return [
        {"type": "Feature", "id": seq, "geometry": json.loads(gj),
         "properties": {"seq": seq, "code": code, "name": name, "area_m2": round(area, 1)}}
        for seq, code, name, area, gj in rows
    ]  # fmt: skip


def crosswalk_rows(conn: Connection, adcode: str, layer_id: int) -> list[dict]:
    """A layer's crosswalk rows with the departmental code of each feature."""
    rows = conn.execute(
        select(LayerCrosswalk.seq, DeptGrid.code.label("dept_code"), LayerCrosswalk.grid_code,
               LayerCrosswalk.overlap_m2, LayerCrosswalk.share_of_dept,
               LayerCrosswalk.share_of_grid)
        .join(DeptGrid, (DeptGrid.adcode == LayerCrosswalk.adcode)
              & (DeptGrid.layer_id == LayerCrosswalk.layer_id)
              & (DeptGrid.seq == LayerCrosswalk.seq))
        .where(LayerCrosswalk.adcode == adcode, LayerCrosswalk.layer_id == layer_id)
        .order_by(LayerCrosswalk.seq, LayerCrosswalk.grid_code)
    ).mappings()  # fmt: skip
    return [dict(r) for r in rows]


def conflicts(conn: Connection, adcode: str, layer_id: int) -> list[dict]:
    """A layer's conflicts, each with its geometry as GeoJSON."""
    rows = conn.execute(
        select(LayerConflict.conflict_id, LayerConflict.kind, LayerConflict.dept_codes,
               LayerConflict.grid_codes, LayerConflict.area_m2, LayerConflict.message,
               func.ST_AsGeoJSON(LayerConflict.geom, 7).label("geometry"))
        .where(LayerConflict.adcode == adcode, LayerConflict.layer_id == layer_id)
        .order_by(LayerConflict.conflict_id)
    ).mappings()  # fmt: skip
    return [
        {**{k: r[k] for k in r if k != "geometry"},
         "geometry": json.loads(r["geometry"]) if r["geometry"] else None}
        for r in rows
    ]  # fmt: skip
