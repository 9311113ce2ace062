"""``gridsvc simulate cameras``: push realistic camera traffic through the real HTTP paths.

The registered cameras are read from ``GET /api/v1/cameras`` (all pages), or from a GeoJSON
file of the same shape; each second, native items go in one ``POST /api/v1/camera-events``
batch, each Hikvision-style camera posts its alerts to ``/api/v1/ingest/isapi`` and each
ONVIF producer one ``Notify`` to ``/api/v1/ingest/onvif`` (a few requests in parallel).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from cameras import simulate as sim
from gridsvc.settings import Settings

Request = tuple[str, str, bytes, str, int]  # (input, path, body, content type, events)


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``simulate cameras``."""
    p = sub.add_parser("simulate", help="simulated traffic for the demo")
    what = p.add_subparsers(dest="what", required=True)
    c = what.add_parser("cameras", help="push camera events through the HTTP API")
    c.add_argument("--url", help="the API (default: http://HOST:PORT of the settings)")
    c.add_argument("--key", required=True, help="an admin key (reads cameras, pushes events)")
    c.add_argument("--rate", type=float, default=20.0, help="detections a second, all cameras")
    c.add_argument("--duration", type=float, default=60.0, help="seconds to run (0: forever)")
    c.add_argument("--heartbeat", type=int, default=60, help="seconds between sightings")
    c.add_argument("--district", help="the district's cameras (default: the key's)")
    c.add_argument("--cameras", type=Path, help="a GeoJSON file of cameras instead of the API")
    c.add_argument("--workers", type=int, default=4, help="requests in parallel")
    c.add_argument("--seed", type=int, help="random seed (repeatable traffic)")
    c.add_argument("--json", action="store_true", help="print the summary as JSON")
    c.set_defaults(func=cmd_simulate_cameras)


class Api:
    """The few HTTP calls the simulator makes (stdlib only), with the key as Bearer."""

    def __init__(self, url: str, key: str, timeout: float = 30.0):
        self.url, self.key, self.timeout = url.rstrip("/"), key, timeout

    def call(self, method: str, path: str, body: bytes | None, content_type: str) -> tuple:
        """(status, parsed JSON body or None) of one request; (0, reason) when unreachable."""
        target = path if path.startswith("http") else self.url + path
        req = urllib.request.Request(target, data=body, method=method)
        req.add_header("Authorization", f"Bearer {self.key}")
        if body is not None:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, _json(exc.read())
        except OSError as exc:
            return 0, str(exc)


def _json(data: bytes) -> object:
    try:
        return json.loads(data)
    except ValueError:
        return None


def registered_cameras(
    call: Callable[[str, str, bytes | None, str], tuple], district: str | None
) -> list[sim.SimCamera]:
    """Every camera of ``GET /api/v1/cameras``, following its ``next`` links."""
    query = {"limit": 1000, **({"district": district} if district else {})}
    path: str | None = "/api/v1/cameras?" + urlencode(query)
    out: list[sim.SimCamera] = []
    while path:
        status, body = call("GET", path, None, "")
        if status != 200 or not isinstance(body, dict):
            raise SystemExit(f"error: GET {path} answered {status}: {body}")
        out += cameras_of(body)
        path = next((ln["href"] for ln in body.get("links", []) if ln.get("rel") == "next"), None)
    return out


def cameras_of(collection: dict) -> list[sim.SimCamera]:
    """The cameras of a GeoJSON FeatureCollection (``device_id`` and ``aliases``)."""
    out = []
    for feature in collection.get("features", []):
        props = feature.get("properties") or {}
        device_id = props.get("device_id") or feature.get("id")
        if device_id:
            out.append(sim.SimCamera(str(device_id), tuple(props.get("aliases") or ())))
    return out


def requests_for(events: list[sim.SimEvent], run: str, rng: random.Random) -> list[Request]:
    """The HTTP requests that carry one second's events, each by its camera's input."""
    native: list[dict] = []
    by_producer: dict[str, list[sim.SimEvent]] = defaultdict(list)
    out: list[Request] = []
    for event in events:
        speaks, alias = event.camera.speaks()
        if speaks == sim.ISAPI and alias:
            body, ctype = sim.isapi_upload(event, alias, rng)
            out.append((sim.ISAPI, "/api/v1/ingest/isapi", body, ctype, 1))
        elif speaks == sim.ONVIF and alias:
            by_producer[alias].append(event)
        else:
            native.append(sim.native_item(event, run, rng))
    for alias, group in by_producer.items():
        body = sim.onvif_notify(group, alias)
        out.append((sim.ONVIF, "/api/v1/ingest/onvif", body, "application/soap+xml", len(group)))
    if native:
        body = json.dumps({"events": native}, ensure_ascii=False).encode()
        out.append((sim.NATIVE, "/api/v1/camera-events", body, "application/json", len(native)))
    return out


def cmd_simulate_cameras(args: argparse.Namespace, settings: Settings) -> int:
    api = Api(args.url or f"http://{settings.host}:{settings.port}", args.key)
    if args.cameras:
        cameras = cameras_of(json.loads(args.cameras.read_text(encoding="utf-8")))
    else:
        cameras = registered_cameras(api.call, args.district)
    if not cameras:
        print("error: no registered cameras to simulate", file=sys.stderr)
        return 1
    rng = random.Random(args.seed)
    run = f"{rng.getrandbits(32):08x}"
    tally: Counter[str] = Counter()
    start, started = datetime.now(UTC), time.monotonic()
    second = 0
    with ThreadPoolExecutor(max_workers=max(1, args.workers)) as pool:
        while not args.duration or second < args.duration:
            events = sim.tick(cameras, second, start, args.rate, args.heartbeat, rng)
            reqs = requests_for(events, run, rng)
            for result in pool.map(lambda r: _send(api, r), reqs):
                tally.update(result)
            second += 1
            time.sleep(max(0.0, started + second - time.monotonic()))
    summary = {"cameras": len(cameras), "seconds": second, **dict(sorted(tally.items()))}
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(", ".join(f"{k} {v}" for k, v in summary.items()))
    return 0 if not tally["failed_requests"] else 1


def _send(api: Api, req: Request) -> Counter[str]:
    """Post one request; what became of it and of its events."""
    kind, path, body, ctype, count = req
    status, answer = api.call("POST", path, body, ctype)
    out: Counter[str] = Counter({f"{kind}_requests": 1, "events": count})
    if status == 200 and isinstance(answer, dict):
        for key in ("created", "duplicate", "rejected"):
            out[key] += int(answer.get(key, 0))
    else:
        out["failed_requests"] += 1
        out[f"http_{status}"] += 1
    return out
