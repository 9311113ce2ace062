"""Import one level of the hierarchy from a file, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine

from gridsvc.coding import Level
from gridsvc.errors import InvalidInput
from gridsvc.geo.crs import parse_crs
from gridsvc.repositories import units as units_repo
from gridsvc.services import audit, cells, coverage
from gridsvc.services.audit import Actor
from gridsvc.settings import Settings
from ingest.archive import ZipLimits
from ingest.grids import ImportContext, plan_import
from ingest.readers import FeatureTable, ReadOptions, read_layer, read_options
from ingest.report import ImportReport

DEFAULT_RESOLUTION = 11


class ImportRejected(InvalidInput):
    """An import with errors: nothing was written; the report says why, feature by feature."""

    def __init__(self, report: ImportReport):
        first = report.errors[0].message if report.errors else ""
        super().__init__(
            f"import rejected with {len(report.errors)} errors; nothing was written. "
            f"First: {first}",
            errors=[i.to_dict() for i in report.errors],
            report=report.to_dict(),
        )
        self.report = report


def read_options_for(
    settings: Settings, encoding: str | None, fields: Sequence[str] = ()
) -> ReadOptions:
    """How to read a file: its declared encoding, the field mapping and the zip limits."""
    limits = ZipLimits(
        max_members=settings.zip_max_members,
        max_uncompressed_bytes=settings.zip_max_uncompressed_bytes,
        max_ratio=settings.zip_max_ratio,
    )
    return read_options(encoding, fields, limits)


def load_context(conn, adcode: str, level: Level) -> ImportContext:  # type: ignore[no-untyped-def]
    """District outline, parent units and existing siblings for an import of ``level``."""
    if level is Level.DISTRICT:
        return ImportContext(adcode=adcode)
    wanted = [Level.DISTRICT.value, level.parent.value, level.value]
    shapes = units_repo.shapes(conn, adcode, set(wanted))
    district = next((s.geometry for s in shapes if s.level == "district"), None)
    if district is None:
        raise InvalidInput(
            f"district {adcode} is not loaded; import its boundary first "
            f"(gridsvc import-grids FILE --level district --district {adcode})"
        )
    return ImportContext(
        adcode=adcode,
        district=district,
        parents={s.code: s.geometry for s in shapes if s.level == level.parent.value},
        siblings={s.code: (s.parent_code, s.geometry) for s in shapes if s.level == level.value},
    )


def import_table(
    engine: Engine,
    table: FeatureTable,
    *,
    level: str,
    crs: str,
    district: str,
    strict: bool = False,
    dry_run: bool = False,
    resolution: int = DEFAULT_RESOLUTION,
    actor: Actor | None = None,
) -> ImportReport:
    """Check and write ``table``; raise ImportRejected (nothing written) on any error.

    A grid-level import that changed anything also updates the district's H3 index around
    the grids it touched, in the same transaction: readers see the old grids with the old
    index or the new with the new, and a failure anywhere leaves both as they were. Audited as
    ``grids.import`` (``actor`` None: the command line).
    """
    where = {"object_type": "district", "object_ids": [district], "district": district}
    with audit.audited(engine, actor, "grids.import", **where):
        lvl = _level(level)
        system = parse_crs(crs)
        with engine.begin() as conn:
            report, previous = import_in(conn, table, lvl, system, district, strict, dry_run)
            written = report.written
            if lvl is Level.GRID and (written.get("inserted") or written.get("updated")):
                changed = set(previous) | set(report.written_codes)
                cells.rebuild_in(conn, district, resolution, changed=changed, previous=previous)
                coverage.after_grids_changed(conn, district)
            detail = {"level": lvl.value, "crs": system.label, "features": len(table)}
            audit.record(
                conn,
                actor,
                "grids.import",
                outcome="dry_run" if dry_run else "ok",
                detail={**detail, **report.written},
                **where,
            )
    return report


def import_in(  # type: ignore[no-untyped-def]
    conn, table: FeatureTable, level: Level, crs, district: str, strict: bool, dry_run: bool
) -> tuple[ImportReport, dict]:
    """Import inside the caller's transaction; returns the report and the replaced shapes."""
    units_repo.lock_district(conn, district)
    ctx = load_context(conn, district, level)
    plan = plan_import(table, level, crs, ctx, strict=strict, dry_run=dry_run)
    if plan.report.errors:
        raise ImportRejected(plan.report)
    new_codes = {r["code"] for r in plan.rows}
    previous = {c: g for c, (_, g) in ctx.siblings.items() if c in new_codes}
    if not dry_run:
        plan.report.written = units_repo.upsert(conn, plan.rows)
        plan.report.written_codes = sorted(new_codes)
    return plan.report, previous


def import_file(
    engine: Engine,
    path: Path,
    *,
    source: str | None = None,
    reading: ReadOptions | None = None,
    **options,
) -> ImportReport:  # type: ignore[no-untyped-def]
    """Read a GeoJSON, GeoPackage or zipped Shapefile and import it (see import_table)."""
    table = read_layer(path, source=source, options=reading)
    return import_table(engine, table, **options)


def _level(level: str) -> Level:
    try:
        return Level(level)
    except ValueError:
        raise InvalidInput(
            f"unknown level '{level}': use district, street, community or grid"
        ) from None
