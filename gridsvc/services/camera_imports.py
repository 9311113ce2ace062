"""Camera imports: a table (CSV, XLSX, GeoJSON, GeoPackage) through a mapping file of kind
``camera``, and GB/T 28181 Catalog answers. Both end in ``cameras.register`` and report
each row or item: created, updated, unchanged or rejected with its errors.

Table rows are read by ``ingest.tabular`` (encoding detected, GBK included); the mapping's
``values`` translate cells (e.g. 公安 → police, 球机 → 1), its ``tags`` section gives tags
from one column or yes/no flag columns; a spatial file's point gives lon/lat. The mapping's
``source`` is recorded as each camera's source.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import shapely

from cameras.catalog import read_catalog
from cameras.record import check_record
from gridsvc.auth import Action, Principal, authorize, target_district
from gridsvc.services import audit
from gridsvc.services.audit import Actor
from gridsvc.services.cameras import Candidate, ItemResult, counts, register
from gridsvc.services.cells import LocatorCache
from ingest.mapfile import MappingSpec
from ingest.tabular import FLAG_PREFIX, TAG_COLUMN, open_table
from ingest.values import YES

CATALOG_SOURCE = "gb28181"


def catalog_for(
    engine: Any,
    locators: LocatorCache,
    principal: Principal,
    actor: Actor,
    bodies: Sequence[bytes],
    *,
    district: str | None,
    default: str,
    crs: str | None = None,
    department: str | None = None,
) -> dict[str, Any]:
    """Import Catalog answers on behalf of a caller allowed to manage cameras."""
    where = district or principal.district
    with audit.audited(engine, actor, "camera.catalog", object_type="camera", district=where):
        authorize(principal, Action.MANAGE_CAMERAS)
        adcode = target_district(principal, district, default)
        return import_catalog(
            engine, locators, actor, adcode, bodies, crs=crs, department=department
        )


def import_catalog(
    engine: Any,
    locators: LocatorCache,
    actor: Actor | None,
    adcode: str,
    bodies: Sequence[bytes],
    *,
    crs: str | None = None,
    department: str | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Register the camera items of Catalog answers; the catalogue's summary and results."""
    found = read_catalog(bodies, crs=crs, department=department)
    items = [
        Candidate(i, record, where=item.where, ref=record.device_id)
        for i, (item, record) in enumerate(found.cameras)
    ]
    n = len(items)
    items += [
        Candidate(n + i, None, errors, where=item.where, ref=item.device_id or None)
        for i, (item, errors) in enumerate(found.rejected)
    ]
    results = register(
        engine,
        locators,
        actor,
        adcode,
        items,
        source=CATALOG_SOURCE,
        dry_run=dry_run,
        action="camera.catalog",
    )
    return {
        "district": adcode,
        "dry_run": dry_run,
        "catalog": found.summary(),
        "counts": counts(results),
        "results": [r.as_json() for r in results],
    }


def _rows(spec: MappingSpec, frame: pd.DataFrame, geometry: Any) -> Iterator[dict[str, Any]]:
    """Each row of a batch as raw record input (value maps, tags and points applied)."""
    fields = list(spec.fields)
    flags = [c for c in frame.columns if c.startswith(FLAG_PREFIX)]
    for i, values in enumerate(frame.itertuples(index=False, name=None)):
        cells = dict(zip(frame.columns, values, strict=True))
        raw: dict[str, Any] = {}
        for target in fields:
            cell = cells[target]
            cell = None if pd.isna(cell) else str(cell).strip()
            raw[target] = spec.values.get(target, {}).get(cell, cell) if cell else None
        tags = _tags(spec, cells, flags)
        if tags:
            raw["tags"] = tags
        point = geometry[i] if geometry is not None else None
        if point is not None and raw.get("lon") is None and not shapely.is_empty(point):
            where = point if point.geom_type == "Point" else point.centroid
            raw["lon"], raw["lat"] = where.x, where.y
        yield raw


def _tags(spec: MappingSpec, cells: Mapping[str, Any], flags: list[str]) -> list[str]:
    table = spec.values.get("tags", {})
    out: list[str] = []
    given = cells.get(TAG_COLUMN)
    if given is not None and not pd.isna(given):
        for part in str(given).replace("，", ",").replace("、", ",").replace("；", ",").split(","):
            if part.strip():
                out.append(table.get(part.strip(), part.strip()))
    for column in flags:
        cell = cells[column]
        if cell is not None and not pd.isna(cell) and str(cell).strip().lower() in YES:
            out.append(column[len(FLAG_PREFIX) :])
    return list(dict.fromkeys(out))


def import_table(
    engine: Any,
    locators: LocatorCache,
    actor: Actor | None,
    adcode: str,
    path: Path,
    spec: MappingSpec,
    *,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Register every row of a camera table; a report shaped like the element ingest's."""
    table = open_table(path, spec)
    items: list[Candidate] = []
    for batch in table.batches():
        for number, raw in zip(batch.rows, _rows(spec, batch.frame, batch.geometry), strict=True):
            record, errors = check_record(raw, crs=table.crs)
            ref = raw.get("device_id")
            items.append(Candidate(int(number), record, errors, where=f"row {number}", ref=ref))
    results = register(
        engine,
        locators,
        actor,
        adcode,
        items,
        source=spec.source,
        dry_run=dry_run,
        action="camera.import",
    )
    return table_report(results, spec, adcode, dry_run)


def table_report(
    results: Sequence[ItemResult], spec: MappingSpec, adcode: str, dry_run: bool
) -> dict[str, Any]:
    """The import's report: counts as the element ingest names them, and every row error."""
    c = counts(results)
    errors = [{"row": r.index, **e} for r in results if r.status == "rejected" for e in r.errors]
    return {
        "status": "done",
        "kind": "camera",
        "source": spec.source,
        "district": adcode,
        "dry_run": dry_run,
        "rows": len(results),
        "accepted": len(results) - c["rejected"],
        "rejected": c["rejected"],
        "inserted": c["created"],
        "updated": c["updated"],
        "unchanged": c["unchanged"],
        "errors": errors,
    }
