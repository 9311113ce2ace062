"""The command line as a newcomer uses it: the demo serves, the embedded cluster stops."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from gridsvc.db.embedded import free_port
from gridsvc.geo.measure import areas_m2

pytestmark = pytest.mark.e2e
GRIDSVC = str(Path(sys.executable).with_name("gridsvc"))
BUNDLED = Path(__file__).parents[2] / "gridsvc" / "data" / "districts"


@pytest.fixture
def home(tmp_path_factory):  # type: ignore[no-untyped-def]
    base = tmp_path_factory.mktemp("home")
    os.chmod(base, 0o755)
    os.chmod(base.parent, 0o755)
    yield base
    subprocess.run([GRIDSVC, "db", "stop"], env=_env(base), capture_output=True)


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDSVC_")}
    return {**env, "GRIDSVC_HOME": str(home)}


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GRIDSVC, *args], env=_env(home), capture_output=True, text=True, timeout=300
    )


def get(url: str, key: str | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"} if key else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_db_commands_and_import(home: Path) -> None:
    assert run(home, "db", "status").returncode == 3
    assert "running on 127.0.0.1" in run(home, "db", "start").stdout
    assert run(home, "db", "url").stdout.startswith("postgresql+psycopg://gridsvc:")
    boundary = BUNDLED / "510104.geojson"
    out = run(home, "import-grids", str(boundary), "--crs", "gcj02", "--level", "district",
              "--district", "510104")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "accepted: 1 district features" in out.stdout
    again = run(home, "import-grids", str(boundary), "--crs", "gcj02", "--level", "district",
                "--district", "510104", "--json")  # fmt: skip
    assert json.loads(again.stdout)["written"] == {"inserted": 0, "updated": 0, "unchanged": 1}
    bad = run(home, "import-grids", str(boundary), "--crs", "EPSG:3857", "--level", "street",
              "--district", "510104")  # fmt: skip
    assert bad.returncode == 1 and "outside_district" in bad.stdout
    key = run(home, "keys", "create", "--role", "planner", "--name", "qgis")
    assert key.returncode == 0 and key.stdout.startswith("gsk_")
    assert "planner" in run(home, "keys", "list").stdout
    assert "unknown role" in run(home, "keys", "create", "--role", "boss").stderr
    assert "stopped" in run(home, "db", "stop").stdout
    assert run(home, "db", "status").returncode == 3


def test_demo_serves_the_real_district_fully_gridded(home: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [GRIDSVC, "demo", "--port", str(port)], env=_env(home), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)
        key = (home / "demo-admin.key").read_text().strip()
        status, grids = get(f"{base}/api/v1/grids?level=grid&limit=10000", key)
        assert status == 200
        feats = grids["features"]
        assert len(feats) >= 800
        assert all(len(f["id"]) == 15 and f["id"].startswith("530302") for f in feats)
        _, district = get(f"{base}/api/v1/grids/530302", key)
        outline = shape(district["geometry"])
        cells = np.array([shape(f["geometry"]) for f in feats], dtype=object)
        union = shapely.union_all(cells)
        total = areas_m2([outline])[0]
        gaps = areas_m2([outline.difference(union)])[0]
        overlaps = areas_m2(cells).sum() - areas_m2([union])[0]
        assert gaps / total < 0.001 and overlaps / total < 0.001, (gaps, overlaps, total)
        assert get(f"{base}/api/v1/grids?level=grid")[0] == 401
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert "admin key: gsk_" in out and "530302 loaded" in out
    assert "person persons.csv: 50000 accepted, 0 rejected; 50000 new" in out
    assert "demo cameras and NVRs in" in out
    assert run(home, "db", "status").returncode == 3  # the demo stopped its cluster
    second = run(home, "demo", "--no-serve")
    assert "already loaded" in second.stdout
    assert "persons.csv: 50000 accepted, 0 rejected; 0 new, 0 updated, 50000 unchanged" in (
        second.stdout
    )
    assert (home / "demo-admin.key").read_text().strip() in second.stdout
    assert "demo cameras already registered in 530302" in second.stdout
    layers = run(home, "layers", "list").stdout.splitlines()
    assert [line.split()[3] for line in layers] == ["城管", "综治", "公安"]
    report = run(home, "layers", "report", layers[0].split()[0], "--limit", "3").stdout
    assert "boundary_mismatch" in report and "crosswalk rows" in report
    point = shapely.point_on_surface(shape(feats[0]["geometry"]))
    located = json.loads(run(home, "locate", str(point.x), str(point.y)).stdout)
    assert located["grid_code"] == feats[0]["id"] and located["inside"] is True
