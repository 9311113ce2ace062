"""Single-point locate through HTTP: latency at a fixed request rate (open loop).

Starts ``gridsvc serve`` on a throwaway embedded PostGIS loaded with the demo district,
then sends ``GET /api/v1/locate`` at a constant rate from client threads, each request
timed from its scheduled send time (so a slow server cannot hide queueing). Every request
passes what any request passes: the problem catch-all, the body-limit middleware, the key
check and the district scope. Target: p99 under 10 ms at 200 and at 400 requests/s.
"""

from __future__ import annotations

import argparse
import http.client
import queue
import threading
import time
from typing import Any

import numpy as np

from bench.common import demo_server, print_table

TARGET_P99_MS = 10.0
HEADLINE = "locate-http-p99-ms-at-200rps"
HEADLINE_400 = "locate-http-p99-ms-at-400rps"


def run_rate(port: int, key: str, paths: list[str], rate: float, seconds: float) -> dict:
    """Send ``rate`` requests/s for ``seconds``; latency (ms) from each scheduled time."""
    n = int(rate * seconds)
    jobs: queue.Queue[tuple[float, str] | None] = queue.Queue()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {key}"}

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while (job := jobs.get()) is not None:
            due, path = job
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
            except OSError as exc:
                ok, conn = False, http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                errors.append(str(exc))
            elapsed = (time.perf_counter() - due) * 1000.0
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors.append("status")

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(24)]
    for t in threads:
        t.start()
    start = time.perf_counter() + 0.2
    for i in range(n):
        jobs.put((start + i / rate, paths[i % len(paths)]))
    for _ in threads:
        jobs.put(None)
    for t in threads:
        t.join()
    arr = np.array(latencies)
    return {
        "rate": rate, "requests": n, "errors": len(errors),
        "p50": float(np.percentile(arr, 50)), "p95": float(np.percentile(arr, 95)),
        "p99": float(np.percentile(arr, 99)), "max": float(arr.max()),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns the headlines (p99 ms at 200 and 400 requests/s)."""
    p = argparse.ArgumentParser(prog="bench http_locate")
    p.add_argument("--district", default="530302")
    p.add_argument("--seconds", type=float, default=15.0)
    args, _ = p.parse_known_args(argv or [])

    with demo_server(args.district) as server:
        x0, y0, x1, y1 = server.outline.bounds
        rng = np.random.default_rng(3)
        pts = zip(rng.uniform(x0, x1, 5000), rng.uniform(y0, y1, 5000), strict=True)
        paths = [f"/api/v1/locate?lon={x:.6f}&lat={y:.6f}" for x, y in pts]
        port, key = server.port, server.key
        run_rate(port, key, paths, 100.0, 3.0)  # warm-up: loads the locator
        rows = [run_rate(port, key, paths, r, args.seconds) for r in (200.0, 400.0)]
    print_table(
        f"Single-point locate over HTTP ({args.district}, open loop, {args.seconds:.0f} s/rate)",
        ["rate (req/s)", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms",
         f"target p99 < {TARGET_P99_MS:.0f} ms"],
        [[r["rate"], r["requests"], r["errors"], r["p50"], r["p95"], r["p99"], r["max"],
          "met" if r["p99"] < TARGET_P99_MS else "missed"] for r in rows],
    )  # fmt: skip
    return {HEADLINE: round(rows[0]["p99"], 2), HEADLINE_400: round(rows[1]["p99"], 2)}
