"""kill -9 of the API while batches of camera events stream in: every event acknowledged
with a 2xx is stored exactly once, and the batch cut off is stored whole once resent."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine, text

from gridsvc.db.embedded import free_port
from gridsvc.services.keys import create_key
from tests.camera_rows import add_cameras
from tests.conftest import SCRATCH_DISTRICT as DISTRICT
from tests.e2e.conftest import GRIDSVC

pytestmark = pytest.mark.e2e
BATCH = 500


def start(url: str, port: int, home: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDSVC_")}
    env |= {"GRIDSVC_DATABASE_URL": url, "GRIDSVC_PORT": str(port), "GRIDSVC_HOME": str(home)}
    server = subprocess.Popen(
        [GRIDSVC, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.1)
        finally:
            conn.close()
    server.kill()
    raise AssertionError("the API did not start")


class Pusher:
    """Posts new batches until stopped: which were acknowledged, which were cut off."""

    def __init__(self, port: int, key: str, cameras: list[str]):
        self.port, self.key, self.cameras = port, key, cameras
        self.acked: list[list[tuple[str, str]]] = []
        self.cut: list[bytes] = []
        self.serial = 0
        self.stop = threading.Event()

    def body(self) -> tuple[bytes, list[tuple[str, str]]]:
        now = datetime.now(UTC)
        items = []
        for _ in range(BATCH):
            self.serial += 1
            camera = self.cameras[self.serial % len(self.cameras)]
            at = (now - timedelta(milliseconds=self.serial % 5000)).isoformat()
            items.append(
                {
                    "camera": camera,
                    "event_id": f"k{self.serial}",
                    "type": "motion",
                    "occurred_at": at,
                }
            )
        return orjson.dumps({"events": items}), [(i["camera"], i["event_id"]) for i in items]

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}
        while not self.stop.is_set():
            body, keys = self.body()
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                conn.request("POST", "/api/v1/camera-events", body=body, headers=headers)
                response = conn.getresponse()
                answer = response.read()
            except OSError:
                self.cut.append(body)  # no answer: not acknowledged
                time.sleep(0.05)
                continue
            finally:
                conn.close()
            if 200 <= response.status < 300:
                assert orjson.loads(answer)["created"] == BATCH
                self.acked.append(keys)
            else:
                self.cut.append(body)


def stored(engine: Engine, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """How many rows each (camera, event id) has."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT camera_id, event_id, count(*) FROM camera_events "
                "WHERE adcode = :a AND event_id = ANY(:ids) GROUP BY camera_id, event_id"
            ),
            {"a": DISTRICT, "ids": [k[1] for k in keys]},
        )
        return {(c, e): n for c, e, n in rows}


def test_acknowledged_events_survive_kill_9(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    cameras = add_cameras(engine, DISTRICT, 50)
    key = create_key(engine, "admin", district=DISTRICT, name="kill test")[0]
    port = free_port()
    server = start(database_url, port, tmp_path)
    pusher = Pusher(port, key, cameras)
    thread = threading.Thread(target=pusher.run, daemon=True)
    thread.start()
    try:
        while len(pusher.acked) < 3:
            time.sleep(0.05)
        time.sleep(0.13)  # land the kill mid-batch rather than between batches
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
        while not pusher.cut:
            time.sleep(0.01)
        acked_before = len(pusher.acked)
        server = start(database_url, port, tmp_path)
        while len(pusher.acked) < acked_before + 2:
            time.sleep(0.05)
    finally:
        pusher.stop.set()
        thread.join(timeout=60)
        server.terminate()
        server.wait(timeout=30)
    acked = [k for batch in pusher.acked for k in batch]
    counts = stored(engine, acked)
    assert len(acked) >= 5 * BATCH
    assert [k for k in acked if counts.get(k) != 1] == []  # every acknowledged event, once
    server = start(database_url, port, tmp_path)  # the sender retries what got no answer
    try:
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        for body in pusher.cut:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("POST", "/api/v1/camera-events", body=body, headers=headers)
            answer = orjson.loads(conn.getresponse().read())
            conn.close()
            assert answer["rejected"] == 0 and answer["created"] + answer["duplicate"] == BATCH
            items = orjson.loads(body)["events"]
            resent = stored(engine, [(i["camera"], i["event_id"]) for i in items])
            assert sorted(resent.values()) == [1] * BATCH
    finally:
        server.terminate()
        server.wait(timeout=30)
