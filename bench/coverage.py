"""Camera coverage of a whole district: 2,000 cameras along the demo district's grids.

The demo district 530302 (its generated grids) is loaded into a scratch PostGIS, then two
camera layouts are measured in turn:

- the demo fleet (``gridsvc.demo.load.load_cameras``, the cameras ``gridsvc demo``
  registers along the generated streets) at the scale that gives 2,000 video cameras;
- an edge layout: 2,000 cameras on grid edges, denser where grids are small (the urban
  core), bullets with a 50–100° view 30–150 m deep and a sixth domes seeing 25–60 m around.

For each:

- ``recompute_district``: the set-based SQL of gridsvc/repositories/coverage.py (one
  statement, in the district's UTM zone), storing ``grid_coverage`` — the product; and the
  same statement computing only (blind spots as GeoJSON, nothing stored);
- baseline: the same numbers in Python (geopandas/shapely 2): grids and sectors read from
  the database, projected to the same plane, sectors matched to grids with an STRtree, then
  per grid a union of the clipped sectors and the difference (results kept in memory).

Both must agree on every grid's covered share (the largest difference is printed).
Headline: ``coverage-2000-cameras-seconds`` (the product's recompute of the demo fleet,
best of the runs).
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
import shapely

from bench.common import best_of, print_table
from bench.district import ADCODE, scratch_district

CAMERAS = 2_000
#: Video cameras of the demo fleet at scale 1 in 530302 (1,800 of three departments + 59
#: smart ones); the bench scales the fleet to CAMERAS.
DEMO_FLEET = 1_859
REPEAT = 3
DEPARTMENTS = (("police", 0.45), ("traffic", 0.25), ("urban_management", 0.27), ("smart", 0.03))
DOME_SHARE = 1 / 6


def camera_layout(codes: list[str], geoms: np.ndarray, areas: np.ndarray, n: int, seed: int = 0):  # type: ignore[no-untyped-def]
    """``n`` cameras (tests.camera_rows.CameraRow) on the edges of grids chosen with weight
    ∝ 1 / area (small urban grids get more), with random headings and views."""
    from tests.camera_rows import CameraRow, device_id

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


def measure(engine: Any, codes: list[str], repeat: int) -> dict[str, Any]:
    """Time the stored recompute, the statement alone and the Python baseline; compare."""
    from sqlalchemy import text

    from gridsvc.repositories import coverage as repo

    with engine.begin() as conn:
        conn.execute(text("ANALYZE cameras"))

    def product() -> int:
        with engine.begin() as conn:
            return repo.recompute_district(conn, ADCODE)

    def computed_only() -> int:
        with engine.connect() as conn:
            return len(repo.compute(conn, ADCODE, codes, with_blind=True))

    seconds, written = best_of(product, repeat)
    compute_s, _ = best_of(computed_only, repeat)
    with engine.connect() as conn:
        srid = repo.district_srid(conn, ADCODE)
        stored = {
            code: (share, area)
            for code, share, area in conn.execute(
                text("SELECT grid_code, share, area_m2 FROM grid_coverage WHERE adcode = :a"),
                {"a": ADCODE},
            )
        }
        cameras = conn.execute(
            text(
                "SELECT count(*) FROM cameras WHERE adcode = :a AND device_type IN ('131', '132')"
            ),
            {"a": ADCODE},
        ).scalar_one()
    assert srid is not None
    baseline_s, shares = best_of(lambda: python_baseline(engine, srid), repeat)
    return {
        "cameras": cameras,
        "seconds": seconds,
        "written": written,
        "compute_s": compute_s,
        "baseline_s": baseline_s,
        "seen": sum(1 for share, _ in stored.values() if share > 0),
        "covered_sql": sum(share * area for share, area in stored.values()),
        "covered_py": sum(shares.get(code, 0.0) * area for code, (_, area) in stored.items()),
        "worst": max(abs(share - shares.get(code, 0.0)) for code, (share, _) in stored.items()),
    }


def print_layout(title: str, grids: int, m: dict[str, Any]) -> None:
    """One layout's table: the product, its statement alone, the baseline."""
    print_table(
        f"{title}: {m['cameras']:,} cameras, {grids} grids ({m['seen']} seen by some camera)",
        ["method", "seconds", "grids", "covered km²"],
        [
            [
                "PostGIS set-based recompute, stored",
                m["seconds"],
                m["written"],
                m["covered_sql"] / 1e6,
            ],
            ["  the same statement, computed only", m["compute_s"], grids, m["covered_sql"] / 1e6],
            ["Python baseline (shapely), in memory", m["baseline_s"], grids, m["covered_py"] / 1e6],
        ],
    )
    print(f"largest per-grid difference of the covered share: {m['worst']:.2e}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns the recompute time of the whole district (s)."""
    from sqlalchemy import text

    from gridsvc.demo.load import load_cameras
    from tests.camera_rows import delete_cameras, insert_cameras

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
        load_cameras(engine, ADCODE, scale=args.cameras / DEMO_FLEET)
        fleet = measure(engine, codes, args.repeat)
        with engine.begin() as conn:
            delete_cameras(conn, ADCODE)
            insert_cameras(conn, ADCODE, camera_layout(codes, geoms, areas, args.cameras))
        edges = measure(engine, codes, args.repeat)
    print_layout(f"Coverage of {ADCODE}, the demo fleet (with its NVRs)", len(codes), fleet)
    print_layout(f"Coverage of {ADCODE}, cameras on grid edges", len(codes), edges)
    return {"coverage-2000-cameras-seconds": round(fleet["seconds"], 3)}
