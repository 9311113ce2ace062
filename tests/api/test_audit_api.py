"""GET /api/v1/audit: admins only, paged, filtered; imports and dry runs recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from gridsvc.services.keys import create_key
from tests.api.conftest import auth
from tests.conftest import SCRATCH_DISTRICT
from tests.helpers import write_geojson

BUNDLED = Path(__file__).parents[2] / "gridsvc" / "data" / "districts"


def audit(client: TestClient, key: str, query: str = "") -> dict:
    r = client.get(f"/api/v1/audit?{query}", headers=auth(key))
    assert r.status_code == 200, r.text
    return r.json()


def test_audit_needs_an_admin(client: TestClient, keys: dict[str, str]) -> None:
    assert client.get("/api/v1/audit").status_code == 401
    for role in ("operator", "planner", "integrator", "grid_leader"):
        assert client.get("/api/v1/audit", headers=auth(keys[role])).status_code == 403, role


def test_refused_writes_are_recorded(client: TestClient, keys: dict[str, str]) -> None:
    planner = keys["planner"]
    assert client.post("/api/v1/layers/propose", headers=auth(planner)).status_code == 403
    r = client.post("/api/v1/grids/import", headers=auth(planner), data={"crs": "4326"})
    assert r.status_code == 403  # the role is checked before the form
    q = f"actor={planner.split('_')[1]}&limit=2"
    entries = audit(client, keys["admin"], q)["entries"]
    assert [(e["action"], e["outcome"]) for e in entries] == [
        ("grids.import", "refused"),
        ("layer.propose", "refused"),
    ]


def test_filters_and_paging(client: TestClient, engine: Engine, keys: dict[str, str]) -> None:
    admin, me = create_key(engine, "admin", name="audit paging")
    start = datetime.now(UTC) - timedelta(seconds=1)
    made = []
    for i in range(3):
        body = {"role": "planner", "name": f"p{i}"}
        made.append(client.post("/api/v1/keys", headers=auth(admin), json=body).json()["prefix"])
    client.delete(f"/api/v1/keys/{made[0]}", headers=auth(admin))
    since = quote(start.isoformat())
    body = audit(client, admin, f"actor={me}&action=key.create&since={since}")
    assert body["total"] == 3 and [e["object_ids"] for e in body["entries"]] == [
        [p] for p in reversed(made)
    ]
    page = audit(client, admin, f"actor={me}&since={since}&limit=2&offset=2")
    assert page["total"] == 4 and page["limit"] == 2 and page["offset"] == 2
    assert [e["action"] for e in page["entries"]] == ["key.create", "key.create"]
    first = audit(client, admin, f"actor={me}&since={since}&limit=1")["entries"][0]
    assert first["action"] == "key.revoke" and first["object_ids"] == [made[0]]
    assert first["address"] == "testclient" and first["outcome"] == "ok"
    by_object = audit(client, admin, f"object=key:{made[1]}")["entries"]
    assert [e["action"] for e in by_object] == ["key.create"]
    assert audit(client, admin, f"actor={me}&until={since}")["total"] == 0
    later = quote((datetime.now(UTC) + timedelta(minutes=1)).isoformat())
    assert audit(client, admin, f"actor={me}&since={since}&until={later}")["total"] == 4
    h = auth(admin)
    for bad in ("limit=0", "limit=501", "offset=-1", "since=yesterday", "district=12"):
        r = client.get(f"/api/v1/audit?{bad}", headers=h)
        assert r.status_code == 422, bad
        assert r.headers["content-type"] == "application/problem+json"
    r = client.get("/api/v1/audit?object=:7", headers=h)
    assert r.status_code == 422 and "TYPE:ID" in r.json()["detail"]


def test_grid_imports_dry_runs_and_rejections_are_recorded(
    client: TestClient, keys: dict[str, str], scratch: Engine, tmp_path: Path
) -> None:
    admin = keys["admin"]

    def post(path: Path, **form: str) -> int:
        data = {"crs": "gcj02", "level": "district", "district": SCRATCH_DISTRICT, **form}
        with path.open("rb") as fh:
            r = client.post(
                "/api/v1/grids/import",
                headers=auth(admin),
                data=data,
                files={"file": (path.name, fh)},
            )
        return r.status_code

    boundary = BUNDLED / "350205.geojson"
    assert post(boundary, dry_run="true") == 200
    assert post(boundary) == 200
    far = write_geojson(
        tmp_path / "far.geojson", [({"code": "350205001"}, shapely.box(10, 10, 10.01, 10.01))]
    )
    assert post(far, level="street", crs="EPSG:4326") == 422
    q = f"action=grids.import&object=district:{SCRATCH_DISTRICT}&limit=3"
    entries = audit(client, admin, q)["entries"]
    assert [e["outcome"] for e in entries] == ["rejected", "ok", "dry_run"]
    assert entries[0]["detail"]["status"] == 422 and "rejected" in entries[0]["detail"]["reason"]
    assert entries[1]["detail"]["level"] == "district" and entries[1]["detail"]["inserted"] == 1
    assert entries[2]["detail"].get("inserted") is None
