"""``gridsvc ingest`` as a district's data clerk runs it: a GBK CSV exported from Excel, a
dry run first, the JSON report, a re-run that changes nothing, a resume after a failure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from gridsvc.services.imports import import_table
from tests.conftest import SCRATCH_DISTRICT as D
from tests.db.scratch_grids import load_hierarchy, some_grids, table
from tests.e2e.test_cli_imports import run
from tests.ingest_files import (
    PERSON_FIELDS,
    PERSON_HEADER,
    PERSON_VALUES,
    grid_points,
    mapping,
    person_row,
    write_csv,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def district(engine: Engine) -> Iterator[Engine]:
    grids = some_grids(load_hierarchy(engine))
    import_table(engine, table(grids), level="grid", crs="EPSG:4326", district=D)
    yield engine


def people(engine: Engine) -> int:
    with engine.connect() as conn:
        query = text("SELECT count(*) FROM elements WHERE adcode = :a AND kind = 'person'")
        return conn.execute(query, {"a": D}).scalar_one()


def test_gbk_csv_dry_run_then_load_then_unchanged(district, database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, lon, lat = grid_points(district, D, 1)[0]
    rows = [person_row(i, lon, lat) for i in range(1, 8)]
    rows[3][2] = "350205198001010011"  # wrong check character
    path = write_csv(tmp_path / "人口.csv", PERSON_HEADER, rows, encoding="gbk")
    assert "张1丰".encode("gbk") in path.read_bytes()
    map_path = tmp_path / "map.yaml"
    map_path.write_text(mapping("person", "公安人口库", PERSON_FIELDS, PERSON_VALUES))
    args = ("ingest", "person", str(path), "--map", str(map_path), "--district", D)

    dry = run(database_url, tmp_path, *args, "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    body = json.loads(dry.stdout)
    assert body["dry_run"] is True and body["status"] == "done"
    assert (body["rows"], body["accepted"], body["rejected"], body["inserted"]) == (7, 6, 1, 6)
    [error] = body["errors"]
    assert (error["row"], error["field"], error["code"]) == (4, "id_number", "invalid_id_number")
    assert "350205198001010011" not in error["message"]
    assert set(body) == {
        "job", "status", "kind", "source", "district", "dry_run", "rows", "accepted",
        "rejected", "inserted", "updated", "unchanged", "errors",
    }  # fmt: skip
    assert people(district) == 0

    load = run(database_url, tmp_path, *args)
    assert load.returncode == 0, load.stderr
    assert "7 rows, 6 accepted, 1 rejected; 6 inserted" in load.stdout
    assert "row 4 [invalid_id_number]" in load.stdout
    assert people(district) == 6

    again = json.loads(run(database_url, tmp_path, *args, "--json").stdout)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 6)


REFUSE = (
    "CREATE FUNCTION test_refuse_cli() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'refused by test'; END $$;"
    "CREATE TRIGGER test_refuse_cli BEFORE INSERT ON elements FOR EACH ROW "
    "WHEN (NEW.external_id = 'P15') EXECUTE FUNCTION test_refuse_cli()"
)


def test_failed_job_resumes_from_the_command_line(district, database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, lon, lat = grid_points(district, D, 1)[0]
    rows = [person_row(i, lon, lat) for i in range(100, 130)] + [person_row(15, lon, lat)]
    path = write_csv(tmp_path / "p.csv", PERSON_HEADER, rows)
    map_path: Path = tmp_path / "map.yaml"
    map_path.write_text(mapping("person", "resume", PERSON_FIELDS, PERSON_VALUES))
    args = ("ingest", "person", str(path), "--map", str(map_path), "--district", D)
    with district.begin() as conn:
        conn.exec_driver_sql(REFUSE)
    try:
        failed = run(database_url, tmp_path, *args, "--batch-rows", "10")
    finally:
        with district.begin() as conn:
            conn.execute(text("DROP TRIGGER test_refuse_cli ON elements"))
            conn.execute(text("DROP FUNCTION test_refuse_cli()"))
    assert failed.returncode == 1
    assert "refused by test" in failed.stderr
    job = int(failed.stderr.split("--resume ")[1].split()[0])
    resumed = run(database_url, tmp_path, *args, "--resume", str(job), "--json")
    assert resumed.returncode == 0, resumed.stderr
    body = json.loads(resumed.stdout)
    assert body["job"] == job and body["status"] == "done"
    assert (body["rows"], body["inserted"]) == (31, 31)
