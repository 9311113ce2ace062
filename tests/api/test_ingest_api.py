"""Element ingest over HTTP: upload a file and its mapping, follow the job, read its report
(JSON and CSV); roles and districts."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from gridsvc.services.keys import create_key
from tests.api.conftest import auth, throwaway_demo
from tests.conftest import READONLY_DISTRICT as DEMO
from tests.ingest_files import (
    PERSON_FIELDS,
    PERSON_HEADER,
    PERSON_VALUES,
    grid_points,
    id_number,
    mapping,
    person_row,
)


@pytest.fixture(scope="module")
def env(pg_cluster) -> Iterator[tuple[Engine, TestClient, dict]]:  # type: ignore[no-untyped-def]
    with throwaway_demo(pg_cluster, "gridsvc_ingest_api") as (engine, client):
        keys = {r: create_key(engine, r)[0] for r in ("admin", "operator", "planner")}
        keys["integrator"] = create_key(engine, "integrator")[0]
        keys["leader"] = create_key(engine, "grid_leader", grids=[DEMO + "001001001"])[0]
        keys["op_here"] = create_key(engine, "operator", district=DEMO)[0]
        keys["other"] = create_key(engine, "admin", district="110101")[0]
        yield engine, client, keys


def people_csv(engine: Engine, n: int = 5) -> bytes:
    _, lon, lat = grid_points(engine, DEMO, 1)[0]
    rows = [person_row(i, lon, lat) for i in range(1, n + 1)]
    rows[1][1] = ""  # row 2: no name
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(PERSON_HEADER)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


PERSON_MAP = mapping("person", "公安人口库", PERSON_FIELDS, PERSON_VALUES).encode()


def upload(client: TestClient, key: str | None, body: bytes, map_text: bytes, **form):  # type: ignore[no-untyped-def]
    files = {"file": ("人口.csv", body, "text/csv"), "map": ("map.yaml", map_text, "text/yaml")}
    headers = auth(key) if key else {}
    return client.post("/api/v1/ingest/person", files=files, data=form, headers=headers)


def finished(client: TestClient, key: str, job: int) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/ingest/jobs/{job}", headers=auth(key)).json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"job {job} did not finish: {body}")


def test_upload_runs_a_job_with_its_report_and_csv(env) -> None:  # type: ignore[no-untyped-def]
    engine, client, keys = env
    r = upload(client, keys["operator"], people_csv(engine), PERSON_MAP)
    assert r.status_code == 202, r.text
    job = r.json()["job"]
    assert r.json()["status"] in ("queued", "running", "done")
    body = finished(client, keys["operator"], job)
    assert body["status"] == "done", body
    assert (body["rows"], body["accepted"], body["rejected"]) == (5, 4, 1)
    assert (body["inserted"], body["updated"], body["unchanged"]) == (4, 0, 0)
    assert body["kind"] == "person" and body["source"] == "公安人口库"
    assert body["district"] == DEMO and body["dry_run"] is False
    [error] = body["errors"]
    assert (error["row"], error["field"], error["code"]) == (2, "name", "missing_required")

    report = client.get(f"/api/v1/ingest/jobs/{job}/report.csv", headers=auth(keys["admin"]))
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows[0] == ["row", "field", "code", "message"]
    assert rows[1][:3] == ["2", "name", "missing_required"] and len(rows) == 2
    assert id_number(1) not in report.text

    again = finished(
        client,
        keys["admin"],
        upload(client, keys["admin"], people_csv(engine), PERSON_MAP).json()["job"],
    )
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 4)
    with engine.connect() as conn:
        entries = (
            conn.execute(
                text(
                    "SELECT outcome FROM audit_log "
                    "WHERE action = 'elements.ingest' AND district = :d"
                ),
                {"d": DEMO},
            )
            .scalars()
            .all()
        )
    assert entries.count("ok") >= 2


def test_dry_run_over_http_writes_nothing(env) -> None:  # type: ignore[no-untyped-def]
    engine, client, keys = env
    body_csv = people_csv(engine).replace(b"P", b"D")
    r = upload(client, keys["admin"], body_csv, PERSON_MAP, dry_run="true")
    body = finished(client, keys["admin"], r.json()["job"])
    assert body["dry_run"] and body["inserted"] == 4
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM elements WHERE external_id LIKE 'D%'"))
        assert n.scalar_one() == 0


@pytest.mark.parametrize(
    ("role", "status"),
    [("planner", 403), ("leader", 403), ("integrator", 403), (None, 401)],
)
def test_roles_that_may_not_ingest(env, role, status) -> None:  # type: ignore[no-untyped-def]
    engine, client, keys = env
    r = upload(client, keys[role] if role else None, people_csv(engine), PERSON_MAP)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"


def test_districts_limit_uploads_and_jobs(env) -> None:  # type: ignore[no-untyped-def]
    engine, client, keys = env
    r = upload(client, keys["other"], people_csv(engine), PERSON_MAP, district=DEMO)
    assert r.status_code == 404
    r = upload(client, keys["op_here"], people_csv(engine), PERSON_MAP)
    assert r.status_code == 202
    job = r.json()["job"]
    finished(client, keys["op_here"], job)
    assert client.get(f"/api/v1/ingest/jobs/{job}", headers=auth(keys["other"])).status_code == 404
    csv_url = f"/api/v1/ingest/jobs/{job}/report.csv"
    assert client.get(csv_url, headers=auth(keys["other"])).status_code == 404
    assert client.get(csv_url, headers=auth(keys["planner"])).status_code == 403
    assert client.get(f"/api/v1/ingest/jobs/{job}").status_code == 401
    missing = client.get("/api/v1/ingest/jobs/999999999", headers=auth(keys["admin"]))
    assert missing.status_code == 404 and "no ingest job 999999999" in missing.json()["detail"]
    # the other district's own key: its district is not loaded
    r = upload(client, keys["other"], people_csv(engine), PERSON_MAP)
    assert r.status_code == 422 and "110101" in r.json()["detail"]


@pytest.mark.parametrize(
    ("map_text", "message"),
    [
        (b"kind: person\nsource: s\nfeilds: {}\n", "unknown key(s) feilds"),
        (
            mapping("place", "s", {"external_id": "a", "name": "b", "kind": "c"}).encode(),
            "kind 'place'",
        ),
        (b"kind: person\nsource: s\nfields: {external_id: X, name: Y}\n", "X"),
        (b"\xff\xfe not yaml", "not UTF-8"),
    ],
)
def test_bad_map_file_is_a_specific_problem(env, map_text, message) -> None:  # type: ignore[no-untyped-def]
    engine, client, keys = env
    r = upload(client, keys["admin"], people_csv(engine), map_text)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert message in r.json()["detail"]
