"""``gridsvc simulate cameras`` against ``gridsvc serve``: traffic of every input reaches the
database through HTTP, and every camera is sighted."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from cameras.deviceid import make_device_id
from gridsvc.services.keys import create_key
from tests.camera_rows import add_cameras
from tests.conftest import READONLY_DISTRICT as DEMO
from tests.e2e.conftest import GRIDSVC

pytestmark = pytest.mark.e2e
ALIASES = {
    801: ["mac:44:19:b6:00:08:01/1"],
    802: ["ip:10.8.0.2/33"],
    803: ["onvif:http://10.8.0.3/onvif/device_service/videosource_1"],
    804: ["integrator-804"],
}


def _env(database_url: str, home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDSVC_")}
    env.update(GRIDSVC_DATABASE_URL=database_url, GRIDSVC_HOME=str(home), **extra)
    return env


def test_simulated_traffic_reaches_every_input(  # type: ignore[no-untyped-def]
    server: str, engine: Engine, database_url: str, tmp_path
) -> None:
    with engine.connect() as conn:
        grid = conn.execute(
            text("SELECT min(code) FROM units WHERE adcode = :a AND level = 'grid'"), {"a": DEMO}
        ).scalar_one()
    ids = add_cameras(engine, DEMO, 4, first=801, grid_code=grid, aliases=ALIASES)
    key, _ = create_key(engine, "admin", name="simulator")
    features = [
        {"type": "Feature", "geometry": None, "properties": {"device_id": d, "aliases": a}}
        for d, a in zip(ids, ALIASES.values(), strict=True)
    ]
    cameras = tmp_path / "cameras.geojson"
    cameras.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    args = ["simulate", "cameras", "--url", server, "--key", key, "--cameras", str(cameras)]
    args += ["--rate", "12", "--duration", "4", "--heartbeat", "2", "--seed", "3", "--json"]
    env = _env(database_url, tmp_path)
    done = subprocess.run([GRIDSVC, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout)
    assert "failed_requests" not in summary and summary["rejected"] == 0, summary
    assert summary["created"] + summary.get("duplicate", 0) == summary["events"] > 0, summary
    assert summary["isapi_requests"] and summary["onvif_requests"] and summary["native_requests"]
    with engine.connect() as conn:
        sources = conn.execute(
            text("SELECT DISTINCT source FROM camera_events WHERE camera_id = ANY(:ids)"),
            {"ids": ids},
        ).scalars()
        unseen = conn.execute(
            text("SELECT count(*) FROM cameras WHERE device_id = ANY(:ids) AND last_seen IS NULL"),
            {"ids": ids},
        ).scalar_one()
    assert set(sources) == {"isapi", "onvif", "native"}
    assert unseen == 0


def test_simulator_reads_the_registry(  # type: ignore[no-untyped-def]
    server: str, engine: Engine, database_url: str, tmp_path
) -> None:
    """Cameras registered through the API, read back by the simulator from
    ``GET /api/v1/cameras`` and pushed for through each input their aliases call for."""
    with engine.connect() as conn:
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM units "
                "WHERE adcode = :a AND level = 'grid' ORDER BY code LIMIT 1) s"
            ),
            {"a": DEMO},
        ).one()
    key, _ = create_key(engine, "admin", name="simulator registry")
    aliases = ["mac:44:19:b6:00:09:01/1", "onvif:http://10.9.0.3/onvif/device_service/vs_1", ""]
    cameras = [
        {
            "device_id": make_device_id(DEMO, 9_000 + n),
            "name": f"registry {n}",
            "department": "police",
            "lon": lon,
            "lat": lat,
            "aliases": [alias] if alias else [],
        }
        for n, alias in enumerate(aliases, start=1)
    ]
    request = urllib.request.Request(
        f"{server}/api/v1/cameras",
        data=json.dumps({"cameras": cameras}).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as r:
        assert json.loads(r.read())["counts"]["created"] == len(cameras)
    ids = [c["device_id"] for c in cameras]
    args = ["simulate", "cameras", "--url", server, "--key", key, "--district", DEMO]
    args += ["--rate", "12", "--duration", "4", "--heartbeat", "2", "--seed", "5", "--json"]
    done = subprocess.run(
        [GRIDSVC, *args],
        env=_env(database_url, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout)
    assert summary["rejected"] == 0 and summary["events"] > 0, summary
    with engine.connect() as conn:
        sources = set(
            conn.execute(
                text("SELECT DISTINCT source FROM camera_events WHERE camera_id = ANY(:ids)"),
                {"ids": ids},
            ).scalars()
        )
        unseen = conn.execute(
            text("SELECT count(*) FROM cameras WHERE device_id = ANY(:ids) AND last_seen IS NULL"),
            {"ids": ids},
        ).scalar_one()
    assert sources == {"isapi", "onvif", "native"}
    assert unseen == 0
