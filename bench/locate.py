"""Exact bulk point → grid location: the H3 cell index vs geopandas sjoin vs PostGIS.

Two layers: a synthetic city of 20,000 Voronoi grids, and the demo district 530302 (麒麟区).
For each, 1,000,000 uniform points over the layer's bounding box are located by our
``Locator`` (both H3 backends; index build timed separately), by geopandas
``sjoin(predicate="within")`` and by a PostGIS ``UPDATE … FROM grids WHERE ST_Contains``
(default plan, GiST index on grids, points loaded by COPY; only the UPDATE is timed).

Like ``Locator.locate``, the sjoin row starts from the lon/lat arrays and ends with a grid per
point: it includes ``points_from_xy``. (sjoin evaluates "within" as "contains" over an
STRtree of the points, which a GeoDataFrame caches; reusing one frame across repeats would
time a spatial index built by an earlier run.) A second row times sjoin alone on a freshly
built frame.

A second table sets ours against the strongest in-process baseline a service would keep: a
``shapely.STRtree`` of the grids built once, queried with ``predicate="within"`` on point
geometries built once (neither build timed), at equal thread counts (1 and 2: contiguous
slices of the points in a thread pool for the tree, ``Locator(threads=…)`` for ours). The
tree answers a grid per point, so the like-for-like row is ``Locator.locate_grids`` (grid
only, from the raster); ``Locator.locate`` (grid and H3 cell, as the API answers) is shown
beside it.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import psycopg
import shapely

import gridsvc
from bench.common import (
    best_of,
    best_of_setup,
    print_headlines,
    print_table,
    psycopg_conninfo,
    scratch_postgis,
    synthetic_city,
    timed,
    uniform_points,
)
from gridsvc.demo.generate import generate_hierarchy
from gridsvc.geo.crs import parse_crs, transform_geometries
from gridsvc.spatial import h3cells
from gridsvc.spatial.cellindex import build_cell_index
from gridsvc.spatial.locate import Locator
from gridsvc.spatial.raster import M_PER_DEG

POINTS = 1_000_000
CHECK = 100_000  # points compared with PostGIS ST_Covers + smallest code
REPEAT = 3
DISTRICT, DISTRICT_CENTRE = "530302", (103.795, 25.5)
HEADLINE = "locate-speedup-vs-sjoin"
THREAD_COUNTS = (1, 2)
UPDATE = "UPDATE points SET code = g.code FROM grids g WHERE ST_Contains(g.geom, points.geom)"


@dataclass(frozen=True)
class Layer:
    """Grid codes (ascending) and their lon/lat polygons."""

    name: str
    codes: np.ndarray
    geoms: np.ndarray


def layers() -> list[Layer]:
    """The synthetic city and the demo district, codes ascending."""
    city = synthetic_city()
    path = Path(gridsvc.__file__).parent / "data" / "districts" / f"{DISTRICT}.geojson"
    boundary = transform_geometries([shapely.from_geojson(path.read_text())], parse_crs("gcj02"))
    units = generate_hierarchy(boundary[0], DISTRICT, 0, urban_center=DISTRICT_CENTRE)
    grids = [u for u in units if u.level.value == "grid"]
    out = []
    for name, codes, geoms in (
        (city.name, city.codes, city.geoms),
        (
            f"district {DISTRICT} ({len(grids)} grids)",
            [u.code for u in grids],
            [u.geometry for u in grids],
        ),
    ):
        order = np.argsort(codes)
        out.append(Layer(name, np.asarray(codes)[order], np.asarray(geoms, dtype=object)[order]))
    return out


def _copy(conn: psycopg.Connection, table: str, columns: str, lines: Any) -> None:
    with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        copy.write("".join(lines))


def postgis(url: str, layer: Layer, lng: np.ndarray, lat: np.ndarray) -> dict[str, Any]:
    """Load grids and points, time the ST_Contains UPDATE, and fetch ST_Covers answers."""
    multi = shapely.multipolygons(shapely.get_parts(layer.geoms), indices=_part_index(layer))
    grid_wkb = shapely.to_wkb(shapely.set_srid(multi, 4326), hex=True, include_srid=True)
    point_wkb = shapely.to_wkb(
        shapely.set_srid(shapely.points(lng, lat), 4326), hex=True, include_srid=True
    )
    with psycopg.connect(psycopg_conninfo(url), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        conn.execute("DROP TABLE IF EXISTS points, grids")
        conn.execute("CREATE TABLE grids (code text PRIMARY KEY, geom geometry(MultiPolygon,4326))")
        conn.execute("CREATE TABLE points (id int, geom geometry(Point,4326), code text)")
        _copy(
            conn,
            "grids",
            "code, geom",
            (f"{c}\t{w}\n" for c, w in zip(layer.codes, grid_wkb, strict=True)),
        )
        conn.execute("CREATE INDEX grids_geom ON grids USING gist (geom)")
        load, _ = timed(
            lambda: _copy(
                conn, "points", "id, geom", (f"{i}\t{w}\n" for i, w in enumerate(point_wkb))
            )
        )
        conn.execute("ANALYZE grids")
        conn.execute("ANALYZE points")
        update, _ = timed(lambda: conn.execute(UPDATE))
        contains: dict[int, str] = dict(
            conn.execute("SELECT id, code FROM points WHERE code IS NOT NULL")
        )
        covers = conn.execute(
            "SELECT p.id, (SELECT min(g.code) FROM grids g WHERE ST_Covers(g.geom, p.geom))"
            " FROM points p WHERE p.id < %s ORDER BY p.id",
            (CHECK,),
        ).fetchall()
    return {
        "load": load,
        "update": update,
        "contains": contains,
        "covers": np.array([c for _, c in covers], dtype=object),
    }


def _part_index(layer: Layer) -> np.ndarray:
    return np.repeat(np.arange(len(layer.geoms)), shapely.get_num_geometries(layer.geoms))


def point_frame(lng: np.ndarray, lat: np.ndarray) -> gpd.GeoDataFrame:
    """A new GeoDataFrame of lon/lat points (degrees), without a spatial index yet."""
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(lng, lat), crs=4326)


def sjoin_ids(points: gpd.GeoDataFrame, grids: gpd.GeoDataFrame) -> np.ndarray:
    """Grid id per point from ``sjoin(within)``: -1 none, -2 more than one grid."""
    joined = gpd.sjoin(points, grids, predicate="within", how="inner")
    pid, gid = joined.index.to_numpy(), joined["index_right"].to_numpy()
    out = np.full(len(points), -1, dtype=np.int64)
    counts = np.bincount(pid, minlength=len(points))
    out[pid] = gid
    out[counts > 1] = -2
    return out


def _codes(layer: Layer, ids: np.ndarray) -> np.ndarray:
    """Codes (object array) of grid ids, None for -1."""
    out = np.full(len(ids), None, dtype=object)
    out[ids >= 0] = layer.codes[ids[ids >= 0]]
    return out


def strtree_ids(tree: shapely.STRtree, points: np.ndarray) -> np.ndarray:
    """Grid id per point from a prebuilt STRtree queried with ``predicate="within"``:
    -1 none, -2 more than one grid (as ``sjoin_ids``)."""
    pid, gid = tree.query(points, predicate="within")
    out = np.full(len(points), -1, dtype=np.int64)
    out[pid] = gid
    out[np.bincount(pid, minlength=len(points)) > 1] = -2
    return out


def in_threads(fn: Any, n: int, threads: int) -> Any:
    """``fn(slice)`` over ``threads`` contiguous slices of range(n) in a thread pool; results
    concatenated (shapely, like our locator, releases the GIL in its bulk operations)."""
    if threads == 1:
        return fn(slice(0, n))
    bounds = np.linspace(0, n, threads + 1).astype(np.int64).tolist()
    parts = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return np.concatenate(list(pool.map(fn, parts)))


def equal_threads(
    layer: Layer, index: Any, lng: np.ndarray, lat: np.ndarray, repeat: int
) -> dict[int, float]:
    """Ours (grid only, and grid + H3 cell) against a prebuilt ``shapely.STRtree`` at 1 and
    2 threads on the same points; prints the table and returns, per thread count, the
    speedup of our grid-only lookup over the tree."""
    backend = h3cells.backend_name()
    tree_build, tree = timed(lambda: shapely.STRtree(layer.geoms))
    point_build, points = timed(lambda: shapely.points(lng, lat))
    rows, speedups = [], {}
    for threads in THREAD_COUNTS:
        locator = Locator(index, layer.geoms, backend=backend, threads=threads)
        t_grids, grids = best_of(partial(locator.locate_grids, lng, lat), repeat)
        t_full, full = best_of(partial(locator.locate, lng, lat), repeat)
        t_tree, ids = best_of(
            lambda t=threads: in_threads(lambda s: strtree_ids(tree, points[s]), len(points), t),
            repeat,
        )
        single = ids != -2
        speedups[threads] = t_tree / t_grids
        for name, seconds, got in (
            ("ours, grid only", t_grids, grids),
            ("ours, grid + H3 cell", t_full, full.grid_id),
            ("STRtree(within)", t_tree, ids),
        ):
            agree = f"{np.mean(got[single] == ids[single]):.4%}"
            rows.append([threads, name, seconds, len(lng) / seconds / 1e6, t_tree / seconds, agree])
    print_table(
        f"{layer.name}: ours vs a prebuilt shapely.STRtree(within), equal threads",
        ["threads", "method", "seconds", "M points/s", "vs STRtree", "agreement"],
        rows,
    )
    print(
        f"STRtree built in {tree_build:.2f} s and the {len(points):,} point geometries in "
        f"{point_build:.2f} s, neither timed above (ours starts from the lon/lat arrays); "
        "agreement with the tree on points it puts in exactly one grid"
    )
    return speedups


def run_layer(layer: Layer, url: str | None, n: int, repeat: int) -> tuple[float, dict[int, float]]:
    """Benchmark one layer, print its tables; return our speedup over sjoin and, per thread
    count, over a prebuilt STRtree."""
    lng, lat = uniform_points(shapely.total_bounds(layer.geoms), n)
    build, index = timed(lambda: build_cell_index(layer.codes, layer.geoms))
    default = h3cells.backend_name()
    ours: dict[str, tuple[float, Any]] = {}
    for backend in sorted(h3cells.BACKENDS, key=lambda b: b != default):
        locator = Locator(index, layer.geoms, backend=backend)
        ours[backend] = best_of(partial(locator.locate, lng, lat), repeat)
    got = ours[default][1].grid_id
    grids = gpd.GeoDataFrame({"code": layer.codes}, geometry=layer.geoms, crs=4326)
    t_sjoin, joined = best_of(lambda: sjoin_ids(point_frame(lng, lat), grids), repeat)
    t_alone, _ = best_of_setup(lambda: point_frame(lng, lat), lambda p: sjoin_ids(p, grids), repeat)
    single = joined != -2

    rows = []
    for backend, (seconds, result) in ours.items():
        ids = result.grid_id
        same = "100 %" if np.array_equal(ids, got) else f"{np.mean(ids == got):.4%}"
        rows.append([f"ours ({backend})", seconds, n / seconds / 1e6, t_sjoin / seconds, same])
    agree = np.mean(got[single] == joined[single])
    rows.append(["geopandas sjoin(within)", t_sjoin, n / t_sjoin / 1e6, 1.0, f"{agree:.4%}"])
    rows.append(
        ["  sjoin alone, points prebuilt", t_alone, n / t_alone / 1e6, t_sjoin / t_alone, ""]
    )
    notes = []
    if url is not None:
        pg = postgis(url, layer, lng, lat)
        ids = np.fromiter(pg["contains"], np.int64, count=len(pg["contains"]))
        agree = np.mean(_codes(layer, got[ids]) == np.array(list(pg["contains"].values())))
        rows.append(
            [
                "PostGIS UPDATE ST_Contains",
                pg["update"],
                n / pg["update"] / 1e6,
                t_sjoin / pg["update"],
                f"{agree:.4%}",
            ]
        )
        agree = np.mean(_codes(layer, got[:CHECK]) == pg["covers"])
        notes.append(
            f"ours vs PostGIS ST_Covers + smallest code, first {CHECK:,} points: "
            f"{agree:.4%}; PostGIS COPY of the points {pg['load']:.2f} s"
        )
    print_table(
        f"{layer.name}: {n:,} uniform points",
        ["method", "seconds", "M points/s", "vs sjoin", "agreement"],
        rows,
    )
    share = _boundary_share(index, ours[default][1].cells)
    print(
        f"index: H3 res {index.resolution}, built in {build:.2f} s, {index.nbytes() / 1e6:.1f} MB;"
        f" cells {index.n_interior:,} interior / {index.n_boundary:,} boundary; points in "
        f"boundary cells {share:.1%}"
    )
    print(raster_note(layer, index, lng, lat))
    print(
        "agreement with ours (default backend): sjoin on points it puts in exactly one grid, "
        "PostGIS on points ST_Contains assigns"
    )
    for note in notes:
        print(note)
    return t_sjoin / ours[default][0], equal_threads(layer, index, lng, lat, repeat)


def raster_note(layer: Layer, index: Any, lng: np.ndarray, lat: np.ndarray) -> str:
    """One line on the locator's raster: size, build time, memory and its boundary share."""
    seconds, locator = timed(lambda: Locator(index, layer.geoms))
    raster = locator.raster
    metres = raster.dy * M_PER_DEG
    share = np.mean(raster.lookup(lng, lat) < -1)
    return (
        f"raster: {raster.nx:,} × {raster.ny:,} cells of ~{metres:.1f} m, built in {seconds:.2f} s"
        f" (the whole Locator), {raster.nbytes() / 1e6:.1f} MB; {raster.n_boundary:,} boundary "
        f"cells; points in boundary cells {share:.1%}"
    )


def _boundary_share(index: Any, cells: np.ndarray) -> float:
    rows = np.searchsorted(index.cells, cells).clip(0, max(len(index.cells) - 1, 0))
    found = index.cells[rows] == cells
    return float(np.mean(found & (index.owner[rows] < 0)))


def main(argv: list[str] | None = None) -> dict[str, str]:
    """Run the benchmark on both layers; return the headline speedups (the smallest over
    the layers) over sjoin and over a prebuilt STRtree at 1 and 2 threads."""
    parser = argparse.ArgumentParser(prog="python -m bench locate", description=__doc__)
    parser.add_argument("--points", type=int, default=POINTS)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument("--no-postgis", action="store_true", help="skip the PostGIS rows")
    args = parser.parse_args(argv)
    if args.no_postgis:
        results = [run_layer(layer, None, args.points, args.repeat) for layer in layers()]
    else:
        with scratch_postgis() as url:
            results = [run_layer(layer, url, args.points, args.repeat) for layer in layers()]
    out = {HEADLINE: f"{min(r[0] for r in results):.2f}"}
    for threads in THREAD_COUNTS:
        worst = min(r[1][threads] for r in results)
        out[f"locate-speedup-vs-strtree-{threads}thread"] = f"{worst:.2f}"
    return out


if __name__ == "__main__":
    print_headlines(main())
