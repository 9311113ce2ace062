"""A small scratch district (350205): its boundary, streets, communities and a few grids.

Loaded through the normal import path; ``swapped`` returns the same grids with the shapes of
neighbouring pairs exchanged, a changed grid file whose every point changes its answer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import Engine

from gridsvc.demo.generate import generate_hierarchy
from gridsvc.repositories import units as units_repo
from gridsvc.services.imports import import_file, import_table
from ingest.readers import FeatureTable
from tests.conftest import SCRATCH_DISTRICT

BUNDLED = Path(__file__).parents[2] / "gridsvc" / "data" / "districts"


def table(units: list, source: str = "test") -> FeatureTable:
    """A feature table of generated units (code, name, parent, shape)."""
    return FeatureTable(
        geometries=np.asarray([u.geometry for u in units], dtype=object),
        codes=[u.code for u in units],
        names=[u.name for u in units],
        parent_codes=[u.parent_code for u in units],
        source=source,
    )


def load_hierarchy(engine: Engine, seed: int = 5) -> list:
    """Import the district, its streets and communities; returns every generated unit."""
    boundary = BUNDLED / "350205.geojson"
    import_file(engine, boundary, level="district", crs="gcj02", district=SCRATCH_DISTRICT)
    with engine.connect() as conn:
        outline = units_repo.shapes(conn, SCRATCH_DISTRICT, ["district"])[0].geometry
    units = generate_hierarchy(outline, SCRATCH_DISTRICT, seed=seed)
    for level in ("street", "community"):
        mine = [u for u in units if u.level.value == level]
        import_table(engine, table(mine), level=level, crs="EPSG:4326", district=SCRATCH_DISTRICT)
    return units


def some_grids(units: list, communities: int = 2) -> list:
    """The generated grids of the first ``communities`` communities that have several."""
    grids = [u for u in units if u.level.value == "grid"]
    parents = sorted({g.parent_code for g in grids})
    chosen = [p for p in parents if sum(g.parent_code == p for g in grids) >= 4][:communities]
    return [g for g in grids if g.parent_code in chosen]


def swapped(grids: list) -> FeatureTable:
    """The same grids, each pair of siblings exchanging shapes."""
    shapes = [g.geometry for g in grids]
    for i in range(0, len(grids) - 1, 2):
        if grids[i].parent_code == grids[i + 1].parent_code:
            shapes[i], shapes[i + 1] = shapes[i + 1], shapes[i]
    t = table(grids, "swapped")
    t.geometries = np.asarray(shapes, dtype=object)
    return t


def expected(t: FeatureTable, lon: np.ndarray, lat: np.ndarray) -> list[str | None]:
    """The grid covering each point (smallest code on shared borders), or None."""
    points = shapely.points(lon, lat)
    out: list[str | None] = [None] * len(points)
    for code, geom in sorted(zip(t.codes, t.geometries, strict=True), reverse=True):
        for i in np.flatnonzero(shapely.covers(geom, points)):
            out[i] = code
    return out


def sample_points(grids: list, n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points spread over the grids' bounding box (seeded)."""
    w, s, e, nn = shapely.union_all([g.geometry for g in grids]).bounds
    rng = np.random.default_rng(seed)
    return rng.uniform(w, e, n), rng.uniform(s, nn, n)
