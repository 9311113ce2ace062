"""Grid card latency over HTTP with a million residents loaded.

The demo district 530302 is loaded into a scratch PostGIS with the demo's elements at
1,000,000 residents (buildings, POIs, people, components, organisations, staff, situations;
all through ``gridsvc ingest``). Then ``gridsvc serve`` answers
``GET /api/v1/grids/{code}/card`` for random grids (one client, keep-alive, an admin key,
so the card counts people too), after one untimed pass over other grids; a few community
and street cards are timed apart.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import print_table, wait_ready
from bench.district import ADCODE, element_files, ingest, scratch_district

RESIDENTS = 1_000_000
REQUESTS = 500
WARM = 100


def load_elements(scratch: Any, residents: int) -> list[list[Any]]:
    """Ingest every demo element file; one table row per file."""
    rows = []
    for name, (csv, mapping) in element_files(scratch, residents).items():
        kind = {
            "places": "place",
            "pois": "place",
            "persons": "person",
            "things": "thing",
            "organisations": "organisation",
            "staff": "staff",
            "situations": "situation",
        }[Path(name).stem]
        run = ingest(scratch, kind, csv, mapping)
        rows.append([name, run.report["rows"], run.report["accepted"], run.seconds])
    return rows


def timed_cards(conn: http.client.HTTPConnection, key: str, codes: list[str]) -> np.ndarray:
    """Milliseconds per card request; each answer must be 200 JSON."""
    out = np.empty(len(codes))
    headers = {"Authorization": f"Bearer {key}"}
    for i, code in enumerate(codes):
        start = time.perf_counter()
        conn.request("GET", f"/api/v1/grids/{code}/card", headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        out[i] = (time.perf_counter() - start) * 1e3
        if resp.status != 200:
            raise RuntimeError(f"card {code}: HTTP {resp.status}: {body[:200]!r}")
        json.loads(body)
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns the grid card p95 (ms)."""
    import subprocess

    from gridsvc.db.embedded import free_port
    from gridsvc.repositories import units as units_repo
    from gridsvc.services.keys import create_key

    p = argparse.ArgumentParser(prog="python -m bench card", description=__doc__)
    p.add_argument("--residents", type=int, default=RESIDENTS)
    p.add_argument("--requests", type=int, default=REQUESTS)
    args, _ = p.parse_known_args(argv or [])
    with scratch_district() as scratch:
        loaded = load_elements(scratch, args.residents)
        key, _ = create_key(scratch.engine, "admin", name="bench")
        with scratch.engine.connect() as conn:
            grids = sorted(units_repo.codes(conn, ADCODE, "grid"))
        rng = np.random.default_rng(0)
        sample = [str(c) for c in rng.choice(grids, args.requests + WARM)]
        uppers = sorted({c[:12] for c in grids})[:20] + sorted({c[:9] for c in grids})[:5]
        port = free_port()
        env = {**scratch.env, "GRIDSVC_PORT": str(port)}
        gridsvc = str(Path(sys.executable).with_name("gridsvc"))
        server = subprocess.Popen(
            [gridsvc, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_ready(port)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            timed_cards(conn, key, sample[:WARM])
            grid_ms = timed_cards(conn, key, sample[WARM:])
            upper_ms = timed_cards(conn, key, uppers)
            conn.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    print_table("Element files loaded (gridsvc ingest)", ["file", "rows", "accepted", "s"], loaded)
    stats = [
        [name, len(ms), *np.percentile(ms, [50, 95, 99]).tolist(), float(ms.max())]
        for name, ms in (("grid cards", grid_ms), ("community and street cards", upper_ms))
    ]
    print_table(
        f"Grid card over HTTP, {args.residents:,} residents, {len(grids)} grids",
        ["cards", "requests", "p50 ms", "p95 ms", "p99 ms", "max ms"],
        stats,
    )
    return {"grid-card-p95-ms": round(float(np.percentile(grid_ms, 95)), 2)}
