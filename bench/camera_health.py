"""The camera health sweep over 50,000 registered cameras, against a per-camera loop.

A scratch PostGIS gets 50,000 cameras of one district by COPY: 2,000 NVRs with 8 channels
each and 32,000 stand-alone cameras, all online and seen within the last minute. Before each
"flip" run, 10 % go stale: 4,100 stand-alone cameras and 100 NVRs (whose 800 channels, still
seen, go offline with them), so the sweep flips exactly 5,000 cameras offline and records
5,000 events (its day partition created by the first run). A "no-op" run sweeps the same
cameras when nothing is due; a "back" run brings the 5,000 back online after a minute of
sightings (channels dated with their NVRs). Times are of ``sweep_once`` as the app's
sweeper calls it (lock, UPDATE … RETURNING with the events, commit), median and max over
several runs; the state is restored and vacuumed between runs, untimed.

Baseline (naive): read the cameras, decide each in Python with the same pure rule
(``cameras.health.plan``) and send one UPDATE per camera plus one INSERT per transition, in
one transaction — measured on a 5,000-camera subset (10 % of the cameras, 10 % of them
stale) and extrapolated ×10 to 50,000, labelled as such.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import psycopg

from bench.common import print_table, psycopg_conninfo, scratch_postgis

ADCODE = "510199"
NVRS = 2_000
CHANNELS = 8
RUNS = 5
SUBSET = 5_000
DEPARTMENTS = ("police", "traffic", "urban_management", "smart")
COLUMNS = (
    "adcode, device_id, name, department, device_type, parent_id, grid_code, h3, status, "
    "status_since, last_seen, seen_since"
)


def device_id(serial: int, type_code: str) -> str:
    return f"{ADCODE}0000{type_code}0{serial:06d}"


def layout(total: int) -> tuple[list[str], list[str | None], list[str]]:
    """Device IDs, parents and type codes: NVRs, their channels, then stand-alone cameras."""
    ids: list[str] = []
    parents: list[str | None] = []
    types: list[str] = []
    for n in range(NVRS):
        nvr = device_id(n, "118")
        ids.append(nvr)
        parents.append(None)
        types.append("118")
        for ch in range(CHANNELS):
            ids.append(device_id(NVRS + n * CHANNELS + ch, "131"))
            parents.append(nvr)
            types.append("131")
    for serial in range(len(ids), total):
        ids.append(device_id(serial, "132"))
        parents.append(None)
        types.append("132")
    return ids, parents, types


def load(url: str, total: int, now: datetime) -> list[str]:
    """COPY ``total`` online cameras seen within the last minute; their device IDs."""
    rng = np.random.default_rng(0)
    ids, parents, types = layout(total)
    day = (now - timedelta(days=1)).isoformat()
    seen = [(now - timedelta(seconds=float(s))).isoformat() for s in rng.uniform(0, 60, total)]
    cells = rng.integers(0x08B0000000000000, 0x08BFFFFFFFFFFFFF, total)
    buf = io.StringIO()
    for i, did in enumerate(ids):
        grid = f"{ADCODE}{i // 5000 + 1:03d}{i // 50 % 100 + 1:03d}{i % 50 + 1:03d}"
        buf.write(
            f"{ADCODE}\t{did}\tcamera {i}\t{DEPARTMENTS[i % 4]}\t{types[i]}\t"
            f"{parents[i] or chr(92) + 'N'}\t{grid}\t{cells[i]}\tonline\t{day}\t{seen[i]}\t{day}\n"
        )
    with psycopg.connect(psycopg_conninfo(url), autocommit=True) as conn:
        with conn.cursor().copy(f"COPY cameras ({COLUMNS}) FROM STDIN") as copy:
            copy.write(buf.getvalue())
        conn.execute("VACUUM ANALYZE cameras")
    return ids


def stale_set(ids: list[str], parents: list[str | None], total: int) -> list[str]:
    """The 10 % made stale: 100 NVRs (800 channels follow) and stand-alone cameras."""
    nvrs = [d for d, p in zip(ids, parents, strict=True) if d[10:13] == "118"][:100]
    alone = [d for d, p in zip(ids, parents, strict=True) if d[10:13] == "132"]
    return nvrs + alone[: total // 10 - 100 - 100 * CHANNELS]


def reset(url: str, now: datetime, stale: list[str]) -> None:
    """Every camera online again, the stale ones last seen 10 minutes ago; no events."""
    with psycopg.connect(psycopg_conninfo(url), autocommit=True) as conn:
        day = now - timedelta(days=1)
        conn.execute(
            "UPDATE cameras SET status = 'online', status_since = %s "
            "WHERE status <> 'online' OR status_since <> %s",
            (day, day),
        )
        conn.execute(
            "UPDATE cameras SET last_seen = %s WHERE device_id = ANY(%s)",
            (now - timedelta(minutes=10), stale),
        )
        conn.execute("TRUNCATE camera_events")
        conn.execute("VACUUM ANALYZE cameras")


def back_again(url: str, engine: Any, policy: Any, now: datetime, stale: list[str]) -> None:
    """The stale cameras offline (an untimed sweep), then seen again for the last minute."""
    from gridsvc.services.camera_health import sweep_once

    reset(url, now, stale)
    sweep_once(engine, policy, retention_days=30, now=now)
    with psycopg.connect(psycopg_conninfo(url), autocommit=True) as conn:
        conn.execute(
            "UPDATE cameras SET last_seen = %s, seen_since = %s WHERE device_id = ANY(%s)",
            (now - timedelta(seconds=5), now - timedelta(minutes=1), stale),
        )
        conn.execute("VACUUM ANALYZE cameras")


def timed_sweeps(engine: Any, policy: Any, now: datetime, runs: int, before: Any) -> list[Any]:
    """(ms, changes, events) of ``runs`` sweeps, ``before()`` untimed ahead of each."""
    from gridsvc.services.camera_health import sweep_once

    out = []
    for _ in range(runs):
        before()
        start = time.perf_counter()
        result = sweep_once(engine, policy, retention_days=30, now=now)
        ms = (time.perf_counter() - start) * 1e3
        out.append((ms, len(result.changes), result.recorded))
    return out


def naive_subset(url: str, policy: Any, now: datetime, stale: list[str]) -> tuple[float, int]:
    """Seconds and transitions of the per-camera loop over SUBSET stand-alone cameras."""
    from cameras.health import Camera, Health, plan

    alone_stale = [d for d in stale if d[10:13] == "132"][: SUBSET // 10]
    with psycopg.connect(psycopg_conninfo(url)) as conn:
        fresh = conn.execute(
            "SELECT device_id FROM cameras WHERE device_type = '132' AND NOT device_id = ANY(%s) "
            "ORDER BY device_id LIMIT %s",
            (stale, SUBSET - len(alone_stale)),
        ).fetchall()
        subset = alone_stale + [r[0] for r in fresh]
        start = time.perf_counter()
        rows = conn.execute(
            "SELECT device_id, parent_id, status, status_since, last_seen, seen_since "
            "FROM cameras WHERE adcode = %s AND device_id = ANY(%s)",
            (ADCODE, subset),
        ).fetchall()
        cams = {r[0]: Camera(Health(r[2], r[3], r[4], r[5]), r[1]) for r in rows}
        steps = plan(cams, now, policy)
        for did, cam in cams.items():
            step = steps.get(did)
            status, since = (step.status, step.at) if step else (cam.health.status, None)
            conn.execute(
                "UPDATE cameras SET status = %s, status_since = coalesce(%s, status_since) "
                "WHERE adcode = %s AND device_id = %s",
                (status, since, ADCODE, did),
            )
            if step:
                event_id = f"system:{step.status}:{step.at.isoformat()}"
                conn.execute(
                    "INSERT INTO camera_events (adcode, camera_id, occurred_at, event_id, type, "
                    "source) VALUES (%s, %s, %s, %s, %s, 'system') ON CONFLICT DO NOTHING",
                    (ADCODE, did, step.at, event_id, step.status),
                )
        conn.commit()
        return time.perf_counter() - start, len(steps)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns the median offline sweep of the 50,000 cameras (ms)."""
    from cameras.health import HealthPolicy
    from gridsvc.db.connect import make_engine
    from gridsvc.db.migrate import upgrade

    p = argparse.ArgumentParser(prog="python -m bench camera_health", description=__doc__)
    p.add_argument("--cameras", type=int, default=50_000)
    p.add_argument("--runs", type=int, default=RUNS)
    args, _ = p.parse_known_args(argv or [])
    policy = HealthPolicy.of_seconds(180, 20)
    now = datetime.now(UTC).replace(microsecond=0)
    with scratch_postgis() as url:
        upgrade(url)
        ids = load(url, args.cameras, now)
        _, parents, _ = layout(args.cameras)
        stale = stale_set(ids, parents, args.cameras)
        engine = make_engine(url, pool_size=2)
        try:
            flips = timed_sweeps(engine, policy, now, args.runs, lambda: reset(url, now, stale))
            noops = timed_sweeps(engine, policy, now, args.runs, lambda: None)
            backs = timed_sweeps(
                engine, policy, now, args.runs, lambda: back_again(url, engine, policy, now, stale)
            )
            reset(url, now, stale)
            naive_s, naive_changes = naive_subset(url, policy, now, stale)
        finally:
            engine.dispose()
    scale = args.cameras / SUBSET
    rows = [
        [name, len(runs), statistics.median(r[0] for r in runs), max(r[0] for r in runs)]
        + list(runs[-1][1:])
        for name, runs in (
            ("sweep, 10 % go offline", flips),
            ("sweep, nothing due", noops),
            ("sweep, the 10 % come back online", backs),
        )
    ]
    rows.append(
        [
            f"naive per-camera UPDATE loop, {SUBSET:,} subset ×{scale:g} (extrapolated)",
            1,
            naive_s * 1e3 * scale,
            naive_s * 1e3 * scale,
            int(naive_changes * scale),
            int(naive_changes * scale),
        ]
    )
    print_table(
        f"Camera health sweep, {args.cameras:,} cameras ({NVRS:,} NVRs × {CHANNELS} channels)",
        ["run", "runs", "median ms", "max ms", "changes", "events"],
        rows,
    )
    flip_ms = statistics.median(r[0] for r in flips)
    return {
        "camera-offline-sweep-50k-ms": round(flip_ms, 1),
        "camera-noop-sweep-50k-ms": round(statistics.median(r[0] for r in noops), 1),
        "camera-sweep-speedup-vs-naive": round(naive_s * 1e3 * scale / flip_ms, 1),
    }
