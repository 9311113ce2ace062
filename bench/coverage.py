"""Camera coverage of a whole district: 2,000 cameras along the demo district's grids.

The demo district 530302 (its generated grids) is loaded into a scratch PostGIS and 2,000
cameras are placed along grid edges (where the streets run), denser where grids are small
(the urban core): bullet cameras with a 50–100° view 30–150 m deep, a sixth of them domes
seeing a disc of 25–60 m, of police, traffic, urban management and smart cameras. Then:

- ``recompute_district``: the set-based SQL of gridsvc/repositories/coverage.py (one
  statement, in the district's UTM zone), storing ``grid_coverage`` — the product; and the
  same statement computing only (blind spots as GeoJSON, nothing stored);
- baseline: the same numbers in Python (geopandas/shapely 2): grids and sectors read from
  the database, projected to the same plane, sectors matched to grids with an STRtree, then
  per grid a union of the clipped sectors and the difference (results kept in memory).

Both must agree on the district's covered area (printed). Headline:
``coverage-2000-cameras-seconds`` (the product's recompute, best of the runs).
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
import shapely

from bench.common import best_of, print_table
from bench.district import ADCODE, scratch_district

CAMERAS = 2_000
REPEAT = 3
DEPARTMENTS = (("police", 0.45), ("traffic", 0.25), ("urban_management", 0.27), ("smart", 0.03))
DOME_SHARE = 1 / 6


def camera_layout(codes: list[str], geoms: np.ndarray, areas: np.ndarray, n: int, seed: int = 0):  # type: ignore[no-untyped-def]
    """``n`` cameras (tests.cameras_rows.CameraRow) on the edges of grids chosen with weight
    ∝ 1 / area (small urban grids get more), with random headings and views."""
    from tests.cameras_rows import CameraRow, device_id

    rng = np.random.default_rng(seed)
    weights = 1.0 / np.maximum(areas, 1.0)
    picks = rng.choice(len(codes), size=n, p=weights / weights.sum())
    rings = shapely.boundary(geoms[picks])
    points = shapely.line_interpolate_point(rings, rng.uniform(0, 1, n), normalized=True)
    names, shares = zip(*DEPARTMENTS, strict=True)
    departments = rng.choice(names, size=n, p=np.array(shares))
    dome = rng.uniform(0, 1, n) < DOME_SHARE
    out = []
    for i in range(n):
        if dome[i]:
            fov, range_m = 360.0, float(rng.uniform(25, 60))
        else:
            fov, range_m = float(rng.uniform(50, 100)), float(rng.uniform(30, 150))
        out.append(
            CameraRow(
                device_id(ADCODE, i + 1),
                float(shapely.get_x(points[i])),
                float(shapely.get_y(points[i])),
                heading=float(rng.uniform(0, 360)),
                fov=fov,
                range_m=range_m,
                department=str(departments[i]),
            )
        )
    return out


def python_baseline(engine: Any, srid: int) -> dict[str, float]:
    """Coverage of every grid in Python (shapely 2, vectorised where it can be) in the same
    UTM zone: the covered share of each grid by code (blind spots computed and kept)."""
    import geopandas as gpd

    with engine.connect() as conn:
        grids = gpd.read_postgis(
            "SELECT code, geom FROM units WHERE adcode = %(a)s AND level = 'grid'",
            conn,
            geom_col="geom",
            params={"a": ADCODE},
        ).to_crs(srid)
        sectors = gpd.read_postgis(
            "SELECT sector FROM cameras WHERE adcode = %(a)s AND sector IS NOT NULL",
            conn,
            geom_col="sector",
            params={"a": ADCODE},
        ).to_crs(srid)
    g = np.asarray(grids.geometry.array)
    s = np.asarray(sectors.geometry.array)
    tree = shapely.STRtree(s)
    gi, si = tree.query(g, predicate="intersects")
    clipped = shapely.intersection(g[gi], s[si])
    covered: dict[str, float] = {}
    blind = []  # kept, as the product keeps them
    order = np.argsort(gi, kind="stable")
    gi, clipped = gi[order], clipped[order]
    bounds = np.flatnonzero(np.diff(np.r_[-1, gi, len(g)]))
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        if start >= len(gi):
            break
        union = shapely.union_all(clipped[start:stop])
        grid = g[gi[start]]
        covered[grids.code.iat[gi[start]]] = float(shapely.area(union) / shapely.area(grid))
        blind.append(shapely.difference(g[gi[start]], union))
    for code in grids.code:
        covered.setdefault(code, 0.0)
    return covered


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns the recompute time of the whole district (s)."""
    from sqlalchemy import text

    from gridsvc.repositories import coverage as repo
    from tests.cameras_rows import insert_cameras

    p = argparse.ArgumentParser(prog="python -m bench coverage", description=__doc__)
    p.add_argument("--cameras", type=int, default=CAMERAS)
    p.add_argument("--repeat", type=int, default=REPEAT)
    args, _ = p.parse_known_args(argv or [])
    with scratch_district() as scratch:
        engine = scratch.engine
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT code, ST_AsBinary(geom), area_m2 FROM units "
                    "WHERE adcode = :a AND level = 'grid' ORDER BY code"
                ),
                {"a": ADCODE},
            ).all()
        codes = [r[0] for r in rows]
        geoms = shapely.from_wkb([bytes(r[1]) for r in rows])
        areas = np.array([r[2] for r in rows])
        cameras = camera_layout(codes, geoms, areas, args.cameras)
        with engine.begin() as conn:
            insert_cameras(conn, ADCODE, cameras)
            conn.execute(text("ANALYZE cameras"))

        def product() -> int:
            with engine.begin() as conn:
                return repo.recompute_district(conn, ADCODE)

        seconds, written = best_of(product, args.repeat)

        def computed_only() -> int:
            with engine.connect() as conn:
                return len(repo.compute(conn, ADCODE, codes, with_blind=True))

        compute_s, _ = best_of(computed_only, args.repeat)
        with engine.connect() as conn:
            srid = repo.district_srid(conn, ADCODE)
            stored = {
                code: (share, area)
                for code, share, area in conn.execute(
                    text("SELECT grid_code, share, area_m2 FROM grid_coverage WHERE adcode = :a"),
                    {"a": ADCODE},
                )
            }
        assert srid is not None
        baseline_s, shares = best_of(lambda: python_baseline(engine, srid), args.repeat)
    seen = sum(1 for share, _ in stored.values() if share > 0)
    covered_sql = sum(share * area for share, area in stored.values())
    covered_py = sum(shares.get(code, 0.0) * area for code, (_, area) in stored.items())
    worst = max(abs(share - shares.get(code, 0.0)) for code, (share, _) in stored.items())
    print_table(
        f"Coverage of district {ADCODE}: {len(codes)} grids, {args.cameras:,} cameras "
        f"({seen} grids seen by some camera)",
        ["method", "seconds", "grids", "covered km²"],
        [
            ["PostGIS set-based recompute, stored", seconds, written, covered_sql / 1e6],
            ["  the same statement, computed only", compute_s, len(codes), covered_sql / 1e6],
            ["Python baseline (shapely), in memory", baseline_s, len(shares), covered_py / 1e6],
        ],
    )
    print(f"largest per-grid difference of the covered share: {worst:.2e}")
    return {"coverage-2000-cameras-seconds": round(seconds, 3)}
