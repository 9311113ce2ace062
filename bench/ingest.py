"""Bulk person ingest: ours end to end against ``GeoDataFrame.to_postgis`` and a raw COPY.

The demo district 530302 is loaded into a scratch PostGIS with its buildings (through our
ingest, not timed against anything). The person file is the demo generator's at 1,000,000
residents (GBK, Chinese columns, as a 公安 export), every row given coordinates (its
building's, jittered) so that the baselines place every row too. Timed in the same run:

(a) ``gridsvc ingest person`` as a child process, end to end: reading, validation (ID
    numbers, coordinates, duplicates), building lookup, grid and H3 cell, masking and
    sealing of personal data, merge; with the child's peak RSS;
(b) pandas ``read_csv`` + ``points_from_xy`` + ``GeoDataFrame.to_postgis`` of the same file
    (no validation, no grid: the usual script), the baseline;
(c) a raw ``COPY … FROM STDIN (FORMAT csv, ENCODING 'GBK')`` of the file into text columns:
    the ceiling of getting the bytes into PostgreSQL;
(d) ``gridsvc ingest`` of the unchanged file again: nothing may be written.

``BENCH_INGEST_ROWS_10M=1`` adds a streaming run of a 10,000,000-row file (the 1 M file ten
times over with new person numbers) and reports its peak RSS.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from bench.common import print_table, psycopg_conninfo
from bench.district import Run, Scratch, element_files, ingest, scratch_district

ROWS = 1_000_000
BIG_COPIES = 10
BIG_ENV = "BENCH_INGEST_ROWS_10M"


def with_coordinates(persons: Path, places: Path, seed: int = 0) -> pd.DataFrame:
    """The person rows, each with coordinates: its own, or a few metres off its building."""
    frame = pd.read_csv(persons, encoding="gbk", dtype=str, keep_default_na=False)
    buildings = pd.read_csv(places, dtype=str, usecols=["编号", "WKT"]).set_index("编号")
    centres = shapely.get_coordinates(
        shapely.centroid(shapely.from_wkt(buildings["WKT"].to_numpy()))
    )
    at = buildings.index.get_indexer(frame["楼栋编号"])
    missing = np.flatnonzero(frame["经度"].to_numpy() == "")
    xy = centres[at[missing]] + np.random.default_rng(seed).normal(0, 2e-5, (len(missing), 2))
    lon, lat = frame["经度"].to_numpy().copy(), frame["纬度"].to_numpy().copy()
    lon[missing], lat[missing] = np.char.mod("%.7f", xy[:, 0]), np.char.mod("%.7f", xy[:, 1])
    frame["经度"], frame["纬度"] = lon, lat
    return frame


def write_gbk(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, encoding="gbk", lineterminator="\r\n")
    return path


def to_postgis(scratch: Scratch, path: Path) -> tuple[float, int]:
    """(seconds, rows) of read_csv + points_from_xy + to_postgis of the person file."""
    import geopandas as gpd

    start = time.perf_counter()
    df = pd.read_csv(path, encoding="gbk", dtype=str, keep_default_na=False)
    points = gpd.points_from_xy(df["经度"].astype(float), df["纬度"].astype(float))
    gdf = gpd.GeoDataFrame(df, geometry=points, crs="EPSG:4490")
    gdf.to_postgis("persons_to_postgis", scratch.engine, if_exists="replace", index=False)
    return time.perf_counter() - start, len(gdf)


def raw_copy(scratch: Scratch, path: Path) -> tuple[float, int]:
    """(seconds, rows) of COPY of the file's bytes into a table of text columns."""
    import psycopg

    header = path.open(encoding="gbk").readline().strip().split(",")
    columns = ", ".join(f'"{c}" text' for c in header)
    with psycopg.connect(psycopg_conninfo(scratch.url)) as conn:
        conn.execute("DROP TABLE IF EXISTS persons_copy")
        conn.execute(f"CREATE TABLE persons_copy ({columns})")
        conn.commit()
        start = time.perf_counter()
        with conn.cursor() as cur:
            sql = "COPY persons_copy FROM STDIN (FORMAT csv, HEADER true, ENCODING 'GBK')"
            with cur.copy(sql) as copy, path.open("rb") as fh:
                while block := fh.read(1 << 20):
                    copy.write(block)
            rows = cur.rowcount
        conn.commit()
        return time.perf_counter() - start, rows


def repeated(path: Path, copies: int, out: Path) -> Path:
    """``path`` ``copies`` times over (header once), person numbers RK… made R<k>… per copy."""
    with path.open("rb") as src, out.open("wb") as dst:
        header = src.readline()
        body = src.read()
        dst.write(header)
        if not body.startswith(b"RK"):
            raise ValueError(f"{path.name}: rows do not start with an RK person number")
        for k in range(copies):
            tag = b"R%d" % k
            dst.write(tag + body[2:].replace(b"\nRK", b"\n" + tag))
    return out


def row(name: str, rows: int, seconds: float, written: Any, peak: Any, note: str) -> list:
    return [name, rows, seconds, rows / seconds / 1e3, written, peak, note]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns its headline figures."""
    p = argparse.ArgumentParser(prog="python -m bench ingest", description=__doc__)
    p.add_argument("--rows", type=int, default=ROWS, help="residents in the person file")
    args, _ = p.parse_known_args(argv or [])
    big = os.environ.get(BIG_ENV, "") not in ("", "0")
    with scratch_district() as scratch:
        files = element_files(scratch, args.rows)
        places = ingest(scratch, "place", *files["places.csv"])
        frame = with_coordinates(files["persons.csv"][0], files["places.csv"][0])
        n = len(frame)
        person_map = files["persons.csv"][1]
        path = write_gbk(frame, scratch.home / "persons-bench.csv")
        del frame
        ours = ingest(scratch, "person", path, person_map)
        gpd_s, gpd_rows = to_postgis(scratch, path)
        copy_s, copy_rows = raw_copy(scratch, path)
        again = ingest(scratch, "person", path, person_map)
        huge: Run | None = None
        if big:
            huge_path = repeated(path, BIG_COPIES, scratch.home / "persons-10m.csv")
            huge = ingest(scratch, "person", huge_path, person_map)
    return report(n, places, ours, (gpd_s, gpd_rows), (copy_s, copy_rows), again, huge)


def report(
    n: int, places: Run, ours: Run, gpd: tuple, copy: tuple, again: Run, huge: Run | None
) -> dict[str, Any]:
    r = ours.report
    rows = [
        row(
            "setup: places (buildings, compounds)",
            places.report["rows"],
            places.seconds,
            places.written,
            f"{places.peak_mib:.0f}",
            "",
        ),
        row(
            "(a) ours: gridsvc ingest person",
            n,
            ours.seconds,
            ours.written,
            f"{ours.peak_mib:.0f}",
            f"{r['accepted']} accepted, {r['rejected']} rejected",
        ),
        row(
            "(b) read_csv + points_from_xy + to_postgis",
            gpd[1],
            gpd[0],
            gpd[1],
            "-",
            "no validation, no grid",
        ),
        row("(c) raw COPY (text columns)", copy[1], copy[0], copy[1], "-", "ceiling"),
        row(
            "(d) ours again, unchanged file",
            n,
            again.seconds,
            again.written,
            f"{again.peak_mib:.0f}",
            f"{again.report['unchanged']} unchanged",
        ),
    ]
    if huge is not None:
        rows.append(
            row(
                f"streaming: the file {BIG_COPIES} times over",
                huge.report["rows"],
                huge.seconds,
                huge.written,
                f"{huge.peak_mib:.0f}",
                "",
            )
        )
    headers = ["run", "rows", "seconds", "k rows/s", "rows written", "peak RSS MiB", "note"]
    print_table(f"Person ingest, {n:,} rows (GBK CSV), demo district 530302", headers, rows)
    errors = r.get("errors") or []
    if errors:
        print(
            "first errors:", ", ".join(f"{e['row']}:{e['field']}:{e['code']}" for e in errors[:5])
        )
    if again.written:
        print(f"WARNING: re-import of the unchanged file wrote {again.written} rows")
    out: dict[str, Any] = {
        "ingest-rows-per-s": round(n / ours.seconds),
        "ingest-vs-to-postgis": round((n / ours.seconds) / (gpd[1] / gpd[0]), 2),
        "reingest-rows-per-s": round(n / again.seconds),
        "reingest-rows-written": again.written,
        "ingest-peak-rss-mib": round(ours.peak_mib),
    }
    if huge is not None:
        out["ingest-10m-peak-rss-mib"] = round(huge.peak_mib)
        out["ingest-10m-rows-per-s"] = round(huge.report["rows"] / huge.seconds)
    return out
