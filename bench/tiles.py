"""Vector tiles of 20,000 grids: ``GET /tiles/grids/{z}/{x}/{y}.pbf`` against tipg.

A synthetic city of 20,000 grids (and its district row) is loaded into a throwaway PostGIS.
``gridsvc serve`` and tipg (installed on first use into ``$GRIDSVC_HOME/bench-venvs/tipg``,
never into our virtualenv: it pins its own FastAPI) serve the same ``units`` table. One
client fetches a fixed set of tiles covering the city at zoom 10–16 (every tile up to zoom
13, an evenly spread sample above), sequentially over one keep-alive connection, twice:
*cold* (our server restarted just before, so its tile cache is empty; PostgreSQL's buffers
were warmed by an untimed pass first, for both servers) and *cached* (the same tiles again).
The two servers run side by side and take turns on each tile, so load from other processes
on the machine weighs on both alike. tipg has no tile cache: its second pass shows a warm
database only. Both filter
``level = grid``, clip with a 64-pixel buffer to a 4096 extent and send the same attributes.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import print_table, psycopg_conninfo, scratch_postgis, synthetic_city

ADCODE = "510199"
ZOOMS = range(10, 17)
SAMPLE = 120  # tiles per zoom above 13
TARGET_COLD_MS, TARGET_CACHED_MS = 50.0, 5.0
HEADLINE = "tile-p95-speedup-vs-tipg"
PROPS = "code,name,level,parent_code,area_m2"
TIPG_REQUIREMENTS = Path(__file__).with_name("tipg-requirements.txt")


def tile_set(bounds: tuple[float, ...], sample: int = SAMPLE) -> list[tuple[int, int, int]]:
    """Tiles covering ``bounds`` at each zoom: all, or ``sample`` spread evenly (seeded)."""
    w, s, e, n = bounds
    rng = np.random.default_rng(11)
    out = []
    for z in ZOOMS:
        x0, y0 = _tile(w, n, z)
        x1, y1 = _tile(e, s, z)
        tiles = [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
        if len(tiles) > sample:
            tiles = [tiles[i] for i in sorted(rng.choice(len(tiles), sample, replace=False))]
        out += tiles
    return out


def _tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    k = 1 << z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * k
    return int((lon + 180) / 360 * k), int(y)


def load_city(url: str, n: int) -> tuple[tuple[float, ...], str]:
    """Write the city (grids + district row) into ``units``; returns its bounds and a key."""
    from gridsvc.db.connect import make_engine
    from gridsvc.db.migrate import upgrade
    from gridsvc.geo.measure import areas_m2
    from gridsvc.repositories import units as units_repo
    from gridsvc.services.keys import create_key

    city = synthetic_city(n, adcode=ADCODE)
    upgrade(url)
    engine = make_engine(url, pool_size=2)
    areas = areas_m2(list(city.geoms))
    rows = [dict(adcode=ADCODE, code=ADCODE, level="district", parent_code=None,
                 name="synthetic city", source="bench", area_m2=float(areas_m2([city.outline])[0]),
                 geometry=city.outline)]  # fmt: skip
    rows += [dict(adcode=ADCODE, code=c, level="grid", parent_code=c[:12], name=f"网格{c[-6:]}",
                  source="bench", area_m2=float(a), geometry=g)
             for c, g, a in zip(city.codes, city.geoms, areas, strict=True)]  # fmt: skip
    with engine.begin() as conn:
        units_repo.upsert(conn, rows)
    with engine.begin() as conn:  # committed: statistics of a rolled-back ANALYZE are lost
        conn.exec_driver_sql("ANALYZE units")
    key, _ = create_key(engine, "operator", name="bench")
    engine.dispose()
    return tuple(city.outline.bounds), key


class Server:
    """A server in a subprocess, restartable, with one keep-alive HTTP connection."""

    def __init__(self, argv: list[str], env: dict[str, str], port: int, ready: str):
        self.argv, self.env, self.port, self.ready = argv, env, port, ready
        self.proc: subprocess.Popen | None = None
        self.conn: http.client.HTTPConnection | None = None

    def start(self, timeout: float = 120.0) -> None:
        self.proc = subprocess.Popen(self.argv, env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(f"{self.argv[0]} exited: {err.strip()[-800:]}")
            try:
                if self.get(self.ready, {})[0] == 200:
                    return
            except OSError:
                self.conn = None
                time.sleep(0.2)
        raise RuntimeError(f"{self.argv[0]} did not become ready in {timeout:.0f} s")

    def stop(self) -> None:
        if self.conn:
            self.conn.close()
            self.conn = None
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        """GET ``path`` on the keep-alive connection; reconnect once if the server closed it
        while idle (as browsers do: servers close idle keep-alive connections after a few
        seconds, e.g. uvicorn after 5 s)."""
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request("GET", path, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
            except OSError:
                self.conn.close()
                self.conn = None
                raise
        raise AssertionError("unreachable")

    def reconnect(self) -> None:
        """Open a fresh connection now, so that no timed request pays for one."""
        if self.conn:
            self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.conn.connect()


class Client:
    """One server's tile paths and headers."""

    def __init__(self, server: Server, paths: list[str], headers: dict[str, str]):
        self.server, self.paths, self.headers = server, paths, headers

    def fetch(self, i: int) -> float:
        """Milliseconds to fetch tile ``i``; raises on an unexpected status."""
        start = time.perf_counter()
        status, _ = self.server.get(self.paths[i], self.headers)
        elapsed = (time.perf_counter() - start) * 1000.0
        if status not in (200, 204):
            raise RuntimeError(f"GET {self.paths[i]}: HTTP {status}")
        return elapsed


def timed_pass(clients: list[Client]) -> list[np.ndarray]:
    """Every tile from every server, one request at a time; the servers take turns per tile
    (order alternating), so background load on the machine weighs on both alike."""
    n = len(clients[0].paths)
    out = [np.empty(n) for _ in clients]
    for i in range(n):
        order = range(len(clients)) if i % 2 == 0 else reversed(range(len(clients)))
        for k in order:
            out[k][i] = clients[k].fetch(i)
    return out


def tipg_python(home: Path) -> Path:
    """The tipg virtualenv's python, created and filled on first use (and again whenever the
    pinned versions in ``bench/tipg-requirements.txt`` change)."""
    venv = home / "bench-venvs" / "tipg"
    python = venv / "bin" / "python"
    pins = TIPG_REQUIREMENTS.read_bytes()
    stamp = venv / f".installed-{hashlib.sha256(pins).hexdigest()[:16]}"
    if not stamp.exists():
        print(f"installing tipg into {venv} (pinned: {TIPG_REQUIREMENTS.name}) …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "-r", str(TIPG_REQUIREMENTS)],
            check=True,
            timeout=600,
            capture_output=True,
        )
        stamp.touch()
    return python


def start_tipg(url: str, tiles: list[tuple[int, int, int]], notes: list[str]) -> Client | None:
    """tipg serving ``units`` of the database at ``url``; None (and a note) if it cannot."""
    from gridsvc.db.embedded import free_port
    from gridsvc.settings import get_settings

    server: Server | None = None
    try:
        python = tipg_python(get_settings().home)
        port = free_port()
        env = {
            **os.environ, "DATABASE_URL": psycopg_conninfo(url),
            "TIPG_DB_TABLES": '["public.units"]', "TIPG_DB_SCHEMAS": '["public"]',
            "TIPG_DB_EXCLUDE_FUNCTION_SCHEMAS": '["public"]', "TIPG_TILE_BUFFER": "64",
            "TIPG_MAX_FEATURES_PER_TILE": "100000", "TIPG_SET_MVT_LAYERNAME": "true",
        }  # fmt: skip
        server = Server([str(python), "-m", "uvicorn", "tipg.main:app", "--port", str(port),
                         "--log-level", "warning"], env, port, "/collections")  # fmt: skip
        server.start()
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        notes.append(f"tipg could not be installed or started: {exc}")
        if server is not None:
            server.stop()
        return None
    paths = [f"/collections/public.units/tiles/WebMercatorQuad/{z}/{x}/{y}"
             f"?level=grid&properties={PROPS}" for z, x, y in tiles]  # fmt: skip
    return Client(server, paths, {})


def _mvt_features(data: bytes) -> int:
    import mapbox_vector_tile

    return sum(len(layer["features"]) for layer in mapbox_vector_tile.decode(data).values())


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns tipg's cold p95 over ours (overall)."""
    p = argparse.ArgumentParser(prog="python -m bench tiles", description=__doc__)
    p.add_argument("--grids", type=int, default=20_000)
    p.add_argument("--sample", type=int, default=SAMPLE)
    args, _ = p.parse_known_args(argv or [])

    from gridsvc.db.embedded import free_port

    results: dict[str, dict[str, np.ndarray]] = {}
    notes: list[str] = []
    with scratch_postgis() as url:
        bounds, key = load_city(url, args.grids)
        tiles = tile_set(bounds, args.sample)
        port = free_port()
        ours = Server([str(Path(sys.executable).with_name("gridsvc")), "serve"],
                      {**os.environ, "GRIDSVC_DATABASE_URL": url, "GRIDSVC_PORT": str(port)},
                      port, "/healthz")  # fmt: skip
        auth = {"Authorization": f"Bearer {key}"}
        clients = [Client(ours, [f"/tiles/grids/{z}/{x}/{y}.pbf?district={ADCODE}"
                                 for z, x, y in tiles], auth)]  # fmt: skip
        tipg = start_tipg(url, tiles, notes)
        if tipg is not None:
            clients.append(tipg)
        try:
            ours.start()
            timed_pass(clients[:1])  # untimed: warms PostgreSQL's buffers
            ours.stop()
            ours.start()  # an empty tile cache
            ours.get("/tiles/grids/0/0/0.pbf?district=000000", auth)  # connections, version
            for client in clients:  # fresh keep-alive connections: none idled out
                client.server.reconnect()
            if tipg is not None:
                tipg.fetch(0)
            cold, cached = timed_pass(clients), timed_pass(clients)
            for k, name in enumerate(["ours", "tipg"][: len(clients)]):
                results[name] = {"cold": cold[k], "cached": cached[k]}
            mid = len(tiles) // 2
            counts = [_mvt_features(c.server.get(c.paths[mid], c.headers)[1]) for c in clients]
            notes.append(f"check: tile {tiles[mid]} has {counts[0]} features from gridsvc"
                         + (f", {counts[1]} from tipg" if tipg else ""))  # fmt: skip
        finally:
            for c in clients:
                c.server.stop()
    return report(tiles, results, notes, args.grids)


def report(tiles: list, results: dict, notes: list[str], n: int) -> dict[str, Any]:
    zooms = np.array([t[0] for t in tiles])
    groups = [(str(z), zooms == z) for z in ZOOMS] + [("all", np.ones(len(tiles), bool))]
    servers = [s for s in ("ours", "tipg") if s in results]
    kinds = [(s, kind, q) for s in servers for kind in ("cold", "cached") for q in ("p50", "p95")]
    headers = ["zoom", "tiles"] + [f"{s} {kind} {q}" for s, kind, q in kinds]
    rows = []
    for name, mask in groups:
        row: list[Any] = [name, int(mask.sum())]
        for s in servers:
            for kind in ("cold", "cached"):
                ms = results[s][kind][mask]
                row += [float(np.percentile(ms, 50)), float(np.percentile(ms, 95))]
        rows.append(row)
    print_table(f"Vector tiles of {n} grids, ms per tile (sequential, one client)", headers, rows)
    ours = results["ours"]
    cold95, cached95 = (float(np.percentile(ours[k], 95)) for k in ("cold", "cached"))
    met = {True: "met", False: "missed"}
    print(
        f"targets: ours cold p95 < {TARGET_COLD_MS:.0f} ms: {met[cold95 < TARGET_COLD_MS]}; "
        f"cached p95 < {TARGET_CACHED_MS:.0f} ms: {met[cached95 < TARGET_CACHED_MS]}"
    )
    for note in notes:
        print(note)
    if "tipg" not in results:
        return {HEADLINE: "n/a (tipg unavailable)"}
    ratio = float(np.percentile(results["tipg"]["cold"], 95)) / cold95
    return {HEADLINE: f"{ratio:.2f}"}
