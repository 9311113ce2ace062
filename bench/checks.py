"""What the per-request checks cost: body limits, the problem catch-all, the key, the role
and the district scope, and one audit entry in a write's transaction.

Measured in process, so that the figures are the checks' own CPU and database time, not the
machine's scheduling (``http_locate`` shows them end to end). Each row times the same
operation with and without the checks, interleaved call by call, and reports the
difference of their percentiles:

- *request checks*: an ASGI request through ``ProblemMiddleware`` → ``BodyLimits`` to an
  endpoint that looks the key up (``PrincipalCache``, as every request does), checks the
  role (``authorize``) and picks the district to search (``search_district``), against the
  bare endpoint;
- *audit entry*: a small write transaction that also inserts its ``audit_log`` row, against
  the same write alone.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from bench.common import print_table, scratch_postgis

TARGET_US = 1000.0
HEADLINE = "checks-p99-us"
SCOPE: dict[str, Any] = {
    "type": "http",
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": "/api/v1/locate",
    "raw_path": b"/api/v1/locate",
    "root_path": "",
    "query_string": b"lon=103.79&lat=25.5",
    "server": ("127.0.0.1", 8000),
    "client": ("127.0.0.1", 50000),
}


async def _receive() -> dict:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: dict) -> None:
    return None


def _asgi_pair(engine: Any, key: str) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """(with checks, bare): coroutine factories answering one GET request."""
    from gridsvc.api.limits import BodyLimits
    from gridsvc.api.problems import ProblemMiddleware
    from gridsvc.auth import Action, authorize, search_district
    from gridsvc.services.keys import PrincipalCache
    from gridsvc.settings import Settings

    principals = PrincipalCache(ttl_seconds=3600)
    headers = [(b"authorization", f"Bearer {key}".encode()), (b"host", b"127.0.0.1")]

    async def ok(scope: dict, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def checked_endpoint(scope: dict, receive: Any, send: Any) -> None:
        auth = dict(scope["headers"])[b"authorization"].decode().partition(" ")[2]
        principal = principals.principal(engine, auth)
        authorize(principal, Action.LOCATE)
        search_district(principal, None)
        await ok(scope, receive, send)

    checked = ProblemMiddleware(BodyLimits(checked_endpoint, Settings()))
    scope = {**SCOPE, "headers": headers}
    asyncio.run(checked({**scope}, _receive, _send))  # fills the key cache

    def with_checks() -> Any:
        return checked({**scope}, _receive, _send)

    def bare() -> Any:
        return ok({**scope}, _receive, _send)

    return with_checks, bare


async def _interleaved(pair: tuple[Callable[[], Any], Callable[[], Any]], n: int) -> np.ndarray:
    out = np.empty((2, n))
    for i in range(n):
        for k in (0, 1):
            start = time.perf_counter()
            await pair[k]()
            out[k, i] = time.perf_counter() - start
    return out * 1e6


def _audit_pair(engine: Any) -> tuple[Callable[[], None], Callable[[], None]]:
    """(with an audit entry, without): the same small write transaction (one row into a
    table of its own), so that both pay the same commit."""
    from sqlalchemy import text

    from gridsvc.services import audit

    actor = audit.Actor("bench0000", "admin", "127.0.0.1")
    write = text("INSERT INTO bench_writes (x) VALUES (1)")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_writes (id serial, x int)"))

    def with_entry() -> None:
        with engine.begin() as conn:
            conn.execute(write)
            audit.record(conn, actor, "bench.write", object_type="grid", district="510199")

    def without() -> None:
        with engine.begin() as conn:
            conn.execute(write)

    return with_entry, without


def _timed_pair(pair: tuple[Callable[[], None], Callable[[], None]], n: int) -> np.ndarray:
    out = np.empty((2, n))
    for i in range(n):
        for k in (0, 1):
            start = time.perf_counter()
            pair[k]()
            out[k, i] = time.perf_counter() - start
    return out * 1e6


def _row(name: str, us: np.ndarray) -> list[Any]:
    p50, p99 = (np.percentile(us, q, axis=1) for q in (50, 99))
    extra = p99[0] - p99[1]
    met = "met" if extra < TARGET_US else "missed"
    return [name, us.shape[1], p50[1], p99[1], p50[0], p99[0], p50[0] - p50[1], extra, met]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns the p99 cost of the request checks in microseconds."""
    p = argparse.ArgumentParser(prog="python -m bench checks", description=__doc__)
    p.add_argument("--requests", type=int, default=20_000)
    p.add_argument("--writes", type=int, default=2_000)
    args, _ = p.parse_known_args(argv or [])

    from gridsvc.db.connect import make_engine
    from gridsvc.db.migrate import upgrade
    from gridsvc.services.keys import create_key

    with scratch_postgis() as url:
        upgrade(url)
        engine = make_engine(url, pool_size=2)
        try:
            key, _ = create_key(engine, "operator", name="bench")
            requests = asyncio.run(_interleaved(_asgi_pair(engine, key), args.requests))
            writes = _timed_pair(_audit_pair(engine), args.writes)
        finally:
            engine.dispose()
    rows = [_row("request checks (per request)", requests), _row("audit entry (per write)", writes)]
    print_table(
        "Cost of the checks, µs (in process; with and without, interleaved)",
        [
            "what",
            "n",
            "without p50",
            "without p99",
            "with p50",
            "with p99",
            "cost p50",
            "cost p99",
            f"target < {TARGET_US:.0f} µs",
        ],
        rows,
    )
    return {
        HEADLINE: round(float(rows[0][7]), 1),
        "audit-entry-p99-us": round(float(rows[1][7]), 1),
    }
