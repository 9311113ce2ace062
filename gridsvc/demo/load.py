"""Load a bundled real district and its generated hierarchy through the normal import path."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from gridsvc.coding import Level
from gridsvc.demo.area import DemoArea
from gridsvc.demo.camera_rows import camera_rows
from gridsvc.demo.cameras import generate_cameras
from gridsvc.demo.departments import DEPARTMENTS, generate_department_layers
from gridsvc.demo.elements import generate_elements, write_elements
from gridsvc.demo.generate import generate_hierarchy
from gridsvc.errors import InvalidInput, Unauthorized
from gridsvc.repositories import camera_bulk
from gridsvc.repositories import coverage as coverage_repo
from gridsvc.repositories import units as units_repo
from gridsvc.repositories.units import UnitFilter
from gridsvc.services.cells import LocatorCache
from gridsvc.services.imports import import_table
from gridsvc.services.keys import create_key, principal_for
from gridsvc.services.layers import import_layer
from gridsvc.settings import Settings
from ingest.readers import FeatureTable, read_layer

DEMO_CAMERA_SOURCE = "demo"
#: Where the urban core is (WGS 84 lon, lat) for bundled districts that have one off-centre.
URBAN_CENTRES: dict[str, tuple[float, float]] = {
    "530302": (103.795, 25.500),  # 麒麟区: Qujing city centre
    "350205": (118.030, 24.480),  # 海沧区
}


def bundled_districts() -> dict[str, dict[str, str]]:
    """Rows of the bundled ``index.csv`` keyed by adcode."""
    index = resources.files("gridsvc") / "data" / "districts" / "index.csv"
    with index.open(encoding="utf-8") as fh:
        return {row["adcode"]: row for row in csv.DictReader(fh)}


def district_name(row: dict[str, str]) -> str:
    """The display name of a bundled district, e.g. 曲靖市麒麟区."""
    return f"{row['city']}{row['district']}" if row.get("district") else row["city"]


def load_demo(
    engine: Engine,
    adcode: str,
    *,
    seed: int = 0,
    resolution: int = 11,
    cameras: bool = False,
    log: Callable[[str], object] = lambda _: None,
) -> str:
    """Load district ``adcode`` and generate its streets, communities and grids, once; with
    ``cameras`` the demo cameras too (``load_cameras``)."""
    summary = _load_district(engine, adcode, seed=seed, resolution=resolution, log=log)
    if cameras:
        summary += "; " + load_cameras(engine, adcode, seed=seed, resolution=resolution, log=log)
    return summary


def _load_district(
    engine: Engine,
    adcode: str,
    *,
    seed: int,
    resolution: int,
    log: Callable[[str], object],
) -> str:
    with engine.connect() as conn:
        grids = units_repo.count_units(conn, UnitFilter(adcode=adcode, level="grid"))
    if grids:
        return f"district {adcode} already loaded with {grids} grids: reusing the database"
    rows = bundled_districts()
    if adcode not in rows:
        raise InvalidInput(
            f"no bundled boundary for district {adcode}; bundled: {', '.join(sorted(rows))}"
        )
    path = Path(str(resources.files("gridsvc") / "data" / "districts" / rows[adcode]["file"]))
    table = read_layer(path, source=f"bundled:{path.name}")
    table.codes, table.names = [adcode], [district_name(rows[adcode])]
    log(f"importing the boundary of {table.names[0]} ({adcode}) from GCJ-02")
    import_table(engine, table, level="district", crs="gcj02", district=adcode)
    with engine.connect() as conn:
        boundary = units_repo.shapes(conn, adcode, ["district"])[0].geometry
    log(f"generating streets, communities and grids (seed {seed})")
    units = generate_hierarchy(boundary, adcode, seed, urban_center=URBAN_CENTRES.get(adcode))
    counts = {}
    for level in (Level.STREET, Level.COMMUNITY, Level.GRID):
        mine = [u for u in units if u.level is level]
        counts[level.value] = len(mine)
        table = FeatureTable(
            geometries=np.asarray([u.geometry for u in mine], dtype=object),
            codes=[u.code for u in mine],
            names=[u.name for u in mine],
            parent_codes=[u.parent_code for u in mine],
            source=f"demo:{adcode}:seed{seed}",
        )
        report = import_table(
            engine, table, level=level.value, crs="EPSG:4326", district=adcode,
            resolution=resolution,
        )  # fmt: skip
        log(report.summary())
    log("importing departmental layers and building their reports")
    layers = load_department_layers(engine, units, boundary, adcode, seed)
    return (
        f"district {adcode} loaded: {counts['street']} streets, "
        f"{counts['community']} communities, {counts['grid']} grids; departmental layers "
        + ", ".join(f"{name} ({n})" for name, n in layers.items())
    )


def load_cameras(
    engine: Engine,
    adcode: str,
    seed: int = 0,
    *,
    scale: float = 1.0,
    resolution: int = 11,
    log: Callable[[str], object] = lambda _: None,
) -> str:
    """Register the demo cameras of a loaded district (``gridsvc.demo.cameras``) in its
    grids and cells, with their view sectors and aliases, and recompute the district's
    coverage; once (a district that has demo cameras keeps them)."""
    with engine.connect() as conn:
        have = camera_bulk.count_source(conn, adcode, DEMO_CAMERA_SOURCE)
        units = units_repo.shapes(conn, adcode, ["street", "community", "grid"])
    if have:
        return f"{have} demo cameras already registered in {adcode}"
    locator = LocatorCache(resolution).get(engine, adcode)
    if locator is None or not units:
        raise InvalidInput(f"district {adcode} has no grids and cell index: load it first")
    bundled = bundled_districts()
    prefix = district_name(bundled[adcode]) if adcode in bundled else ""
    area = DemoArea.from_units(units, adcode, prefix)
    fleet = generate_cameras(area, seed=seed, scale=scale)
    log(f"registering {len(fleet)} demo cameras and NVRs (seed {seed}, scale {scale:g})")
    rows, aliases = camera_rows(fleet, adcode, locator, DEMO_CAMERA_SOURCE)
    placed = {str(r["grid_code"]) for r in rows}
    with engine.begin() as conn:
        inserted, named = camera_bulk.insert_cameras(conn, rows, aliases)
        coverage_repo.recompute(conn, adcode, [str(code) for code in area.codes])  # blind too
    return f"{inserted} demo cameras and NVRs in {len(placed)} grids, {named} aliases"


def load_department_layers(
    engine: Engine, units: list, boundary: object, adcode: str, seed: int
) -> dict[str, int]:
    """Generate the 城管, 综治 and 公安 layers and import them with their reports."""
    grids = [u for u in units if u.level is Level.GRID]
    communities = [u for u in units if u.level is Level.COMMUNITY]
    generated = generate_department_layers(grids, communities, boundary, adcode, seed)
    counts = {}
    for dept in DEPARTMENTS:
        feats = generated[dept.key]
        table = FeatureTable(
            geometries=np.asarray([f.geometry for f in feats], dtype=object),
            codes=[f.code for f in feats], names=[f.name for f in feats],
            parent_codes=[None] * len(feats), source=f"demo:{adcode}:{dept.key}",
        )  # fmt: skip
        import_layer(engine, table, department=dept.name, crs="EPSG:4326", district=adcode,
                     name=f"{dept.name}网格 (demo)")  # fmt: skip
        counts[dept.name] = len(feats)
    return counts


def ensure_admin_key(engine: Engine, path: Path) -> str:
    """The demo admin key kept in ``path``, created (mode 0600) when missing or revoked."""
    if path.is_file():
        key = path.read_text().strip()
        try:
            principal_for(engine, key)
            return key
        except Unauthorized:
            pass
    key, _ = create_key(engine, "admin", name="demo admin")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(key + "\n")
    os.chmod(path, 0o600)
    return key


def element_files(
    engine: Engine,
    home: Path,
    adcode: str,
    *,
    seed: int,
    scale: float,
    reference: dt.date,
    log: Callable[[str], object] = lambda _: None,
) -> list[tuple[str, Path, Path]]:
    """The demo element files of a loaded district: (kind, CSV, mapping) in load order.

    Written under ``home/demo/<adcode>-seed<seed>-x<scale>`` from the stored grids, and
    kept there: written again only when the seed, scale or reference date changes.
    """
    directory = home / "demo" / f"{adcode}-seed{seed}-x{scale:g}"
    stamp = {"seed": seed, "scale": scale, "reference": reference.isoformat()}
    marker = directory / "generated.json"
    manifest = directory / "manifest.json"
    if marker.is_file() and manifest.is_file() and json.loads(marker.read_text()) == stamp:
        rows = json.loads(manifest.read_text())
        return [(r["kind"], directory / r["file"], directory / r["map"]) for r in rows]
    with engine.connect() as conn:
        units = units_repo.shapes(conn, adcode, ["street", "community", "grid"])
    rows = bundled_districts()
    prefix = district_name(rows[adcode]) if adcode in rows else ""
    area = DemoArea.from_units(units, adcode, prefix)
    log(f"generating demo elements for {len(area)} grids (seed {seed}, scale {scale:g})")
    files = generate_elements(area, seed=seed, scale=scale, reference=reference)
    written = write_elements(files, directory)
    marker.write_text(json.dumps(stamp))
    return written


def load_elements(
    engine: Engine,
    settings: Settings,
    adcode: str,
    *,
    seed: int = 0,
    scale: float = 1.0,
    reference: dt.date | None = None,
    log: Callable[[str], object] = lambda _: None,
) -> dict[str, dict]:
    """Generate the demo's element files and load each through the ingest service.

    Loading again changes nothing (the ingest skips unchanged rows); returns each file's
    ingest report by file name.
    """
    from gridsvc.keyfiles import keyring
    from gridsvc.services import ingest as ingest_service
    from gridsvc.services.cells import LocatorCache
    from ingest.mapfile import load_mapping

    files = element_files(
        engine,
        settings.home,
        adcode,
        seed=seed,
        scale=scale,
        reference=reference or dt.date.today(),
        log=log,
    )
    keys, locators = keyring(settings), LocatorCache(settings.h3_resolution)
    reports = {}
    for kind, csv_path, map_path in files:
        spec = load_mapping(map_path.read_text(encoding="utf-8"), kind=kind)
        job = ingest_service.create_job(engine, spec, csv_path, adcode=adcode)
        report = ingest_service.run_job(engine, job, keyring=keys, locators=locators)
        reports[csv_path.name] = report
        log(
            f"{kind} {csv_path.name}: {report['accepted']} accepted, {report['rejected']} "
            f"rejected; {report['inserted']} new, {report['updated']} updated, "
            f"{report['unchanged']} unchanged"
        )
    return reports
