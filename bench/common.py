"""Shared benchmark helpers: timing, table printing, a synthetic city and a scratch PostGIS."""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import shapely

from gridsvc.geo.measure import local_equal_area

T = TypeVar("T")
S = TypeVar("S")

CITY_CENTRE = (104.066, 30.657)  # lon, lat (degrees): any plausible city centre will do
CITY_SIDE_M = 22_000.0  # the synthetic city is a square of this side: 484 km²
CITY_GRIDS = 20_000
CORE_AREA_M2 = 6_000.0  # target grid area at the centre
EDGE_AREA_M2 = 90_000.0  # target grid area at the city's edge
CORE_RADIUS_M = 2_500.0  # dense core radius
RAMP_M = 9_000.0  # width of the core → edge transition
LLOYD_STEPS = 2  # relaxation steps: real grids are rounder than raw Voronoi cells


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    """Run ``fn`` once: (seconds, result)."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def best_of(fn: Callable[[], T], repeat: int = 3) -> tuple[float, T]:
    """Best wall time in seconds of ``repeat`` runs of ``fn``, and the last result."""
    best, result = math.inf, None
    for _ in range(max(1, repeat)):
        seconds, result = timed(fn)
        best = min(best, seconds)
    return best, result  # type: ignore[return-value]


def best_of_setup(setup: Callable[[], S], fn: Callable[[S], T], repeat: int = 3) -> tuple[float, T]:
    """Best time in seconds of ``fn(setup())`` over ``repeat`` runs, ``setup`` not timed."""
    best, result = math.inf, None
    for _ in range(max(1, repeat)):
        arg = setup()
        start = time.perf_counter()
        result = fn(arg)
        best = min(best, time.perf_counter() - start)
    return best, result  # type: ignore[return-value]


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a plain-text table with right-aligned columns (first column left-aligned)."""
    cells = [[str(h) for h in headers]] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        first = row[0].ljust(widths[0])
        rest = (v.rjust(w) for v, w in zip(row[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    print(f"\n{title}")
    print(line(cells[0]))
    print("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print(line(row))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"
    return str(value)


@dataclass(frozen=True)
class City:
    """A synthetic grid layer: codes, lon/lat polygons (degrees) and its outline."""

    name: str
    codes: list[str]
    geoms: np.ndarray
    outline: shapely.Geometry


def _target_area_m2(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Target grid area (m²) at local coordinates (m): small in the core, large at the edge."""
    t = np.clip((np.hypot(x, y) - CORE_RADIUS_M) / RAMP_M, 0.0, 1.0)
    smooth = t * t * (3.0 - 2.0 * t)
    return CORE_AREA_M2 * np.exp(math.log(EDGE_AREA_M2 / CORE_AREA_M2) * smooth)


def _seeds(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points (local metres) in the city square with density ∝ 1 / target area."""
    half = CITY_SIDE_M / 2.0
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        xy = rng.uniform(-half, half, size=(4 * n, 2))
        accept = rng.uniform(0.0, 1.0, 4 * n) < CORE_AREA_M2 / _target_area_m2(xy[:, 0], xy[:, 1])
        out.append(xy[accept])
        have += int(accept.sum())
    return np.concatenate(out)[:n]


def _morton(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Z-order key of non-negative 16-bit integer coordinates."""
    key = np.zeros(x.shape, dtype=np.int64)
    for bit in range(16):
        key |= ((x >> bit) & 1).astype(np.int64) << (2 * bit)
        key |= ((y >> bit) & 1).astype(np.int64) << (2 * bit + 1)
    return key


def _codes(seeds: np.ndarray, adcode: str) -> list[str]:
    """15-digit codes: grids in z-order, 10 per community, 100 communities per street."""
    half = CITY_SIDE_M / 2.0
    ij = np.clip(((seeds + half) / CITY_SIDE_M * 65535).astype(np.int64), 0, 65535)
    rank = np.empty(len(seeds), dtype=np.int64)
    rank[np.argsort(_morton(ij[:, 0], ij[:, 1]), kind="stable")] = np.arange(len(seeds))
    seqs = zip(rank // 1000 + 1, rank // 10 % 100 + 1, rank % 10 + 1, strict=True)
    return [f"{adcode}{street:03d}{community:03d}{grid:03d}" for street, community, grid in seqs]


def synthetic_city(n_grids: int = CITY_GRIDS, seed: int = 0, adcode: str = "510199") -> City:
    """Voronoi grids with a dense core over a CITY_SIDE_M square, in lon/lat (degrees)."""
    rng = np.random.default_rng(seed)
    seeds = _seeds(n_grids, rng)
    half = CITY_SIDE_M / 2.0
    square = shapely.box(-half, -half, half, half)
    for step in range(LLOYD_STEPS + 1):
        cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=square, ordered=True)
        local = shapely.intersection(shapely.get_parts(cells), square)
        if step < LLOYD_STEPS:  # move seeds halfway to their cell's centroid: fewer slivers
            seeds = 0.5 * (seeds + shapely.get_coordinates(shapely.centroid(local)))
    transformer = local_equal_area(*CITY_CENTRE)

    def to_lonlat(xy: np.ndarray) -> np.ndarray:
        lon, lat = transformer.transform(xy[:, 0], xy[:, 1], direction="INVERSE")
        return np.column_stack([lon, lat])

    geoms = shapely.transform(local, to_lonlat)
    return City(
        f"synthetic city ({n_grids} grids)",
        _codes(seeds, adcode),
        geoms,
        shapely.transform(square, to_lonlat),
    )


def uniform_points(bounds: Sequence[float], n: int, seed: int = 1) -> tuple[np.ndarray, ...]:
    """``n`` uniform (lon, lat) points in degrees over a (xmin, ymin, xmax, ymax) box."""
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = bounds
    return rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n)


@contextmanager
def scratch_postgis() -> Iterator[str]:
    """A throwaway embedded PostGIS cluster (fsync off): yields a SQLAlchemy URL."""
    from gridsvc.db.connect import ensure_database
    from gridsvc.db.embedded import throwaway_cluster

    with throwaway_cluster(prefix="gridsvc-bench-") as cluster:
        url = cluster.url("bench")
        ensure_database(url)
        yield url


def print_headlines(headlines: Mapping[str, object]) -> None:
    """Print headline figures as ``name: value`` lines (the last lines of a run)."""
    if headlines:
        print()
    for name, value in headlines.items():
        print(f"{name}: {value}")


def psycopg_conninfo(url: str) -> str:
    """libpq connection string of a SQLAlchemy URL."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass(frozen=True)
class DemoServer:
    """A running ``gridsvc serve`` on a scratch database holding a demo district."""

    port: int
    key: str
    outline: shapely.Geometry

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def wait_ready(port: int, timeout: float = 120.0) -> None:
    """Wait until ``/healthz`` on 127.0.0.1:``port`` answers 200."""
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not become ready")


@contextmanager
def demo_server(district: str, role: str = "operator") -> Iterator[DemoServer]:
    """Load the demo ``district`` into a scratch PostGIS and serve it; yields the server."""
    import subprocess
    import sys

    from gridsvc.db.connect import make_engine
    from gridsvc.db.embedded import free_port
    from gridsvc.db.migrate import upgrade
    from gridsvc.demo.load import load_demo
    from gridsvc.repositories import units as units_repo
    from gridsvc.services.keys import create_key

    with scratch_postgis() as url:
        upgrade(url)
        engine = make_engine(url, pool_size=2)
        load_demo(engine, district)
        key, _ = create_key(engine, role, name="bench")
        with engine.connect() as conn:
            outline = units_repo.shapes(conn, district, ["district"])[0].geometry
        engine.dispose()
        port = free_port()
        home = tempfile.mkdtemp(prefix="gridsvc-bench-home-")
        env = {**os.environ, "GRIDSVC_DATABASE_URL": url, "GRIDSVC_PORT": str(port),
               "GRIDSVC_DEFAULT_DISTRICT": district, "GRIDSVC_HOME": home}  # fmt: skip
        gridsvc = str(Path(sys.executable).with_name("gridsvc"))
        server = subprocess.Popen(
            [gridsvc, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_ready(port)
            yield DemoServer(port, key, outline)
        finally:
            server.terminate()
            server.wait(timeout=30)
            shutil.rmtree(home, ignore_errors=True)
