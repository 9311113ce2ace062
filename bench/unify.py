"""Crosswalk and conflict report of departmental layers against a unified grid.

Three departmental layers of 5,000, 2,000 and 3,000 polygons against 5,000 unified grids
(synthetic Voronoi cities over the same square, each drawn from its own seed, so borders
disagree everywhere), first as pure computation, then end to end through the import
service (clip, write with COPY, crosswalk, conflicts, stored report) on PostGIS.
Target: all three under 5 s.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from bench.common import best_of, print_table, scratch_postgis, synthetic_city, timed

TARGET_S = 5.0
HEADLINE = "unify-report-seconds-3-layers"
LAYERS = (("城管", 5000, 11), ("综治", 2000, 12), ("公安", 3000, 13))


def _pure(grid_codes, grid_geoms, outline, layers) -> float:  # type: ignore[no-untyped-def]
    from gridsvc.unify.conflicts import find_conflicts
    from gridsvc.unify.crosswalk import crosswalk

    total = 0.0
    for _, codes, geoms in layers:
        seconds, _ = best_of(
            lambda g=geoms, c=codes: find_conflicts(
                c, g, grid_codes, grid_geoms, outline, crosswalk(g, grid_codes, grid_geoms)
            ),
            repeat=2,
        )
        total += seconds
    return total


def _service(city, layers) -> tuple[float, list[dict]]:  # type: ignore[no-untyped-def]
    from gridsvc.db.connect import make_engine
    from gridsvc.db.migrate import upgrade
    from gridsvc.repositories import units as units_repo
    from gridsvc.services.layers import import_layer
    from ingest.readers import FeatureTable

    adcode = city.codes[0][:6]
    with scratch_postgis() as url:
        upgrade(url)
        engine = make_engine(url, pool_size=2)
        rows = [
            {
                "adcode": adcode,
                "code": adcode,
                "level": "district",
                "parent_code": None,
                "name": "bench",
                "geometry": city.outline,
                "area_m2": 0.0,
                "source": "bench",
            }
        ]
        rows += [{"adcode": adcode, "code": c, "level": "grid", "parent_code": c[:12],
                  "name": c, "geometry": g, "area_m2": 0.0, "source": "bench"}
                 for c, g in zip(city.codes, city.geoms, strict=True)]  # fmt: skip
        with engine.begin() as conn:
            units_repo.upsert(conn, rows)
        summaries, total = [], 0.0
        for name, codes, geoms in layers:
            table = FeatureTable(np.asarray(geoms, dtype=object), list(codes), list(codes),
                                 [None] * len(codes), source=name)  # fmt: skip
            seconds, result = timed(lambda t=table, n=name: import_layer(
                engine, t, department=n, crs="EPSG:4326", district=adcode))  # fmt: skip
            total += seconds
            summaries.append(result["summary"])
        engine.dispose()
    return total, summaries


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns the headline (seconds for the three layers, end to end)."""
    p = argparse.ArgumentParser(prog="bench unify")
    p.add_argument("--no-postgis", action="store_true")
    args, _ = p.parse_known_args(argv or [])
    city = synthetic_city(5000, seed=10)
    layers = []
    for name, n, seed in LAYERS:
        dept = synthetic_city(n, seed=seed)
        layers.append((name, [None] * n, list(dept.geoms)))
    pure = _pure(city.codes, list(city.geoms), city.outline, layers)
    rows = [["crosswalk + conflicts (pure)", f"{pure:.2f}", TARGET_S,
             "met" if pure < TARGET_S else "missed"]]  # fmt: skip
    headline = pure
    if not args.no_postgis:
        service, summaries = _service(city, layers)
        rows.append(["import + report via PostGIS", f"{service:.2f}", TARGET_S,
                     "met" if service < TARGET_S else "missed"])  # fmt: skip
        headline = service
        for (name, *_), s in zip(LAYERS, summaries, strict=True):
            print(f"  {name}: {s['features']} features, {s['crosswalk_rows']} crosswalk rows, "
                  f"conflicts {s['conflicts']}")  # fmt: skip
    print_table(
        "Departmental layers 5,000 + 2,000 + 3,000 vs 5,000 unified grids",
        ["step", "seconds (3 layers)", "target s", "target"], rows,
    )  # fmt: skip
    return {HEADLINE: round(headline, 2)}
