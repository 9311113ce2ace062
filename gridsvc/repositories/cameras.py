"""The camera registry tables: ``cameras`` and ``camera_aliases``.

Every query names ``adcode`` so that it routes to one shard (SPEC §7). Positions and view
sectors enter as WKB and leave as GeoJSON; the aliases table is kept in step with each
camera's ``aliases`` by ``replace_aliases`` in the writer's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, any_, func, literal, or_, select, text
from sqlalchemy.sql.elements import ColumnElement

from gridsvc.db.models import Camera, CameraAlias
from gridsvc.geo import SRID

GEOJSON_DIGITS = 7
#: Columns a write sets (besides adcode, device_id, geom and sector).
_TEXTS = ("name", "department", "integrator", "parent_id", "device_type", "source")
_MORE = ("manufacturer", "model", "address", "civil_code", "grid_code", "h3")
_VIEW = ("height_m", "heading_deg", "fov_deg", "range_m", "ptz_type")
WRITTEN = (*_TEXTS, *_MORE, *_VIEW, "streams", "tags", "aliases", "attrs")
SHOWN = (
    *(getattr(Camera, c) for c in ("adcode", "device_id", *WRITTEN)),
    Camera.status,
    Camera.status_since,
    Camera.last_seen,
    Camera.seen_since,
    Camera.alarms,
    Camera.created_at,
    Camera.updated_at,
    func.ST_X(Camera.geom).label("lon"),
    func.ST_Y(Camera.geom).label("lat"),
    func.ST_AsGeoJSON(Camera.sector, GEOJSON_DIGITS).label("sector"),
)


@dataclass(frozen=True)
class CameraFilter:
    """What a listing selects in one district; ``grids`` limits to some grid codes,
    ``grid_prefix`` to a grid, community or street."""

    adcode: str
    grids: frozenset[str] | None = None
    grid_prefix: str | None = None
    department: str | None = None
    status: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    query: str | None = None


def _row(mapping: Any) -> dict:
    row = dict(mapping)
    if "sector" in row:
        row["sector"] = json.loads(row["sector"]) if row["sector"] else None
    return row


def get(conn: Connection, adcode: str, device_id: str, *, lock: bool = False) -> dict | None:
    """One camera with every field (sector as GeoJSON), or None; ``lock``: FOR UPDATE."""
    query = select(*SHOWN).where(Camera.adcode == adcode, Camera.device_id == device_id)
    found = conn.execute(query.with_for_update() if lock else query).mappings().first()
    return _row(found) if found else None


def get_many(conn: Connection, adcode: str, device_ids: Sequence[str]) -> dict[str, dict]:
    """The cameras of ``device_ids`` that exist, by device ID, locked FOR UPDATE."""
    if not device_ids:
        return {}
    query = (
        select(*SHOWN)
        .where(Camera.adcode == adcode, Camera.device_id.in_(sorted(set(device_ids))))
        .order_by(Camera.device_id)
        .with_for_update()
    )
    return {r["device_id"]: _row(r) for r in conn.execute(query).mappings()}


_COLUMNS = ", ".join(("adcode", "device_id", *WRITTEN, "geom", "sector"))
_CASTS = {"h3": "bigint", "ptz_type": "smallint", "streams": "jsonb", "attrs": "jsonb"}
_CASTS |= {"tags": "text[]", "aliases": "text[]"}
_VALUES = ", ".join(
    [":adcode", ":device_id"]
    + [f"CAST(:{c} AS {_CASTS[c]})" if c in _CASTS else f":{c}" for c in WRITTEN]
    + [
        f"ST_SetSRID(ST_MakePoint(CAST(:lon AS float8), CAST(:lat AS float8)), {SRID})",
        f"ST_GeomFromWKB(CAST(:sector AS bytea), {SRID})",
    ]
)
_UPDATES = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*WRITTEN, "geom", "sector"))
UPSERT = text(
    f"INSERT INTO cameras ({_COLUMNS}) VALUES ({_VALUES}) "
    f"ON CONFLICT (adcode, device_id) DO UPDATE SET {_UPDATES}, updated_at = now()"
)


def upsert(conn: Connection, adcode: str, rows: Sequence[dict]) -> None:
    """Insert or update cameras: each row has the WRITTEN columns, ``lon``/``lat`` (WGS 84,
    None for no position) and ``sector`` (WKB bytes or None). Health fields are kept."""
    if not rows:
        return
    params = []
    for row in rows:
        p = {"adcode": adcode, **row}
        p["streams"] = json.dumps(list(row["streams"]), ensure_ascii=False)
        p["attrs"] = json.dumps(row["attrs"], ensure_ascii=False)
        p["tags"], p["aliases"] = list(row["tags"]), list(row["aliases"])
        params.append(p)
    conn.execute(UPSERT, params)


def alias_holders(conn: Connection, adcode: str, aliases: Iterable[str]) -> dict[str, str]:
    """alias → device ID of the camera holding it, for the aliases already taken."""
    wanted = sorted(set(aliases))
    if not wanted:
        return {}
    rows = conn.execute(
        select(CameraAlias.alias, CameraAlias.device_id).where(
            CameraAlias.adcode == adcode, CameraAlias.alias.in_(wanted)
        )
    )
    return {alias: device for alias, device in rows}


_RELEASE = text(
    "DELETE FROM camera_aliases WHERE adcode = :a AND device_id = ANY(CAST(:ids AS text[])) "
    "AND (device_id, alias) NOT IN "
    "(SELECT * FROM unnest(CAST(:devices AS text[]), CAST(:aliases AS text[])))"
)
_CLAIM = text(
    "INSERT INTO camera_aliases (adcode, alias, device_id) "
    "SELECT :a, alias, device FROM unnest(CAST(:devices AS text[]), CAST(:aliases AS text[])) "
    "AS t(device, alias) "
    "ON CONFLICT (adcode, alias) DO UPDATE SET device_id = EXCLUDED.device_id "
    "WHERE camera_aliases.device_id = EXCLUDED.device_id RETURNING alias"
)


def replace_aliases(conn: Connection, adcode: str, aliases: Mapping[str, Sequence[str]]) -> list:
    """Make each camera's alias rows exactly its ``aliases`` (device ID → aliases); returns
    (alias, device ID) pairs not claimed because another camera holds the alias (the caller
    rolls back)."""
    pairs = [(d, a) for d, some in aliases.items() for a in some]
    params = {
        "a": adcode,
        "ids": list(aliases),
        "devices": [d for d, _ in pairs],
        "aliases": [a for _, a in pairs],
    }
    conn.execute(_RELEASE, params)
    if not pairs:
        return []
    claimed = {r[0] for r in conn.execute(_CLAIM, params)}
    return [(a, d) for d, a in pairs if a not in claimed]


def _where(f: CameraFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [Camera.adcode == f.adcode]
    if f.grids is not None:
        clauses.append(Camera.grid_code.in_(sorted(f.grids)))
    if f.grid_prefix:
        clauses.append(Camera.grid_code.startswith(f.grid_prefix, autoescape=True))
    if f.department:
        clauses.append(Camera.department == f.department)
    if f.status:
        clauses.append(Camera.status == f.status)
    if f.bbox:
        clauses.append(Camera.geom.ST_Intersects(func.ST_MakeEnvelope(*f.bbox, SRID)))
    if f.query:
        clauses.append(
            or_(
                Camera.name.icontains(f.query, autoescape=True),
                Camera.device_id.startswith(f.query, autoescape=True),
                literal(f.query.lower()) == any_(Camera.aliases),
            )
        )
    return clauses


def count(conn: Connection, f: CameraFilter) -> int:
    """How many cameras match."""
    return conn.execute(select(func.count()).select_from(Camera).where(*_where(f))).scalar_one()


def page(conn: Connection, f: CameraFilter, limit: int, offset: int) -> list[dict]:
    """A page of matching cameras in device ID order."""
    query = select(*SHOWN).where(*_where(f)).order_by(Camera.device_id).limit(limit).offset(offset)
    return [_row(r) for r in conn.execute(query).mappings()]


_REPLACE_SQL = text(
    """
WITH placed AS (
  SELECT c.device_id,
         (SELECT min(u.code) FROM units u
           WHERE u.adcode = c.adcode AND u.level = 'grid' AND ST_Covers(u.geom, c.geom)) AS code
    FROM cameras c
   WHERE c.adcode = :adcode AND c.geom IS NOT NULL
)
UPDATE cameras c SET grid_code = p.code, updated_at = now()
  FROM placed p
 WHERE c.adcode = :adcode AND c.device_id = p.device_id AND c.grid_code IS DISTINCT FROM p.code
RETURNING c.device_id
"""
)


def replace_in_grids(conn: Connection, adcode: str) -> int:
    """Give every camera of the district the grid now covering it (the smallest code on a
    shared border, as locate answers), after its grids changed; how many moved grid."""
    return len(conn.execute(_REPLACE_SQL, {"adcode": adcode}).all())


def has_cameras(conn: Connection, adcode: str) -> bool:
    """Whether the district has any camera registered."""
    found = conn.execute(text("SELECT 1 FROM cameras WHERE adcode = :a LIMIT 1"), {"a": adcode})
    return found.first() is not None
