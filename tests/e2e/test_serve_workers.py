"""`gridsvc serve --workers 2`: two processes answer, share the key files, and every batch
of camera events either worker acknowledges is stored once and readable from either."""

from __future__ import annotations

import http.client
import os
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine

from gridsvc.db.embedded import free_port
from gridsvc.services.keys import create_key
from tests.camera_rows import add_cameras
from tests.conftest import SCRATCH_DISTRICT as DISTRICT
from tests.e2e.conftest import GRIDSVC

pytestmark = pytest.mark.e2e


def request(port: int, method: str, path: str, key: str, body: bytes | None = None) -> tuple:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_ready(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if request(port, "GET", "/healthz", "")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the API did not start")


def worker_pids(pid: int) -> set[int]:
    """Child processes of the server (uvicorn's workers and its own helpers)."""
    out = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        out |= {int(c) for c in children}
    return out


def test_two_workers_share_the_work(engine: Engine, database_url: str, tmp_path: Path) -> None:
    cameras = add_cameras(engine, DISTRICT, 20)
    key = create_key(engine, "admin", district=DISTRICT, name="workers test")[0]
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDSVC_")}
    env |= {"GRIDSVC_DATABASE_URL": database_url, "GRIDSVC_HOME": str(tmp_path)}
    server = subprocess.Popen(
        [GRIDSVC, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(port, server)
        assert len(worker_pids(server.pid)) >= 2
        assert (tmp_path / "session-secret").is_file() and (tmp_path / "pii-key").is_file()
        now = datetime.now(UTC).isoformat()
        sent = 0
        for batch in range(8):  # several connections: both workers take some
            items = [
                {"camera": c, "event_id": f"w{batch}-{i}", "type": "motion", "occurred_at": now}
                for i, c in enumerate(cameras)
            ]
            status, answer = request(
                port, "POST", "/api/v1/camera-events", key, orjson.dumps({"events": items})
            )
            assert status == 200, answer
            assert orjson.loads(answer)["created"] == len(items)
            sent += len(items)
        for camera in cameras[:3]:
            status, answer = request(
                port, "GET", f"/api/v1/camera-events?camera={camera}&district={DISTRICT}", key
            )
            assert status == 200, answer
            assert len(orjson.loads(answer)["events"]) == 8
        assert sent == 8 * len(cameras)
    finally:
        server.terminate()
        server.wait(timeout=60)
