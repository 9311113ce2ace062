"""Camera events over HTTP: native JSON batches committed durably, against raw COPY and one
event per POST.

A durable PostgreSQL cluster of its own (fsync and synchronous commit on, unlike the test
clusters) with 2,000 registered cameras of one integrator; the real API under uvicorn
(``--workers``) as a child process; client threads post pre-built batches (``--batch``
events each, every event new, times within the last minute) with the integrator's key.
Timed in the same run, the same number of client connections each:

(a) ours: ``POST /api/v1/camera-events`` batches, events created per second (each 2xx only
    after its commit), and the time from sending a batch until a separate SQL connection
    finds its last event (p50/p99: receipt to queryable);
(b) raw ``COPY`` of the same kind of rows into ``camera_events``, one transaction per batch:
    the ceiling of getting the rows in durably;
(c) one event per POST (the naive path).
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import psycopg

from bench.common import print_table, psycopg_conninfo, wait_ready

HEADLINE = "camera-events-http-per-s"
HEADLINE_P99 = "camera-events-receipt-to-query-p99-ms"
TARGET = 20_000
DISTRICT = "510104"
TYPES = ("motion", "intrusion", "line_crossing", "face", "anpr", "heartbeat")


@contextmanager
def durable_postgis() -> Iterator[str]:
    """A throwaway embedded cluster with fsync and synchronous commit on: yields its URL."""
    from gridsvc.db.connect import ensure_database
    from gridsvc.db.embedded import EmbeddedCluster, find_bindir

    base = Path(tempfile.mkdtemp(prefix="gridsvc-bench-durable-"))
    os.chmod(base, 0o755)  # the server runs as 'postgres' when we run as root
    cluster = EmbeddedCluster(datadir=base / "pg", bindir=find_bindir(), fast=False)
    cluster.start()
    try:
        url = cluster.url("bench")
        ensure_database(url)
        yield url
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


def register(url: str, cameras: int) -> tuple[list[str], str]:
    """``cameras`` cameras of integrator 'bench' and an integrator key: (device ids, key)."""
    from cameras.deviceid import make_device_id
    from gridsvc.db.connect import make_engine
    from gridsvc.services.keys import create_key

    ids = [make_device_id(DISTRICT, n) for n in range(1, cameras + 1)]
    engine = make_engine(url, pool_size=1)
    key, prefix = create_key(engine, "integrator", name="bench", district=DISTRICT)
    engine.dispose()
    with psycopg.connect(psycopg_conninfo(url), autocommit=True) as conn:
        conn.execute("UPDATE api_keys SET integrator = 'bench' WHERE prefix = %s", (prefix,))
        with conn.cursor().copy(
            "COPY cameras (adcode, device_id, name, department, integrator, device_type, "
            "grid_code, h3, aliases) FROM STDIN"
        ) as copy:
            for n, device_id in enumerate(ids):
                grid = f"{DISTRICT}001001{n % 97:03d}"
                alias = [f"mac:00:00:00:00:{n // 256:02x}:{n % 256:02x}/1"]
                copy.write_row(
                    (DISTRICT, device_id, f"cam {n}", "police", "bench", "132", grid, n, alias)
                )
    return ids, key


class Batches:
    """Pre-built batch bodies: every event new (a serial in its id), times near now."""

    def __init__(self, ids: list[str], size: int, seed: int = 5):
        self.ids, self.size = ids, size
        self.rng = np.random.default_rng(seed)
        self.serial = 0
        self.lock = threading.Lock()

    def items(self, n: int) -> list[dict]:
        with self.lock:
            start, self.serial = self.serial, self.serial + n
        now = datetime.now(UTC)
        cams = self.rng.integers(0, len(self.ids), n)
        ages = self.rng.uniform(0, 60, n)
        kinds = self.rng.integers(0, len(TYPES) - 1, n)  # heartbeats are not stored: none
        return [
            {
                "camera": self.ids[c],
                "event_id": f"b{start + i}",
                "type": TYPES[k],
                "occurred_at": (now - timedelta(seconds=float(a))).isoformat(),
                "label": "person",
                "score": 0.8,
                "attrs": {"region": int(k)},
            }
            for i, (c, a, k) in enumerate(zip(cams, ages, kinds, strict=True))
        ]

    def bodies(self, count: int) -> list[tuple[bytes, tuple[str, str]]]:
        """``count`` bodies, each with (camera, event id) of its last event."""
        out = []
        for _ in range(count):
            items = self.items(self.size)
            out.append(
                (orjson.dumps({"events": items}), (items[-1]["camera"], items[-1]["event_id"]))
            )
        return out


def post_loop(
    port: int, key: str, bodies: list, conninfo: str | None, stats: dict, lock: threading.Lock
) -> None:
    """Post each body; count created events; time receipt → queryable for each."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    probe = psycopg.connect(conninfo, autocommit=True) if conninfo else None
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    for body, (camera, event_id) in bodies:
        sent = time.perf_counter()
        conn.request("POST", "/api/v1/camera-events", body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        latency = None
        if probe is not None and resp.status == 200:
            found = probe.execute(
                "SELECT 1 FROM camera_events WHERE adcode = %s AND camera_id = %s "
                "AND event_id = %s",
                (DISTRICT, camera, event_id),
                prepare=True,
            ).fetchone()
            latency = (time.perf_counter() - sent) * 1000 if found else None
        with lock:
            if resp.status == 200:
                stats["created"] += orjson.loads(data)["created"]
            else:
                stats["errors"] += 1
            if latency is not None:
                stats["latency"].append(latency)
    conn.close()
    if probe is not None:
        probe.close()


def run_http(
    port: int, key: str, batches: Batches, clients: int, per_client: int, probe: str | None
) -> dict:
    """N client threads posting pre-built batches; events created per second."""
    work = [batches.bodies(per_client) for _ in range(clients)]
    stats: dict[str, Any] = {"created": 0, "errors": 0, "latency": []}
    lock = threading.Lock()
    threads = [
        threading.Thread(target=post_loop, args=(port, key, w, probe, stats, lock)) for w in work
    ]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    lat = np.array(stats["latency"] or [np.nan])
    return {
        "events": stats["created"],
        "seconds": seconds,
        "per_s": stats["created"] / seconds,
        "errors": stats["errors"],
        "p50": float(np.percentile(lat, 50)),
        "p99": float(np.percentile(lat, 99)),
    }


def run_copy(url: str, batches: Batches, clients: int, per_client: int) -> dict:
    """Raw COPY of the same kind of rows, one transaction per batch, N connections."""
    conninfo = psycopg_conninfo(url)
    cams = {d: (f"{DISTRICT}001001{n % 97:03d}", n) for n, d in enumerate(batches.ids)}

    def rows_of(items: list[dict]) -> list[tuple]:
        return [
            (
                DISTRICT,
                i["camera"],
                i["occurred_at"],
                "c" + i["event_id"],
                i["type"],
                None,
                "native",
                cams[i["camera"]][0],
                cams[i["camera"]][1],
                i["label"],
                i["score"],
                orjson.dumps(i["attrs"]).decode(),
                orjson.dumps(i).decode(),
            )
            for i in items
        ]

    work = [
        [rows_of(batches.items(batches.size)) for _ in range(per_client)] for _ in range(clients)
    ]
    columns = (
        "adcode, camera_id, occurred_at, event_id, type, state, source, grid_code, h3, label, "
        "score, attrs, raw"
    )

    def worker(chunks: list[list[tuple]]) -> None:
        with psycopg.connect(conninfo) as conn:
            for rows in chunks:
                with (
                    conn.cursor() as cur,
                    cur.copy(f"COPY camera_events ({columns}) FROM STDIN") as cp,
                ):
                    for row in rows:
                        cp.write_row(row)
                conn.commit()

    threads = [threading.Thread(target=worker, args=(w,)) for w in work]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    events = clients * per_client * batches.size
    return {"events": events, "seconds": seconds, "per_s": events / seconds}


def serve(url: str, workers: int) -> tuple[subprocess.Popen, int, str]:
    """The API under uvicorn with ``workers`` processes: (process, port, home)."""
    from gridsvc.db.embedded import free_port

    port = free_port()
    home = tempfile.mkdtemp(prefix="gridsvc-bench-home-")
    env = {
        **os.environ,
        "GRIDSVC_DATABASE_URL": url,
        "GRIDSVC_HOME": home,
        "GRIDSVC_DEFAULT_DISTRICT": DISTRICT,
        "GRIDSVC_CAMERA_EVENTS_PER_SECOND": "1e9",
        "GRIDSVC_DB_POOL_SIZE": "8",
    }
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "gridsvc.api.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(port)
    return server, port, home


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns the headlines (events/s, receipt-to-query p99 ms)."""
    p = argparse.ArgumentParser(prog="bench camera_events")
    p.add_argument("--cameras", type=int, default=2000)
    p.add_argument("--batch", type=int, default=1000)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--batches", type=int, default=40, help="batches per client")
    p.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    p.add_argument("--single-seconds", type=float, default=8.0)
    args, _ = p.parse_known_args(argv or [])

    with durable_postgis() as url:
        from gridsvc.db.migrate import upgrade

        upgrade(url)
        ids, key = register(url, args.cameras)
        server, port, home = serve(url, args.workers)
        try:
            batches = Batches(ids, args.batch)
            conninfo = psycopg_conninfo(url)
            run_http(port, key, batches, args.clients, 2, conninfo)  # warm-up
            ours = run_http(port, key, batches, args.clients, args.batches, conninfo)
            singles = Batches(ids, 1, seed=9)
            per_client = max(1, int(args.single_seconds * 150 / args.clients))
            naive = run_http(port, key, singles, args.clients, per_client, None)
        finally:
            server.terminate()
            server.wait(timeout=60)
            shutil.rmtree(home, ignore_errors=True)
        ceiling = run_copy(url, batches, args.clients, max(5, args.batches // 2))
    rows = [
        [
            f"(a) ours: HTTP batches of {args.batch}",
            ours["events"],
            ours["seconds"],
            round(ours["per_s"]),
            ours["errors"],
            ours["p50"],
            ours["p99"],
            "met" if ours["per_s"] >= TARGET else "missed",
        ],
        [
            "(b) raw COPY, a transaction per batch",
            ceiling["events"],
            ceiling["seconds"],
            round(ceiling["per_s"]),
            0,
            "",
            "",
            "",
        ],
        [
            "(c) one event per POST",
            naive["events"],
            naive["seconds"],
            round(naive["per_s"]),
            naive["errors"],
            "",
            "",
            "",
        ],
    ]
    print_table(
        f"Camera events committed durably ({args.cameras} cameras, {args.clients} clients, "
        f"{args.workers} uvicorn workers, synchronous commit on)",
        [
            "run",
            "events",
            "seconds",
            "events/s",
            "errors",
            "receipt→query p50 ms",
            "p99 ms",
            f"target ≥ {TARGET}/s",
        ],
        rows,
    )
    print(
        f"ours / COPY ceiling: {ours['per_s'] / ceiling['per_s']:.2f}; "
        f"ours / one per POST: {ours['per_s'] / max(naive['per_s'], 1):.1f}×"
    )
    return {HEADLINE: round(ours["per_s"]), HEADLINE_P99: round(ours["p99"], 1)}
