"""Reading elements with the caller's scope: pages of masked features, one element, the grid
card, and the audited reveal of a person's or staff member's sealed values.

Role rules (gridsvc.auth): admins and grid leaders (own grids) receive person rows; operators
and planners see people only as counts (the card) — asking them for ``kind=person`` is 403,
unfiltered listings leave people out, and one person by id is 404. A district-limited key
reads its district only. Reveals: admin, or the grid leader of the element's grid.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Engine

from cameras.coverage import camera_summary
from gridsvc import elementview
from gridsvc.auth import (
    Action,
    Principal,
    authorize,
    element_scope,
    require_card,
    require_element,
    require_reveal,
    target_district,
)
from gridsvc.errors import InvalidInput, NotFound
from gridsvc.pii import Keyring
from gridsvc.repositories import elements_read as repo
from gridsvc.repositories.elements_read import ElementFilter
from gridsvc.services import audit
from gridsvc.services.audit import Actor
from gridsvc.spatial import h3cells


@dataclass(frozen=True)
class ElementQuery:
    """A listing request as the route received it (strings not yet checked against data)."""

    district: str | None = None
    kind: str | None = None
    source: str | None = None
    grid: str | None = None  # a district, street, community or grid code
    cell: str | None = None  # an H3 cell, hexadecimal, at the index resolution or coarser
    bbox: tuple[float, float, float, float] | None = None
    tag: str | None = None
    query: str | None = None


def _cell_range(text: str, resolution: int) -> tuple[int, int]:
    try:
        cell = int(h3cells.str_to_cells([text])[0])
    except (ValueError, TypeError):
        cell = 0
    if not cell:
        raise InvalidInput(f"cell '{text}' is not a valid H3 cell index")
    return elementview.cell_range(cell, resolution)


def _filter(principal: Principal, q: ElementQuery, default: str, resolution: int) -> ElementFilter:
    scope = element_scope(principal, q.kind)
    adcode = target_district(principal, q.district, default)
    if q.grid and not q.grid.startswith(adcode):
        raise InvalidInput(f"grid '{q.grid}' is not in district {adcode}")
    return ElementFilter(
        adcode=adcode,
        kind=q.kind,
        source=q.source,
        code_range=elementview.code_range(q.grid) if q.grid else None,
        h3_range=_cell_range(q.cell, resolution) if q.cell else None,
        bbox=q.bbox,
        tag=q.tag,
        query=q.query,
        grids=scope.grid_codes,
        people=scope.people,
    )


def feature_collection(
    engine: Engine,
    principal: Principal,
    q: ElementQuery,
    *,
    default_district: str,
    resolution: int,
    limit: int,
    offset: int,
) -> dict:
    """Matching elements as a FeatureCollection (masked) with numberMatched/numberReturned."""
    if q.grid and not q.district:
        q = replace(q, district=q.grid[:6])
    f = _filter(principal, q, default_district, resolution)
    with engine.connect() as conn:
        total = repo.count_elements(conn, f)
        rows = repo.select_elements(conn, f, limit, offset) if offset < total else []
    features = [elementview.feature(r) for r in rows]
    return {
        "type": "FeatureCollection",
        "numberMatched": total,
        "numberReturned": len(features),
        "features": features,
    }


def element_feature(
    engine: Engine, principal: Principal, element_id: int, *, district: str | None, default: str
) -> dict:
    """One element as a masked Feature; NotFound when absent or outside the caller's scope."""
    adcode = target_district(principal, district, default)
    with engine.connect() as conn:
        row = repo.get_element(conn, adcode, element_id)
    if row is None:
        raise NotFound(f"no element {element_id}")
    require_element(principal, element_id, adcode, row["kind"], row["grid_code"])
    return elementview.feature(row)


def reveal(
    engine: Engine,
    keyring: Keyring,
    principal: Principal,
    actor: Actor,
    element_id: int,
    reason: str,
    *,
    district: str | None,
    default: str,
) -> dict:
    """The unsealed personal values of one person or staff member, audited with the reason."""
    ids = [element_id]
    where = district or principal.district
    with audit.audited(
        engine, actor, "elements.reveal", object_type="element", object_ids=ids, district=where
    ):
        authorize(principal, Action.REVEAL_PERSONAL_DATA)
        adcode = target_district(principal, district, default)
        stated = elementview.check_reason(reason)
        with engine.begin() as conn:
            row = repo.sealed(conn, adcode, element_id)
            if row is None:
                raise NotFound(f"no element {element_id}")
            require_reveal(principal, element_id, adcode, row["kind"], row["grid_code"])
            if row["pii"] is None:
                raise InvalidInput(f"element {element_id} ({row['kind']}) holds no personal data")
            values = keyring.unseal(bytes(row["pii"]))
            audit.record(
                conn,
                actor,
                "elements.reveal",
                object_type="element",
                object_ids=ids,
                district=adcode,
                detail={"reason": stated, "kind": row["kind"], "fields": sorted(values)},
            )
    return {"id": element_id, "kind": row["kind"], **values}


def grid_card(engine: Engine, principal: Principal, code: str) -> dict:
    """The card of a grid, community, street or district: counts, staff on duty, cameras."""
    require_card(principal, code)
    now = datetime.now(UTC)
    with engine.connect() as conn:
        raw = repo.card_aggregates(conn, code, elementview.code_range(code), now)
    if raw is None:
        raise NotFound(f"no grid with code '{code}'")
    covered, area = raw.get("coverage") or (None, None)
    return {
        **elementview.card(raw, raw, now),
        "cameras": camera_summary(raw.get("cameras") or [], covered, area),
    }
