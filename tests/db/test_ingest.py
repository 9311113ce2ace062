"""Element ingest against PostGIS: insert, unchanged re-import that writes nothing, update in
place, duplicate keys, buildings, grids, personal data, dry runs, resume after a failure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from gridsvc.errors import Conflict
from gridsvc.pii import Keyring
from gridsvc.services.cells import LocatorCache
from gridsvc.services.imports import import_table
from gridsvc.services.ingest import create_job, get_job, report, run_job
from ingest.mapfile import load_mapping
from tests.conftest import SCRATCH_DISTRICT as D
from tests.db.scratch_grids import load_hierarchy, some_grids, table
from tests.ingest_files import (
    PERSON_FIELDS,
    PERSON_HEADER,
    PERSON_VALUES,
    grid_points,
    id_number,
    mapping,
    person_row,
    write_csv,
)

KEYRING = Keyring(b"k" * 32)
PLACE_FIELDS = {"external_id": "编号", "kind": "类型", "name": "名称", "lon": "经度", "lat": "纬度"}


@pytest.fixture(scope="module")
def district(engine: Engine) -> Iterator[Engine]:
    """The scratch district with the grids of two communities imported and indexed."""
    grids = some_grids(load_hierarchy(engine))
    import_table(engine, table(grids), level="grid", crs="EPSG:4326", district=D)
    yield engine


@pytest.fixture
def points(district: Engine) -> list[tuple[str, float, float]]:
    return grid_points(district, D, 6)


@pytest.fixture(autouse=True)
def _no_elements(district: Engine) -> Iterator[None]:
    yield
    with district.begin() as conn:
        conn.execute(text("DELETE FROM elements WHERE adcode = :a"), {"a": D})


def ingest(engine: Engine, kind: str, path: Path, yaml: str, **options) -> dict:  # type: ignore[no-untyped-def]
    spec = load_mapping(yaml, kind=kind)
    job = create_job(engine, spec, path, adcode=D, dry_run=options.pop("dry_run", False))
    return run_job(engine, job, keyring=KEYRING, locators=LocatorCache(11), **options) | {
        "job": job
    }


def version(engine: Engine) -> int:
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT version FROM data_versions WHERE adcode = :a AND table_name = 'elements'"),
            {"a": D},
        ).scalar()
    return int(found or 0)


def elements(engine: Engine, kind: str) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT *, ST_X(ST_PointOnSurface(geom)) AS x, ST_Y(ST_PointOnSurface(geom)) AS y "
                "FROM elements WHERE adcode = :a AND kind = :k"
            ),
            {"a": D, "k": kind},
        ).mappings()
        return {r["external_id"]: dict(r) for r in rows}


def places(tmp_path: Path, points, name: str = "楼") -> tuple[Path, str]:  # type: ignore[no-untyped-def]
    rows = [[f"B{i}", "building", f"{name}{i}", lon, lat] for i, (_, lon, lat) in enumerate(points)]
    path = write_csv(tmp_path / "places.csv", list(PLACE_FIELDS.values()), rows)
    return path, mapping("place", "住建楼栋", PLACE_FIELDS)


def test_insert_then_unchanged_writes_nothing_then_update_in_place(district, points, tmp_path):  # type: ignore[no-untyped-def]
    path, yaml = places(tmp_path, points)
    first = ingest(district, "place", path, yaml)
    assert first["status"] == "done"
    assert (first["rows"], first["accepted"], first["inserted"]) == (6, 6, 6)
    stored = elements(district, "place")
    assert {e["grid_code"] for e in stored.values()} == {code for code, _, _ in points}
    assert all(e["h3"] and e["category"] == "building" for e in stored.values())
    before = version(district)

    again = ingest(district, "place", path, yaml)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 6)
    assert version(district) == before  # nothing was written
    assert elements(district, "place") == stored

    rows = [[f"B{i}", "building", f"楼{i}", lon, lat] for i, (_, lon, lat) in enumerate(points)]
    rows[2][2] = "新楼名"
    write_csv(path, list(PLACE_FIELDS.values()), rows)
    changed = ingest(district, "place", path, yaml)
    assert (changed["inserted"], changed["updated"], changed["unchanged"]) == (0, 1, 5)
    after = elements(district, "place")
    assert after["B2"]["name"] == "新楼名"
    assert after["B2"]["element_id"] == stored["B2"]["element_id"]  # in place
    assert after["B2"]["created_at"] == stored["B2"]["created_at"]
    assert after["B1"]["updated_at"] == stored["B1"]["updated_at"]
    assert version(district) == before + 1


def test_duplicate_key_in_file_keeps_the_first_row(district, points, tmp_path):  # type: ignore[no-untyped-def]
    _, lon, lat = points[0]
    rows = [["B1", "building", "甲", lon, lat], ["B2", "building", "乙", lon, lat]]
    rows += [["B1", "building", "丙", lon, lat], ["B4", "building", "", lon, lat]]
    path = write_csv(tmp_path / "p.csv", list(PLACE_FIELDS.values()), rows)
    # batches of two rows: the repeat is found across batches too
    body = ingest(district, "place", path, mapping("place", "s", PLACE_FIELDS), batch_rows=2)
    assert (body["accepted"], body["rejected"], body["inserted"]) == (2, 2, 2)
    error, missing = body["errors"]
    assert error["row"] == 3 and error["code"] == "duplicate_in_file"
    assert error["field"] == "external_id" and "row 1" in error["message"]
    # rows skipped before normalising keep every later row's number, message included
    assert (missing["row"], missing["code"]) == (4, "missing_required")
    assert missing["message"].startswith("row 4")
    assert elements(district, "place")["B1"]["name"] == "甲"


def test_person_placed_through_building_and_unknown_building(district, points, tmp_path):  # type: ignore[no-untyped-def]
    path, yaml = places(tmp_path, points)
    ingest(district, "place", path, yaml)
    buildings = elements(district, "place")
    _, lon, lat = points[4]
    rows = [person_row(1, building="B3"), person_row(2, building="NOPE"), person_row(3, lon, lat)]
    people = write_csv(tmp_path / "people.csv", PERSON_HEADER, rows)
    body = ingest(
        district, "person", people, mapping("person", "公安", PERSON_FIELDS, PERSON_VALUES)
    )
    assert (body["accepted"], body["rejected"], body["inserted"]) == (2, 1, 2)
    [error] = body["errors"]
    assert (error["row"], error["field"], error["code"]) == (2, "building_id", "unknown_building")
    assert "NOPE" in error["message"]
    found = elements(district, "person")
    p1 = found["P1"]
    assert (p1["x"], p1["y"]) == pytest.approx((buildings["B3"]["x"], buildings["B3"]["y"]))
    assert p1["grid_code"] == buildings["B3"]["grid_code"] and p1["building_id"] == "B3"
    assert found["P3"]["grid_code"] == points[4][0]


def test_personal_values_are_sealed_hashed_and_masked(district, points, tmp_path):  # type: ignore[no-untyped-def]
    _, lon, lat = points[0]
    people = write_csv(tmp_path / "people.csv", PERSON_HEADER, [person_row(7, lon, lat)])
    ingest(district, "person", people, mapping("person", "公安", PERSON_FIELDS, PERSON_VALUES))
    p = elements(district, "person")["P7"]
    full = id_number(7)
    assert p["name"] == "张*" and p["category"] == "registered"
    assert p["attrs"]["id_number"] == full[:6] + "********" + full[-4:]
    assert p["attrs"]["phone"] == "138****0007"
    assert bytes(p["id_hash"]) == KEYRING.id_hash(full)
    sealed = KEYRING.unseal(bytes(p["pii"]))
    assert sealed["name"] == "张7丰" and sealed["id_number"] == full
    assert sealed["phone"] == "13800000007"
    assert full not in str(p["attrs"]) and "13800000007" not in str(p["attrs"])


STAFF_FIELDS = {"external_id": "工号", "grid_code": "网格", "role": "角色", "name": "姓名"}


def test_staff_with_grid_code_and_situation_with_only_a_grid(district, points, tmp_path):  # type: ignore[no-untyped-def]
    grid = points[1][0]
    rows = [["S1", grid, "grid_leader", "李四"], ["S2", D + "999999999", "volunteer", "王五"]]
    staff = write_csv(tmp_path / "staff.csv", list(STAFF_FIELDS.values()), rows)
    body = ingest(district, "staff", staff, mapping("staff", "网格员", STAFF_FIELDS))
    assert (body["accepted"], body["rejected"]) == (1, 1)
    assert body["errors"][0]["field"] == "grid_code" and body["errors"][0]["row"] == 2
    s1 = elements(district, "staff")["S1"]
    assert s1["grid_code"] == grid and s1["geom"] is None and s1["name"] == "李*"
    assert KEYRING.unseal(bytes(s1["pii"]))["name"] == "李四"

    fields = {"external_id": "编号", "kind": "类型", "severity": "等级", "grid_code": "网格"}
    situ = write_csv(tmp_path / "s.csv", list(fields.values()), [["Q1", "hazard", "2", grid]])
    body = ingest(district, "situation", situ, mapping("situation", "隐患", fields))
    assert body["inserted"] == 1, body
    q1 = elements(district, "situation")["Q1"]
    assert q1["grid_code"] == grid and q1["severity"] == 2 and q1["h3"]
    with district.connect() as conn:
        inside = conn.execute(
            text(
                "SELECT ST_Covers(u.geom, e.geom) FROM units u, elements e WHERE u.code = :g "
                "AND e.adcode = :a AND e.external_id = 'Q1'"
            ),
            {"g": grid, "a": D},
        ).scalar_one()
    assert inside


def test_dry_run_reports_and_writes_no_element(district, points, tmp_path):  # type: ignore[no-untyped-def]
    path, yaml = places(tmp_path, points)
    before = version(district)
    body = ingest(district, "place", path, yaml, dry_run=True)
    assert body["dry_run"] and (body["inserted"], body["accepted"]) == (6, 6)
    assert elements(district, "place") == {} and version(district) == before


REFUSE = (
    "CREATE FUNCTION test_refuse_element() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'refused by test'; END $$;"
    "CREATE TRIGGER test_refuse_element BEFORE INSERT ON elements FOR EACH ROW "
    "WHEN (NEW.external_id = 'P25') EXECUTE FUNCTION test_refuse_element()"
)


def test_failure_mid_file_keeps_committed_batches_and_resume_finishes(district, points, tmp_path):  # type: ignore[no-untyped-def]
    _, lon, lat = points[0]
    rows = [person_row(i, lon, lat) for i in range(1, 41)]
    rows[33][0] = "P5"  # a duplicate after the failure point: still found after the resume
    people = write_csv(tmp_path / "people.csv", PERSON_HEADER, rows)
    yaml = mapping("person", "公安", PERSON_FIELDS, PERSON_VALUES)
    spec = load_mapping(yaml, kind="person")
    job = create_job(district, spec, people, adcode=D)
    with district.begin() as conn:
        conn.exec_driver_sql(REFUSE)
    try:
        with pytest.raises(Exception, match="refused by test"):
            run_job(district, job, keyring=KEYRING, locators=LocatorCache(11), batch_rows=10)
    finally:
        with district.begin() as conn:
            conn.execute(text("DROP TRIGGER test_refuse_element ON elements"))
            conn.execute(text("DROP FUNCTION test_refuse_element()"))
    failed = get_job(district, job)
    assert failed["status"] == "failed" and "refused by test" in failed["error"]
    assert failed["rows_done"] == 20
    assert sorted(elements(district, "person"), key=lambda k: int(k[1:])) == [
        f"P{i}" for i in range(1, 21)
    ]

    body = run_job(district, job, keyring=KEYRING, locators=LocatorCache(11), batch_rows=10)
    assert body["status"] == "done" and body["rows_done"] == 40
    assert (body["rows"], body["inserted"], body["rejected"]) == (40, 39, 1)
    assert body["errors"][0]["row"] == 34 and body["errors"][0]["code"] == "duplicate_in_file"
    assert len(elements(district, "person")) == 39
    assert report(district, job)["error"] is None


def test_one_job_at_a_time_per_district_kind_and_source(district, points, tmp_path):  # type: ignore[no-untyped-def]
    path, yaml = places(tmp_path, points)
    job = create_job(district, load_mapping(yaml, kind="place"), path, adcode=D)
    with district.connect() as holder:
        key = f"ingest/{D}/place/住建楼栋"
        holder.execute(text("SELECT pg_advisory_lock(hashtextextended(:k, 0))"), {"k": key})
        with pytest.raises(Conflict, match="another ingest of place from source '住建楼栋'"):
            run_job(district, job, keyring=KEYRING, locators=LocatorCache(11))
        holder.execute(text("SELECT pg_advisory_unlock(hashtextextended(:k, 0))"), {"k": key})
    assert get_job(district, job)["status"] == "failed"
    assert run_job(district, job, keyring=KEYRING, locators=LocatorCache(11))["inserted"] == 6
