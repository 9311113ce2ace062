"""The camera registry on PostGIS: placement in grid and cell, the district check, aliases
kept in step and unique, idempotent upserts, a move that re-places, coverage recomputed."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from cameras.deviceid import make_device_id
from gridsvc.auth import Principal, Role
from gridsvc.errors import Conflict, InvalidInput, NotFound
from gridsvc.repositories import coverage
from gridsvc.services import camera_queries, cameras
from gridsvc.services.audit import Actor
from gridsvc.services.cells import LocatorCache
from tests.ingest_files import grid_points

ADMIN = Principal("t-admin", Role.ADMIN)
ACTOR = Actor("test")


def cam(serial: int, **more: object) -> dict:
    return {
        "device_id": make_device_id("510104", serial),
        "name": f"cam {serial}",
        "department": "police",
        **more,
    }


@pytest.fixture(scope="module")
def points(engine: Engine, demo_district: str) -> list[tuple[str, float, float]]:
    return grid_points(engine, demo_district, 3)


@pytest.fixture(scope="module")
def locators() -> LocatorCache:
    return LocatorCache(11)


def register(engine: Engine, locators: LocatorCache, *items: dict) -> list[dict]:
    results = cameras.register(
        engine, locators, ACTOR, "510104", cameras.candidates(items), source="test"
    )
    return [r.as_json() for r in results]


def row(engine: Engine, device_id: str) -> dict:
    with engine.connect() as conn:
        found = (
            conn.execute(
                text(
                    "SELECT grid_code, h3, ST_X(geom) lon, sector IS NOT NULL has_sector, "
                    "aliases, status FROM cameras WHERE adcode = '510104' AND device_id = :d"
                ),
                {"d": device_id},
            )
            .mappings()
            .one()
        )
    return dict(found)


def alias_rows(engine: Engine, device_id: str) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text("SELECT alias FROM camera_aliases WHERE device_id = :d ORDER BY alias"),
                {"d": device_id},
            ).scalars()
        )


def test_placed_in_its_grid_and_cell_with_its_sector(engine, locators, points) -> None:  # type: ignore[no-untyped-def]
    code, lon, lat = points[0]
    view = {"heading_deg": 30, "fov_deg": 70, "range_m": 60}
    [result] = register(engine, locators, cam(1, lon=lon, lat=lat, aliases="IP:10.1.1.1/1", **view))
    assert result["status"] == "created" and result["grid_code"] == code
    stored = row(engine, result["device_id"])
    assert stored["grid_code"] == code and stored["h3"] > 0 and stored["has_sector"]
    assert stored["status"] == "never_seen"
    assert alias_rows(engine, result["device_id"]) == ["ip:10.1.1.1/1"]


def test_same_record_twice_is_unchanged_then_a_change_updates(engine, locators, points) -> None:  # type: ignore[no-untyped-def]
    _, lon, lat = points[1]
    item = cam(2, lon=lon, lat=lat, tags="入口", streams="rtsp://u:p@h/1", ptz_type=3)

    def audited() -> int:  # the audit log is append-only: other modules' entries stay
        with engine.connect() as conn:
            return conn.execute(
                text(
                    "SELECT count(*) FROM audit_log WHERE action = 'camera.register' "
                    "AND :d = ANY(object_ids)"
                ),
                {"d": item["device_id"]},
            ).scalar_one()

    before = audited()
    assert register(engine, locators, item)[0]["status"] == "created"
    assert register(engine, locators, item)[0]["status"] == "unchanged"
    assert register(engine, locators, {**item, "name": "renamed"})[0]["status"] == "updated"
    assert audited() - before == 2  # the unchanged run wrote nothing


def test_outside_the_district_and_swapped(engine, locators, points) -> None:  # type: ignore[no-untyped-def]
    _, lon, lat = points[0]
    results = register(
        engine, locators, cam(3, lon=116.397, lat=39.909), cam(4, lon=lat, lat=lon), cam(5)
    )
    assert [r["status"] for r in results] == ["rejected", "rejected", "created"]
    assert results[0]["errors"][0]["code"] == "outside_district"
    assert results[1]["errors"][0]["code"] == "swapped_coordinates"
    assert results[1]["errors"][0]["field"] == "lat"
    assert results[2]["grid_code"] is None  # no position: no grid


def test_alias_conflicts_name_the_holder(engine, locators) -> None:  # type: ignore[no-untyped-def]
    register(engine, locators, cam(10, aliases=["mac:aa:bb:cc:dd:ee:10/1"]))
    holder = make_device_id("510104", 10)
    results = register(
        engine,
        locators,
        cam(11, aliases=["MAC:AA:BB:CC:DD:EE:10/1"]),
        cam(12, aliases=["onvif:http://10.0.0.12/onvif/device_service"]),
        cam(13, aliases=["onvif:http://10.0.0.12/onvif/device_service"]),
    )
    assert [r["status"] for r in results] == ["rejected", "created", "rejected"]
    assert results[0]["errors"][0]["code"] == "alias_conflict"
    assert holder in results[0]["errors"][0]["message"]
    assert make_device_id("510104", 12) in results[2]["errors"][0]["message"]
    assert alias_rows(engine, make_device_id("510104", 11)) == []


def test_aliases_table_kept_in_step(engine, locators) -> None:  # type: ignore[no-untyped-def]
    ident = make_device_id("510104", 20)
    register(engine, locators, cam(20, aliases=["ip:10.2.0.1/1", "ip:10.2.0.1/2"]))
    register(engine, locators, cam(20, aliases=["ip:10.2.0.1/2", "mac:aa:bb:cc:00:00:20"]))
    assert alias_rows(engine, ident) == ["ip:10.2.0.1/2", "mac:aa:bb:cc:00:00:20"]
    # the released alias is free for another camera
    assert register(engine, locators, cam(21, aliases=["ip:10.2.0.1/1"]))[0]["status"] == "created"


def test_device_id_twice_in_a_batch(engine, locators) -> None:  # type: ignore[no-untyped-def]
    results = register(engine, locators, cam(30), cam(30, name="again"), {"name": "no id"})
    assert [r["status"] for r in results] == ["created", "rejected", "rejected"]
    assert results[1]["errors"][0]["code"] == "duplicate_in_file"
    assert {e["field"] for e in results[2]["errors"]} == {"device_id", "department"}


def test_patch_moves_and_re_places(engine, locators, points) -> None:  # type: ignore[no-untyped-def]
    (a, lon_a, lat_a), (b, lon_b, lat_b) = points[0], points[2]
    ident = make_device_id("510104", 40)
    register(engine, locators, cam(40, lon=lon_a, lat=lat_a, heading_deg=0, fov_deg=90, range_m=50))
    before = row(engine, ident)
    result = cameras.patch_for(
        engine,
        locators,
        ADMIN,
        ACTOR,
        ident,
        {"lon": lon_b, "lat": lat_b},
        district="510104",
        default="510104",
    )
    assert (result.status, result.grid_code) == ("updated", b)
    after = row(engine, ident)
    assert after["grid_code"] == b != a and after["h3"] != before["h3"] and after["has_sector"]
    feature = camera_queries.camera_feature(engine, ADMIN, ident, district=None, default="510104")
    assert feature["properties"]["name"] == "cam 40"  # untouched fields kept
    assert feature["geometry"]["coordinates"] == [lon_b, lat_b]


def test_patch_errors(engine, locators) -> None:  # type: ignore[no-untyped-def]
    register(engine, locators, cam(41))
    ident = make_device_id("510104", 41)
    patch = {"lon": 104.1}
    with pytest.raises(InvalidInput, match="lon and lat must be given together"):
        cameras.patch_for(
            engine, locators, ADMIN, ACTOR, ident, patch, district=None, default="510104"
        )
    with pytest.raises(NotFound):
        cameras.patch_for(
            engine,
            locators,
            ADMIN,
            ACTOR,
            make_device_id("510104", 999),
            {},
            district=None,
            default="510104",
        )
    register(engine, locators, cam(42, aliases=["ip:10.9.9.9/1"]))
    with pytest.raises(Conflict, match="held by camera"):
        cameras.patch_for(
            engine,
            locators,
            ADMIN,
            ACTOR,
            ident,
            {"aliases": ["ip:10.9.9.9/1"]},
            district=None,
            default="510104",
        )


def test_coverage_recomputed_for_grids_before_and_after(
    engine, locators, points, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    calls: list[tuple] = []
    answers = iter([{"510104001001001"}, {"510104001001002"}])
    monkeypatch.setattr(coverage, "grids_touching", lambda conn, a, ids: next(answers))
    monkeypatch.setattr(coverage, "recompute", lambda conn, a, codes: calls.append((a, codes)))
    _, lon, lat = points[1]
    register(engine, locators, cam(50, lon=lon, lat=lat))
    assert calls == [("510104", {"510104001001001", "510104001001002"})]
    register(engine, locators, cam(50, lon=lon, lat=lat))  # unchanged: nothing recomputed
    assert len(calls) == 1
