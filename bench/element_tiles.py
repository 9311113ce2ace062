"""Element tiles of a district with 1 M elements: cold tile times at zoom 12 (counts per H3
cell) and 16 (points), and the two ways to count per parent cell.

A synthetic city (bench.common, 484 km², a dense core) gets ``--elements`` rows in
``elements`` by COPY (70 % people, the rest places, things, organisations, situations and
staff; 10 % of people tagged elderly_alone), each with its grid, its H3 cell (resolution 11)
and a point. Tiles are drawn through ``maps.tiles.render`` (what the HTTP route calls),
each time on an empty tile cache: *cold* also has no cell counts yet (the first tile of a
district, zoom and scope after a change of its data), *counts warm* has them (every other
tile of that zoom). Counting per parent cell is timed as the SQL of
``gridsvc.repositories.element_tiles`` (parent from the index bits, GROUP BY) and, for
comparison, as reading (h3, kind) out with COPY and counting in numpy.
"""

from __future__ import annotations

import argparse
import io
import math
import time
from typing import Any

import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
import shapely

from bench.common import print_table, psycopg_conninfo, scratch_postgis, synthetic_city
from gridsvc.auth import Principal, Role
from gridsvc.db.connect import make_engine
from gridsvc.db.migrate import upgrade
from gridsvc.repositories import element_tiles as repo
from gridsvc.services.cells import LocatorCache
from gridsvc.spatial import h3cells
from maps import tiles

ADCODE = "510199"
KINDS = ("person", "place", "thing", "organisation", "situation", "staff")
SHARES = (0.70, 0.12, 0.10, 0.04, 0.02, 0.02)
CATEGORY = {
    "person": "registered",
    "place": "building",
    "thing": "01001",
    "organisation": "enterprise",
    "situation": "hazard",
    "staff": "volunteer",
}


def load(url: str, n: int, seed: int = 5) -> tuple[float, float]:
    """COPY ``n`` elements of a synthetic city in; returns the centre (lon, lat) of its core."""
    city = synthetic_city(5_000, adcode=ADCODE)
    rng = np.random.default_rng(seed)
    w, s, e, nn = city.outline.bounds
    cx, cy = (w + e) / 2, (s + nn) / 2
    core = rng.random(n) < 0.6  # 60 % in a dense core, the rest spread evenly
    lon = np.where(core, rng.normal(cx, (e - w) / 10, n), rng.uniform(w, e, n))
    lat = np.where(core, rng.normal(cy, (nn - s) / 10, n), rng.uniform(s, nn, n))
    lon, lat = np.clip(lon, w, e), np.clip(lat, s, nn)
    points = shapely.points(lon, lat)
    tree = shapely.STRtree(city.geoms)
    pts, polys = tree.query(points, predicate="within")
    grid = np.full(n, None, dtype=object)
    grid[pts] = np.asarray(city.codes, dtype=object)[polys]
    cells = h3cells.latlng_to_cells(lat, lon, 11).view(np.int64)
    kind = rng.choice(len(KINDS), n, p=SHARES)
    elderly = (kind == 0) & (rng.random(n) < 0.1)
    wkb = shapely.to_wkb(points, hex=True, include_srid=False)
    buf, null = io.StringIO(), "\\N"
    for i in range(n):
        k = KINDS[kind[i]]
        buf.write(
            f"{ADCODE}\t{k}\t{CATEGORY[k]}\tbench\t{i}\t\\N\t{grid[i] or null}\t{cells[i]}\t"
            f"SRID=4326;{wkb[i]}\t{'{elderly_alone}' if elderly[i] else '{}'}\t0\n"
        )
    columns = (
        "adcode, kind, category, source, external_id, name, grid_code, h3, geom, tags, row_hash"
    )
    with psycopg.connect(psycopg_conninfo(url), autocommit=True) as conn:
        with conn.cursor().copy(f"COPY elements ({columns}) FROM STDIN") as copy:
            copy.write(buf.getvalue())
        conn.execute("VACUUM ANALYZE elements")
    return cx, cy


def count_ways(url: str, res: int) -> dict[str, float]:
    """Seconds to count elements per parent cell at ``res``: SQL, and COPY out + numpy."""
    out = {}
    with psycopg.connect(psycopg_conninfo(url), autocommit=True) as conn:
        t = time.perf_counter()
        rows = repo.cell_counts(conn, res, ADCODE, None, KINDS)
        out["sql"] = time.perf_counter() - t
        t = time.perf_counter()
        buf = io.BytesIO()
        sql = (
            f"COPY (SELECT h3, kind FROM elements WHERE adcode = '{ADCODE}') TO STDOUT (FORMAT csv)"
        )
        with conn.cursor().copy(sql) as copy:
            for chunk in copy:
                buf.write(chunk)
        table = pacsv.read_csv(
            pa.BufferReader(buf.getvalue()),
            read_options=pacsv.ReadOptions(column_names=["h3", "kind"]),
            convert_options=pacsv.ConvertOptions(
                column_types={"h3": pa.int64(), "kind": pa.dictionary(pa.int32(), pa.string())}
            ),
        )
        cells = table.column("h3").to_numpy().view(np.uint64)
        kinds = table.column("kind").combine_chunks().indices.to_numpy().astype(np.uint64)
        parents = h3cells.cell_parents(cells, res)
        _, counts = np.unique(parents ^ kinds, return_counts=True)  # kind in the low bits
        out["numpy"] = time.perf_counter() - t
        assert counts.sum() == sum(r[2] for r in rows)
    return out


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    k = 1 << z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * k
    return int((lon + 180) / 360 * k), int(y)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="bench element_tiles")
    parser.add_argument("--elements", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    with scratch_postgis() as url:
        upgrade(url)
        t = time.perf_counter()
        cx, cy = load(url, args.elements)
        print(f"loaded {args.elements:,} elements in {time.perf_counter() - t:.1f} s")
        ways = [(res, *count_ways(url, res).values()) for res in (8, 10)]
        print_table("counts per parent cell, 1 district (s)", ["res", "SQL", "COPY+numpy"], ways)
        engine = make_engine(url, pool_size=2)
        admin = Principal("bench", Role.ADMIN)
        operator = Principal("bench", Role.OPERATOR)
        rows, headlines = [], {}
        cases = [
            (12, "elements", None, admin),
            (12, "heat", "elderly_alone", operator),
            (14, "elements", None, operator),
            (16, "elements", None, admin),
            (16, "elements", None, operator),
            (16, "heat", "elderly_alone", operator),
        ]
        for z, layer, tag, who in cases:
            x, y = tile_of(cx, cy, z)
            times = {"cold": [], "counts warm": []}
            size = 0
            for _ in range(3):
                cache = tiles.TileCache(engine, entries=0)
                cache.open()
                try:
                    for label in times:
                        t = time.perf_counter()
                        tile = tiles.render(
                            cache,
                            LocatorCache(11),
                            engine,
                            who,
                            layer,
                            str(z),
                            str(x),
                            str(y),
                            district=ADCODE,
                            tag=tag,
                        )
                        times[label].append(1000 * (time.perf_counter() - t))
                        size = len(tile.data)
                finally:
                    cache.close()
            best = {k: min(v) for k, v in times.items()}
            rows.append(
                (
                    z,
                    layer,
                    tag or "",
                    who.role.value,
                    best["cold"],
                    best["counts warm"],
                    size // 1024,
                )
            )
            headlines[f"element-tile-z{z}-{layer}-{who.role.value}-cold-ms"] = round(best["cold"])
        print_table(
            "element tiles at the core, best of 3 (ms)",
            ["z", "layer", "tag", "role", "cold", "counts warm", "KiB"],
            rows,
        )
        engine.dispose()
    return {k: v for k, v in headlines.items() if "z12-elements" in k or "z16-elements-admin" in k}


if __name__ == "__main__":
    main()
