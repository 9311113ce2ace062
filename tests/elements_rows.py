"""Element rows written straight into ``elements`` as ingest stores them (issue 8 storage rules):
people and staff masked in ``name``/``attrs`` and sealed in ``pii``, ID numbers hashed.

``sample_rows`` builds a small known set in two grids (A and B) of one district; the counts
the tests expect are in ``EXPECTED_A``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import Connection, Engine, func, insert, text

from gridsvc.db.models import Element
from gridsvc.geo import SRID
from gridsvc.pii import Keyring, mask_id_number, mask_name, mask_phone
from gridsvc.spatial import h3cells

SOURCE = "test:elements"
RESOLUTION = 11
ID_A = "510104198001011234"
PHONE_A = "13812345678"


@dataclass(frozen=True)
class Grid:
    """A grid code and a point inside it (WGS 84)."""

    code: str
    lon: float
    lat: float


def grid_points(conn: Connection, codes: Iterable[str]) -> list[Grid]:
    """A point inside each grid of ``codes``, from ``units``."""
    out = []
    for code in codes:
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM units "
                "WHERE adcode = :a AND code = :c) s"
            ),
            {"a": code[:6], "c": code},
        ).one()
        out.append(Grid(code, lon, lat))
    return out


def _person(keyring: Keyring, grid: Grid, ext: str, full: dict, **kw) -> dict:  # type: ignore[no-untyped-def]
    attrs = {"id_number": mask_id_number(full.get("id_number")), "gender": "male"}
    if full.get("phone"):
        attrs["phone"] = mask_phone(full["phone"])
    return {
        "kind": "person",
        "external_id": ext,
        "name": mask_name(full["name"]),
        "attrs": attrs,
        "pii": keyring.seal(full),
        "id_hash": keyring.id_hash(full["id_number"]) if full.get("id_number") else None,
        "grid": grid,
        **kw,
    }


def _staff(keyring: Keyring, grid: Grid, ext: str, role: str, status: str, name: str) -> dict:
    phone = "1390000000" + ext[-1]
    return {
        "kind": "staff",
        "external_id": ext,
        "category": role,
        "status": status,
        "name": mask_name(name),
        "attrs": {"phone": mask_phone(phone)},
        "pii": keyring.seal({"name": name, "phone": phone}),
        "grid": grid,
        "no_geom": True,
    }


def sample_rows(keyring: Keyring, a: Grid, b: Grid) -> list[dict]:
    """Two households and a third resident in grid A, one resident in grid B, and places,
    components, organisations, situations and staff (see EXPECTED_A)."""
    now = datetime.now(UTC)
    full_a = {"name": "张三丰", "id_number": ID_A, "phone": PHONE_A, "address": "春熙路 1 号"}
    return [
        _person(
            keyring,
            a,
            "p1",
            full_a,
            category="registered",
            household_id="h1",
            tags=["elderly_alone", "party_member"],
        ),
        _person(
            keyring,
            a,
            "p2",
            {"name": "张小", "id_number": "510104201001011235"},
            category="registered",
            household_id="h1",
            tags=["left_behind_child"],
        ),
        _person(
            keyring,
            a,
            "p3",
            {"name": "王五", "id_number": "510104199001011236"},
            category="floating",
            household_id="h2",
            tags=["party_member"],
        ),
        _person(
            keyring,
            b,
            "p4",
            {"name": "李四", "id_number": "510104199501011237"},
            category="registered",
            household_id="h3",
            tags=["elderly_alone"],
        ),
        {
            "kind": "place",
            "external_id": "b1",
            "category": "building",
            "name": "1 号楼",
            "grid": a,
            "attrs": {"floors": 6},
        },
        {"kind": "place", "external_id": "c1", "category": "compound", "name": "锦园", "grid": a},
        {"kind": "thing", "external_id": "t1", "category": "01001", "status": "intact", "grid": a},
        {"kind": "thing", "external_id": "t2", "category": "01001", "status": "damaged", "grid": a},
        {"kind": "thing", "external_id": "t3", "category": "01002", "status": "intact", "grid": a},
        {
            "kind": "organisation",
            "external_id": "o1",
            "category": "party_org",
            "name": "一支部",
            "attrs": {"level": "grid_branch"},
            "grid": a,
        },
        {
            "kind": "organisation",
            "external_id": "o2",
            "category": "enterprise",
            "name": "某公司",
            "grid": a,
        },
        {
            "kind": "situation",
            "external_id": "s1",
            "category": "hazard",
            "severity": 2,
            "grid": a,
            "valid_from": now - timedelta(days=1),
        },
        {
            "kind": "situation",
            "external_id": "s2",
            "category": "risk",
            "severity": 3,
            "grid": a,
            "valid_from": now - timedelta(days=9),
            "valid_to": now - timedelta(days=2),
        },
        _staff(keyring, a, "st1", "grid_leader", "on_duty", "赵六"),
        _staff(keyring, a, "st2", "police_officer", "off_duty", "钱七"),
        _staff(keyring, b, "st3", "grid_leader", "on_duty", "孙八"),
    ]


EXPECTED_A = {
    "households": 2,
    "residents": {
        "total": 3,
        "by_registration": {"floating": 1, "registered": 2},
        "by_tag": {"elderly_alone": 1, "left_behind_child": 1, "party_member": 2},
    },
    "places": {"total": 2, "by_kind": {"building": 1, "compound": 1}},
    "components": {
        "total": 3,
        "by_status": {"damaged": 1, "intact": 2},
        "by_class": {"01001": {"damaged": 1, "intact": 1}, "01002": {"intact": 1}},
    },
    "organisations": {
        "total": 2,
        "by_kind": {"enterprise": 1, "party_org": 1},
        "party_organisations": 1,
        "party_organisations_by_level": {"grid_branch": 1},
        "party_members": 2,
    },
    "situations": {
        "open": 1,
        "by_kind": {"hazard": 1},
        "by_severity": {"2": 1},
        "by_kind_and_severity": {"hazard": {"2": 1}},
    },
}


def insert_rows(
    conn: Connection, adcode: str, rows: list[dict], source: str = SOURCE
) -> dict[str, int]:
    """Insert sample rows into ``elements``; their ids by external id."""
    values = []
    for i, row in enumerate(rows):
        grid: Grid = row["grid"]
        h3 = int(h3cells.latlng_to_cells(np.array([grid.lat]), np.array([grid.lon]), RESOLUTION)[0])
        point = func.ST_SetSRID(func.ST_MakePoint(grid.lon, grid.lat), SRID)
        value = {k: v for k, v in row.items() if k not in ("grid", "no_geom")}
        value.update(
            adcode=adcode,
            source=source,
            grid_code=grid.code,
            row_hash=i,
            geom=None if row.get("no_geom") else point,
            h3=None if row.get("no_geom") else h3,
        )
        values.append(value)
    ids = {}
    for value in values:  # one by one: the rows differ in their columns
        ids[value["external_id"]] = conn.execute(
            insert(Element).values(**value).returning(Element.element_id)
        ).scalar_one()
    return ids


def delete_rows(engine: Engine, source: str = SOURCE) -> None:
    """Delete the rows written under ``source``."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM elements WHERE source = :s"), {"s": source})
