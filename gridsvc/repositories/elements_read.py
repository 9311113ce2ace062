"""Reading the ``elements`` table: filtered pages, one element, its sealed values, staff
records, and the grid card's aggregates in one statement.

Every query names ``adcode`` so that it routes to one shard (SPEC §7). Sealed values, ID
hashes and row hashes are selected only by ``sealed`` (for a reveal), never for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ARRAY, Connection, Text, cast, func, or_, select, text
from sqlalchemy.sql.elements import ColumnElement

from cameras.deviceid import VIDEO_TYPES
from gridsvc.db.models import Element
from gridsvc.geo import SRID

GEOJSON_DIGITS = 7
#: Staff members listed by name on a card (the counts cover everyone).
CARD_STAFF_LIST = 200
PARTY_MEMBER_TAG = "party_member"

SHOWN = (
    Element.element_id,
    Element.kind,
    Element.category,
    Element.source,
    Element.external_id,
    Element.name,
    Element.grid_code,
    Element.h3,
    Element.tags,
    Element.status,
    Element.severity,
    Element.valid_from,
    Element.valid_to,
    Element.household_id,
    Element.building_id,
    Element.parent_external_id,
    Element.attrs,
    func.ST_AsGeoJSON(Element.geom, GEOJSON_DIGITS).label("geometry"),
)


@dataclass(frozen=True)
class ElementFilter:
    """What to select in one district; ``grids`` limits to some grid codes, ``people`` False
    leaves persons out; ``code_range`` and ``h3_range`` are inclusive bounds."""

    adcode: str
    kind: str | None = None
    source: str | None = None
    code_range: tuple[str, str] | None = None
    h3_range: tuple[int, int] | None = None
    bbox: tuple[float, float, float, float] | None = None
    tag: str | None = None
    query: str | None = None
    grids: frozenset[str] | None = None
    people: bool = True


def _where(f: ElementFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [Element.adcode == f.adcode]
    if f.kind:
        clauses.append(Element.kind == f.kind)
    if not f.people:
        clauses.append(Element.kind != "person")
    if f.source:
        clauses.append(Element.source == f.source)
    if f.code_range:
        clauses.append(Element.grid_code.between(*f.code_range))
    if f.grids is not None:
        clauses.append(Element.grid_code.in_(sorted(f.grids)))
    if f.h3_range:
        clauses.append(Element.h3.between(*f.h3_range))
    if f.bbox:
        clauses.append(Element.geom.ST_Intersects(func.ST_MakeEnvelope(*f.bbox, SRID)))
    if f.tag:
        clauses.append(Element.tags.bool_op("@>")(cast([f.tag], ARRAY(Text))))
    if f.query:
        clauses.append(
            or_(Element.external_id == f.query, Element.name.contains(f.query, autoescape=True))
        )
    return clauses


def count_elements(conn: Connection, f: ElementFilter) -> int:
    """How many elements match."""
    return conn.execute(select(func.count()).select_from(Element).where(*_where(f))).scalar_one()


def select_elements(conn: Connection, f: ElementFilter, limit: int, offset: int) -> list[dict]:
    """A page of matching elements (shown columns only), ordered by id."""
    query = (
        select(*SHOWN).where(*_where(f)).order_by(Element.element_id).limit(limit).offset(offset)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def get_element(conn: Connection, adcode: str, element_id: int) -> dict | None:
    """One element's shown columns, or None."""
    query = select(*SHOWN, Element.adcode).where(
        Element.adcode == adcode, Element.element_id == element_id
    )
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def sealed(conn: Connection, adcode: str, element_id: int) -> dict | None:
    """Kind, grid and sealed personal values of one element (for a reveal), or None."""
    query = select(Element.kind, Element.grid_code, Element.pii).where(
        Element.adcode == adcode, Element.element_id == element_id
    )
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def staff_records(
    conn: Connection,
    *,
    external_id: str | None = None,
    element_id: int | None = None,
    source: str | None = None,
    adcode: str | None = None,
) -> list[dict]:
    """Staff elements by external id or element id (in one source and district when given).

    Without a district this searches every shard: used only when a key is created.
    """
    clauses = [Element.kind == "staff"]
    if external_id is not None:
        clauses.append(Element.external_id == external_id)
    if element_id is not None:
        clauses.append(Element.element_id == element_id)
    if source:
        clauses.append(Element.source == source)
    if adcode:
        clauses.append(Element.adcode == adcode)
    query = (
        select(
            Element.element_id,
            Element.adcode,
            Element.source,
            Element.external_id,
            Element.grid_code,
            Element.category.label("role"),
        )
        .where(*clauses)
        .order_by(Element.adcode, Element.source)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


#: One range scan of ix_elements_adcode_grid_code_kind reads the unit's rows once (open
#: situations only; the staff columns only for staff on duty); every aggregate reads them.
#: Cameras (video devices) by department and status come from a range scan of
#: ix_cameras_adcode_grid_code, the covered and total area of the unit's grids from
#: ``grid_coverage`` (a grid never computed counts as uncovered).
CARD_SQL = text(
    """
WITH e AS MATERIALIZED (
  SELECT kind, category, status, severity, household_id, tags, grid_code,
         CASE WHEN kind = 'organisation' AND category = 'party_org'
              THEN attrs ->> 'level' END AS level,
         CASE WHEN kind = 'staff' AND status = 'on_duty' THEN element_id END AS staff_id,
         CASE WHEN kind = 'staff' AND status = 'on_duty' THEN name END AS staff_name,
         CASE WHEN kind = 'staff' AND status = 'on_duty' THEN attrs ->> 'phone' END AS phone
    FROM elements
   WHERE adcode = :adcode AND grid_code BETWEEN :lo AND :hi
     AND (kind <> 'situation' OR ((valid_from IS NULL OR valid_from <= :now)
          AND (valid_to IS NULL OR valid_to > :now))))
SELECT u.code, u.level, u.name,
  (SELECT count(DISTINCT household_id) FROM e WHERE kind = 'person') AS households,
  (SELECT coalesce(json_agg(json_build_array(kind, category, status, severity, n, party)), '[]')
     FROM (SELECT kind, category, status, severity, count(*) AS n,
                  count(*) FILTER (WHERE tags @> ARRAY[:party_tag]) AS party
             FROM e GROUP BY kind, category, status, severity) g) AS groups,
  (SELECT coalesce(json_agg(json_build_array(tag, n)), '[]')
     FROM (SELECT tag, count(*) AS n FROM e, unnest(e.tags) AS tag
            WHERE kind = 'person' AND tags <> '{}' GROUP BY tag) t) AS tags,
  (SELECT coalesce(json_agg(json_build_array(level, n)), '[]')
     FROM (SELECT level, count(*) AS n FROM e WHERE level IS NOT NULL GROUP BY level) p)
     AS party_levels,
  (SELECT coalesce(json_agg(json_build_object('id', staff_id, 'role', category,
            'grid_code', grid_code, 'status', status, 'name', staff_name, 'phone', phone)), '[]')
     FROM (SELECT staff_id, category, grid_code, status, staff_name, phone FROM e
            WHERE staff_id IS NOT NULL
            ORDER BY grid_code, category, staff_id LIMIT :staff_limit) s) AS staff,
  (SELECT coalesce(json_agg(json_build_array(department, status, n)), '[]')
     FROM (SELECT department, status, count(*) AS n FROM cameras
            WHERE adcode = :adcode AND grid_code BETWEEN :lo AND :hi
              AND device_type = ANY(:video)
            GROUP BY department, status) c) AS cameras,
  (SELECT json_build_array(sum(coalesce(gc.covered_m2, 0)), sum(coalesce(gc.area_m2, g.area_m2)))
     FROM units g LEFT JOIN grid_coverage gc ON gc.adcode = g.adcode AND gc.grid_code = g.code
    WHERE g.adcode = :adcode AND g.level = 'grid' AND g.code BETWEEN :lo AND :hi) AS coverage
FROM units u
WHERE u.adcode = :adcode AND u.code = :code
"""
)


def card_aggregates(
    conn: Connection, code: str, bounds: tuple[str, str], now: datetime
) -> dict | None:
    """The grid card's aggregates of unit ``code`` over the grid codes within ``bounds``, in one
    statement: the unit (code, level, name), ``households``, ``groups`` (kind, category,
    status, severity, count, party members; situations open at ``now`` only), people's
    ``tags``, ``party_levels``, the ``staff`` on duty, ``cameras`` (department, status,
    count) and ``coverage`` (covered m², area m² of its grids). None when the unit does not
    exist.

    The unit's rows are read once, by a range scan of ix_elements_adcode_grid_code_kind in
    one district (see CARD_SQL).
    """
    params = {
        "adcode": code[:6],
        "code": code,
        "lo": bounds[0],
        "hi": bounds[1],
        "now": now,
        "party_tag": PARTY_MEMBER_TAG,
        "staff_limit": CARD_STAFF_LIST,
        "video": sorted(VIDEO_TYPES),
    }
    row = conn.execute(CARD_SQL, params).mappings().first()
    return dict(row) if row else None
