"""Registering cameras: checked records placed in their grid and H3 cell, written with their
aliases, the coverage of the grids they touch recomputed, audited; one transaction a batch.

Each item ends created, updated, unchanged (the stored camera already says the same) or
rejected with its errors: a bad field, a position outside the district (``outside_district``,
or ``swapped_coordinates`` when lat/lon exchanged would fall inside), a device ID given twice
(``duplicate_in_file``: the first wins), or an alias another camera holds (``alias_conflict``
naming the holder). A rejected item does not block the rest of its batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, Engine

from cameras.fields import FieldError
from cameras.record import CameraRecord, check_record
from cameras.view import record_input
from gridsvc.auth import Action, Principal, authorize, target_district
from gridsvc.errors import Conflict, InvalidInput, NotFound
from gridsvc.repositories import cameras as repo
from gridsvc.repositories import coverage
from gridsvc.services import audit
from gridsvc.services.audit import Actor
from gridsvc.services.cells import LocatorCache
from gridsvc.services.ingest_batch import check_district
from ingest.location import DistrictArea

STATUSES = ("created", "updated", "unchanged", "rejected")


@dataclass
class Candidate:
    """One item to register: its checked record, or the errors that keep it out."""

    index: int
    record: CameraRecord | None
    errors: list[FieldError] = field(default_factory=list)
    where: str | None = None  # "row 7", "SN 248, message 2, item 1"
    ref: str | None = None  # the device ID as given
    place: tuple[str | None, int | None] = (None, None)  # grid code and H3 cell, once placed


@dataclass
class ItemResult:
    """What became of one item."""

    index: int
    status: str
    device_id: str | None = None
    grid_code: str | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    where: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "status": self.status}
        out |= {"device_id": self.device_id, "grid_code": self.grid_code}
        if self.where:
            out["where"] = self.where
        if self.errors:
            out["errors"] = self.errors
        return out


def counts(results: Sequence[ItemResult]) -> dict[str, int]:
    """How many items ended in each status."""
    found = Counter(r.status for r in results)
    return {s: found.get(s, 0) for s in STATUSES}


def candidates(items: Sequence[Mapping[str, Any]], crs: str | None = None) -> list[Candidate]:
    """Check raw items (JSON objects or table rows as dicts)."""
    out = []
    for i, raw in enumerate(items):
        record, errors = check_record(raw, crs=crs)
        ref = raw.get("device_id")
        out.append(Candidate(i, record, errors, ref=str(ref) if ref is not None else None))
    return out


def register_for(
    engine: Engine,
    locators: LocatorCache,
    principal: Principal,
    actor: Actor,
    items: Sequence[Mapping[str, Any]],
    *,
    district: str | None,
    default: str,
    single: bool = False,
) -> list[ItemResult]:
    """Register raw camera items on behalf of a caller allowed to manage cameras; ``single``
    raises a rejected item as a problem (see ``raise_rejected``)."""
    where = district or principal.district
    with audit.audited(engine, actor, "camera.register", object_type="camera", district=where):
        authorize(principal, Action.MANAGE_CAMERAS)
        adcode = target_district(principal, district, default)
        results = register(engine, locators, actor, adcode, candidates(items), source="api")
        if single:
            raise_rejected(results[0])
        return results


def register(
    engine: Engine,
    locators: LocatorCache,
    actor: Actor | None,
    adcode: str,
    items: Sequence[Candidate],
    *,
    source: str,
    dry_run: bool = False,
    action: str = "camera.register",
) -> list[ItemResult]:
    """Place, compare and write checked items in one transaction; per-item results."""
    results = {c.index: _rejected(c, c.errors) for c in items if c.record is None}
    todo = _first_of_each(items, results)
    area = check_district(engine, locators, adcode) if todo else None
    placed = _place(engine, locators, adcode, area, todo, results)
    with engine.begin() as conn:
        stored = repo.get_many(conn, adcode, [c.record.device_id for c in placed])  # type: ignore[union-attr]
        values = _alias_checked(conn, adcode, placed, stored, source, results)
        changed = [v for v in values if _differs(v, stored.get(v["device_id"]))]
        new = {v["device_id"] for v in changed}
        for c, v in zip(placed, values, strict=True):
            status = "unchanged"
            if v["device_id"] in new:
                status = "updated" if v["device_id"] in stored else "created"
            results[c.index] = ItemResult(c.index, status, v["device_id"], v["grid_code"])
        if changed and not dry_run:
            _write(conn, adcode, changed)
            ids = [v["device_id"] for v in changed]
            detail = {"source": source, **counts(list(results.values()))}
            audit.record(
                conn,
                actor,
                action,
                object_type="camera",
                object_ids=ids,
                district=adcode,
                detail=detail,
            )
    return [results[i] for i in sorted(results)]


def _rejected(c: Candidate, errors: Sequence[FieldError]) -> ItemResult:
    return ItemResult(c.index, "rejected", c.ref, None, [e.as_dict() for e in errors], c.where)


def _first_of_each(items: Sequence[Candidate], results: dict) -> list[Candidate]:
    """Items with a record; a device ID met earlier in the batch is rejected."""
    first: dict[str, Candidate] = {}
    for c in items:
        if c.record is None:
            continue
        ident = c.record.device_id
        if ident in first:
            before = first[ident].where or f"item {first[ident].index}"
            why = f"device_id {ident} was given before ({before}): the first wins"
            results[c.index] = _rejected(c, [FieldError("device_id", "duplicate_in_file", why)])
        else:
            first[ident] = c
    return list(first.values())


def _place(
    engine: Engine,
    locators: LocatorCache,
    adcode: str,
    area: DistrictArea | None,
    items: list[Candidate],
    results: dict,
) -> list[Candidate]:
    """Items placed: their grid and cell found; a position off the district is rejected."""
    located = [c for c in items if c.record and c.record.lon is not None]
    kept = [c for c in items if c.record and c.record.lon is None]
    if not located or area is None:
        return kept
    locator = locators.get(engine, adcode)
    if locator is None:
        raise InvalidInput(f"district {adcode} has no grid index: import its grids first")
    lon = np.array([c.record.lon for c in located], dtype=np.float64)  # type: ignore[union-attr]
    lat = np.array([c.record.lat for c in located], dtype=np.float64)  # type: ignore[union-attr]
    inside = area.contains_xy(lon, lat)
    swapped = ~inside & area.contains_xy(lat.copy(), lon.copy())
    found = locator.locate(lon, lat)
    grids = locator.codes(found.grid_id)
    for i, c in enumerate(located):
        if inside[i]:
            c.place = (grids[i], int(found.cells[i]))
            kept.append(c)
            continue
        code, why = (
            ("swapped_coordinates", "lon and lat look exchanged: swapped, the point is inside")
            if swapped[i]
            else ("outside_district", f"the position is outside district {adcode}")
        )
        results[c.index] = _rejected(c, [FieldError("lon", code, why)])
    return sorted(kept, key=lambda c: c.index)


def _alias_checked(
    conn: Connection, adcode: str, items: list[Candidate], stored: dict, source: str, results: dict
) -> list[dict]:
    """The values to write of items whose aliases are free (others rejected, in results)."""
    holders = repo.alias_holders(conn, adcode, [a for c in items for a in c.record.aliases])  # type: ignore[union-attr]
    out = []
    for c in items:
        rec = c.record
        assert rec is not None
        own = rec.device_id
        taken = [(a, holders[a]) for a in rec.aliases if holders.get(a, own) != own]
        if taken:
            errors = [
                FieldError("aliases", "alias_conflict", f"alias '{a}' is held by camera {d}")
                for a, d in taken
            ]
            results[c.index] = _rejected(c, errors)
            continue
        holders |= dict.fromkeys(rec.aliases, rec.device_id)
        out.append(_values(rec, source, c.place, stored))
    kept = {v["device_id"] for v in out}
    items[:] = [c for c in items if c.record and c.record.device_id in kept]
    return out


def _values(rec: CameraRecord, source: str, place: tuple, stored: dict) -> dict[str, Any]:
    """The row to write for a record (attributes merged into the stored ones)."""
    before = stored.get(rec.device_id) or {}
    row = {k: v for k, v in rec.as_dict().items() if k in repo.WRITTEN}
    row |= {"device_id": rec.device_id, "lon": rec.lon, "lat": rec.lat, "source": source}
    row["grid_code"], row["h3"] = place
    row["attrs"] = {**(before.get("attrs") or {}), **rec.attrs}
    sector = rec.sector()
    row["sector"] = shapely.to_wkb(sector) if sector is not None else None
    return row


def _differs(values: dict[str, Any], row: dict | None) -> bool:
    """Whether writing ``values`` would change the stored ``row`` (None: a new camera)."""
    if row is None:
        return True
    return any(values[c] != row[c] for c in (*repo.WRITTEN, "lon", "lat"))


def _write(conn: Connection, adcode: str, rows: list[dict]) -> None:
    """Upsert the rows and their aliases; recompute the coverage of the grids touched."""
    ids = [r["device_id"] for r in rows]
    before = coverage.grids_touching(conn, adcode, ids)
    repo.upsert(conn, adcode, rows)
    lost = repo.replace_aliases(conn, adcode, {r["device_id"]: r["aliases"] for r in rows})
    if lost:
        alias, device = lost[0]
        raise Conflict(f"camera {device}: alias '{alias}' was just taken by another camera")
    after = coverage.grids_touching(conn, adcode, ids)
    coverage.recompute(conn, adcode, before | after)


def patch_for(
    engine: Engine,
    locators: LocatorCache,
    principal: Principal,
    actor: Actor,
    device_id: str,
    patch: Mapping[str, Any],
    *,
    district: str | None,
    default: str,
) -> ItemResult:
    """Change some fields of one camera (checked like a new record; a move re-places it)."""
    where = district or principal.district
    with audit.audited(
        engine, actor, "camera.update", object_type="camera", object_ids=[device_id], district=where
    ):
        authorize(principal, Action.MANAGE_CAMERAS)
        adcode = target_district(principal, district, default)
        with engine.connect() as conn:
            row = repo.get(conn, adcode, device_id)
        if row is None:
            raise NotFound(f"no camera '{device_id}'")
        if patch.get("device_id", device_id) != device_id:
            raise InvalidInput("device_id cannot be changed: register the new ID as a camera")
        moved = {"lon", "lat", "crs"} & set(patch)
        raw = {k: v for k, v in record_input(row).items() if not (moved and k in ("lon", "lat"))}
        raw |= {k: v for k, v in patch.items() if k != "device_id"}
        record, errors = check_record(raw, attrs=row["attrs"])
        item = Candidate(0, record, errors, ref=device_id)
        source = row["source"]
        [result] = register(
            engine, locators, actor, adcode, [item], source=source, action="camera.update"
        )
        raise_rejected(result)
        return result


def raise_rejected(result: ItemResult) -> None:
    """Raise a rejected single item as a problem: 409 for an alias conflict, else 422."""
    if result.status != "rejected":
        return
    said = "; ".join(f"{e['field']}: {e['message']}" for e in result.errors)
    ident = result.device_id or "camera"
    if any(e["code"] == "alias_conflict" for e in result.errors):
        raise Conflict(f"{ident}: {said}", errors=result.errors)
    raise InvalidInput(f"{ident}: {said}", errors=result.errors)
