"""The ``units`` table: districts, streets, communities and grids.

Every query that serves one district filters on ``adcode`` so that it routes to one
shard once the table is distributed (SPEC §7).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import shapely
from sqlalchemy import Connection, delete, func, literal_column, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert

from gridsvc.db.models import Unit
from gridsvc.geo import SRID

PROPERTY_COLUMNS = (Unit.code, Unit.name, Unit.level, Unit.parent_code, Unit.area_m2, Unit.adcode)
GEOJSON_DIGITS = 7  # ~1 cm at the equator


@dataclass(frozen=True)
class UnitFilter:
    """What to select: all fields optional; ``visible`` limits to a set of codes."""

    adcode: str | None = None
    level: str | None = None
    parent: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    visible: frozenset[str] | None = None
    query: str | None = None  # code prefix or part of the name


@dataclass(frozen=True)
class UnitShape:
    """A unit's code, parent and geometry, for validation and overlays."""

    code: str
    parent_code: str | None
    level: str
    name: str
    geometry: shapely.Geometry


def _where(f: UnitFilter) -> list:
    clauses = []
    adcode = f.adcode or (f.parent[:6] if f.parent else None)
    if adcode:
        clauses.append(Unit.adcode == adcode)
    if f.level:
        clauses.append(Unit.level == f.level)
    if f.parent:
        clauses.append(Unit.parent_code == f.parent)
    if f.bbox:
        envelope = func.ST_MakeEnvelope(*f.bbox, SRID)
        clauses.append(Unit.geom.ST_Intersects(envelope))
    if f.visible is not None:
        clauses.append(Unit.code.in_(sorted(f.visible)))
    if f.query:
        clauses.append(
            Unit.code.startswith(f.query, autoescape=True)
            | Unit.name.contains(f.query, autoescape=True)
        )
    return clauses


def count_units(conn: Connection, f: UnitFilter) -> int:
    """How many units match the filter."""
    return conn.execute(select(func.count()).select_from(Unit).where(*_where(f))).scalar_one()


def select_features(conn: Connection, f: UnitFilter, limit: int, offset: int) -> list[dict]:
    """Matching units as GeoJSON feature mappings, ordered by code."""
    geojson = func.ST_AsGeoJSON(Unit.geom, GEOJSON_DIGITS).label("geometry")
    rows = conn.execute(
        select(*PROPERTY_COLUMNS, geojson)
        .where(*_where(f))
        .order_by(Unit.code)
        .limit(limit)
        .offset(offset)
    ).mappings()
    return [_feature(r) for r in rows]


def select_labels(conn: Connection, f: UnitFilter, limit: int) -> list[dict]:
    """A label point (inside the unit) with code, name and level for each matching unit."""
    point = func.ST_PointOnSurface(Unit.geom)
    rows = conn.execute(
        select(Unit.code, Unit.name, Unit.level, func.ST_X(point), func.ST_Y(point))
        .where(*_where(f))
        .order_by(Unit.code)
        .limit(limit)
    ).all()
    return [
        {"type": "Feature", "id": code,
         "geometry": {"type": "Point", "coordinates": [round(x, 7), round(y, 7)]},
         "properties": {"code": code, "name": name, "level": level}}
        for code, name, level, x, y in rows
    ]  # fmt: skip


def get_feature(conn: Connection, code: str) -> dict | None:
    """One unit as a GeoJSON feature mapping, or None."""
    geojson = func.ST_AsGeoJSON(Unit.geom, GEOJSON_DIGITS).label("geometry")
    row = (
        conn.execute(
            select(*PROPERTY_COLUMNS, geojson).where(Unit.adcode == code[:6], Unit.code == code)
        )
        .mappings()
        .first()
    )
    return _feature(row) if row else None


def _feature(row) -> dict:  # type: ignore[no-untyped-def]
    props = {k: row[k] for k in ("code", "name", "level", "parent_code", "area_m2")}
    props["area_m2"] = round(props["area_m2"], 1)
    props["district_code"] = row["adcode"]
    return {
        "type": "Feature",
        "id": row["code"],
        "geometry": json.loads(row["geometry"]),
        "properties": props,
    }


def shapes(conn: Connection, adcode: str, levels: Iterable[str]) -> list[UnitShape]:
    """Codes and shapely geometries of a district's units at the given levels."""
    rows = conn.execute(
        select(Unit.code, Unit.parent_code, Unit.level, Unit.name, func.ST_AsBinary(Unit.geom))
        .where(Unit.adcode == adcode, Unit.level.in_(list(levels)))
        .order_by(Unit.code)
    ).all()
    return [
        UnitShape(code, parent, level, name, shapely.from_wkb(bytes(wkb)))
        for code, parent, level, name, wkb in rows
    ]


def upsert(conn: Connection, rows: Sequence[dict], chunk: int = 500) -> dict[str, int]:
    """Insert or update units by (adcode, code); rows whose data are identical are left alone.

    Each row has adcode, code, level, parent_code, name, area_m2, source and ``geometry``
    (shapely). Returns counts of inserted, updated and unchanged rows.
    """
    inserted = updated = 0
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        values = [
            {
                **{k: r[k] for k in ("adcode", "code", "level", "parent_code", "name", "source")},
                "area_m2": r["area_m2"],
                "geom": func.ST_Multi(func.ST_GeomFromWKB(shapely.to_wkb(r["geometry"]), SRID)),
            }
            for r in part
        ]
        stmt = pg_insert(Unit).values(values)
        ex = stmt.excluded
        changed = text(
            "(units.name, units.level, units.parent_code, units.geom, units.source) "
            "IS DISTINCT FROM (excluded.name, excluded.level, excluded.parent_code, "
            "excluded.geom, excluded.source)"
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[Unit.adcode, Unit.code],
            set_={
                "name": ex.name, "level": ex.level, "parent_code": ex.parent_code,
                "geom": ex.geom, "area_m2": ex.area_m2, "source": ex.source,
                "updated_at": func.clock_timestamp(),
            },
            where=changed,
        ).returning(literal_column("(xmax = 0)").label("inserted"))  # fmt: skip
        for (was_insert,) in conn.execute(stmt):
            if was_insert:
                inserted += 1
            else:
                updated += 1
    return {"inserted": inserted, "updated": updated, "unchanged": len(rows) - inserted - updated}


def codes(conn: Connection, adcode: str, level: str) -> set[str]:
    """Codes of a district's units at one level."""
    q = select(Unit.code).where(Unit.adcode == adcode, Unit.level == level)
    return set(conn.execute(q).scalars())


def delete_units(conn: Connection, adcode: str, codes: Iterable[str]) -> int:
    """Delete a district's units by code; returns how many went."""
    gone = sorted(codes)
    if not gone:
        return 0
    return conn.execute(delete(Unit).where(Unit.adcode == adcode, Unit.code.in_(gone))).rowcount


def lock_district(conn: Connection, adcode: str) -> None:
    """Serialise writers of one district until the transaction ends (advisory lock)."""
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('gridsvc:' || :a))"), {"a": adcode})


def districts_present(conn: Connection) -> list[str]:
    """Adcodes of districts loaded."""
    return list(conn.execute(select(Unit.adcode).where(Unit.level == "district")).scalars())
