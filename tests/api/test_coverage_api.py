"""Coverage over HTTP: a grid's and a community's coverage, the cameras seeing a point, the
recompute, role scope, and the grid card's camera section.

Two cameras stand in the grid leader's grid, 16 m apart and looking at each other (east and
west, 90° wide, 40 m deep): 8 m east of the first both see, 24 m east only the first, 30 m
north neither. An NVR beside them sees nothing and is no camera; a third camera stands in
a grid of another street.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from cameras.sector import view_sector
from gridsvc.geo.chinese import wgs84_to_gcj02
from gridsvc.geo.measure import metres_per_degree, to_local
from tests.api.conftest import auth
from tests.camera_rows import CameraRow, device_id, insert_cameras

RANGE_M = 40.0


@dataclass(frozen=True)
class Scene:
    grid: str
    foreign: str
    shape: shapely.Geometry
    lon: float
    lat: float
    cameras: tuple[CameraRow, ...]


def offset(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    per_lon, per_lat = metres_per_degree(lat)
    return lon + east_m / float(per_lon), lat + north_m / float(per_lat)


@pytest.fixture(scope="module")
def scene(
    engine: Engine, client: TestClient, keys: dict[str, str], first_grid: str, demo_district: str
) -> Iterator[Scene]:
    with engine.begin() as conn:
        foreign = conn.execute(
            text("SELECT max(code) FROM units WHERE adcode = :a AND level = 'grid'"),
            {"a": demo_district},
        ).scalar_one()
        wkb = conn.execute(
            text("SELECT ST_AsBinary(geom) FROM units WHERE code = :c"), {"c": first_grid}
        ).scalar_one()
        shape = shapely.from_wkb(bytes(wkb))
        lon, lat = shapely.get_coordinates(shapely.point_on_surface(shape))[0]
        lon, lat = float(lon), float(lat)
        other = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM units "
                "WHERE code = :c) s"
            ),
            {"c": foreign},
        ).one()
        east = CameraRow(
            device_id(demo_district, 1), lon, lat, 90.0, 90.0, RANGE_M, "police", "online"
        )
        west = CameraRow(
            device_id(demo_district, 2),
            *offset(lon, lat, 16.0, 0.0),
            270.0,
            90.0,
            RANGE_M,
            "urban_management",
        )
        nvr = CameraRow(device_id(demo_district, 3, type_code="118"), lon, lat)
        far = CameraRow(device_id(demo_district, 4), *other, 0.0, 60.0, 50.0, "traffic")
        cameras = (east, west, nvr, far)
        insert_cameras(conn, demo_district, cameras)
    for east_m, north_m in ((8.0, 0.0), (24.0, 0.0), (0.0, 30.0)):  # the probes stay inside
        assert shape.contains(shapely.Point(offset(lon, lat, east_m, north_m)))
    r = client.post("/api/v1/coverage/recompute", headers=auth(keys["admin"]))
    assert r.status_code == 200, r.text
    yield Scene(first_grid, foreign, shape, lon, lat, cameras)


def test_grid_coverage(client: TestClient, keys: dict[str, str], scene: Scene) -> None:
    r = client.get(f"/api/v1/grids/{scene.grid}/coverage", headers=auth(keys["operator"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["code"] == scene.grid and body["level"] == "grid"
    assert body["cameras"] == 2  # the NVR is no camera
    assert body["by_department"] == {"police": 1, "urban_management": 1}
    lon0, lat0 = scene.lon, scene.lat
    sectors = [view_sector(c.lon, c.lat, c.heading, c.fov, c.range_m) for c in scene.cameras[:2]]  # type: ignore[arg-type]
    seen = shapely.union_all(to_local(np.array(sectors, dtype=object), lon0, lat0))
    grid = to_local(scene.shape, lon0, lat0)
    assert body["area_m2"] == pytest.approx(grid.area, rel=0.005)
    assert body["covered_m2"] == pytest.approx(grid.intersection(seen).area, rel=0.005)
    assert body["share"] == pytest.approx(body["covered_m2"] / body["area_m2"], rel=1e-4)
    blind = shapely.geometry.shape(body["blind"])
    assert body["blind"]["type"] == "MultiPolygon"
    assert to_local(blind, lon0, lat0).area == pytest.approx(grid.difference(seen).area, rel=0.005)
    assert body["computed_at"]
    r = client.get(f"/api/v1/grids/{scene.grid}/coverage?blind=false", headers=auth(keys["admin"]))
    assert "blind" not in r.json() and r.json()["share"] == body["share"]


def test_community_coverage_sums_its_grids(
    client: TestClient, keys: dict[str, str], scene: Scene, engine: Engine
) -> None:
    community = scene.grid[:12]
    r = client.get(f"/api/v1/grids/{community}/coverage", headers=auth(keys["planner"]))
    assert r.status_code == 200, r.text
    body = r.json()
    with engine.connect() as conn:
        grids = conn.execute(
            text("SELECT count(*) FROM units WHERE level = 'grid' AND parent_code = :c"),
            {"c": community},
        ).scalar_one()
    assert body["level"] == "community" and body["grids"] == grids
    assert len(body["grid_coverage"]) == grids
    assert body["cameras"] == 2 and body["by_department"] == {"police": 1, "urban_management": 1}
    rows = {g["code"]: g for g in body["grid_coverage"]}
    assert rows[scene.grid]["share"] > 0
    assert body["covered_m2"] == pytest.approx(sum(g["covered_m2"] for g in rows.values()))
    assert body["share"] == pytest.approx(body["covered_m2"] / body["area_m2"], rel=1e-4)
    assert 0 < body["share"] < rows[scene.grid]["share"]
    assert len(body["blind"]["coordinates"]) >= grids  # every grid has a blind part
    r = client.get(f"/api/v1/grids/{community}/coverage?blind=false", headers=auth(keys["admin"]))
    assert "blind" not in r.json()


def test_coverage_scope(client: TestClient, keys: dict[str, str], scene: Scene) -> None:
    leader = auth(keys["grid_leader"])
    assert client.get(f"/api/v1/grids/{scene.grid}/coverage", headers=leader).status_code == 200
    for code in (scene.foreign, scene.grid[:12], scene.grid[:6]):
        assert client.get(f"/api/v1/grids/{code}/coverage", headers=leader).status_code == 404
    integrator = auth(keys["integrator"])
    assert client.get(f"/api/v1/grids/{scene.grid}/coverage", headers=integrator).status_code == 403
    missing = scene.grid[:12] + "999"
    assert (
        client.get(f"/api/v1/grids/{missing}/coverage", headers=auth(keys["admin"])).status_code
        == 404
    )


def seeing(client: TestClient, key: str, lon: float, lat: float, crs: str = "EPSG:4326"):  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/cameras/seeing?lon={lon}&lat={lat}&crs={crs}", headers=auth(key))


def test_cameras_seeing_a_point(client: TestClient, keys: dict[str, str], scene: Scene) -> None:
    east, west = scene.cameras[0].device_id, scene.cameras[1].device_id
    both = seeing(client, keys["operator"], *offset(scene.lon, scene.lat, 8.0, 0.0)).json()
    assert both["count"] == 2
    assert {c["device_id"] for c in both["cameras"]} == {east, west}
    by_id = {c["device_id"]: c for c in both["cameras"]}
    assert by_id[east]["distance_m"] == pytest.approx(8.0, abs=0.2)
    assert by_id[east]["bearing_deg"] == pytest.approx(90.0, abs=1.0)
    assert by_id[west]["bearing_deg"] == pytest.approx(270.0, abs=1.0)
    assert by_id[east]["department"] == "police" and by_id[east]["name"]
    one = seeing(client, keys["planner"], *offset(scene.lon, scene.lat, 24.0, 0.0)).json()
    assert [c["device_id"] for c in one["cameras"]] == [east]
    assert one["cameras"][0]["distance_m"] == pytest.approx(24.0, abs=0.3)
    none = seeing(client, keys["admin"], *offset(scene.lon, scene.lat, 0.0, 30.0)).json()
    assert none == {**none, "count": 0, "cameras": []}
    gx, gy = wgs84_to_gcj02(*offset(scene.lon, scene.lat, 24.0, 0.0))
    gcj = seeing(client, keys["admin"], float(gx), float(gy), "gcj02").json()
    assert [c["device_id"] for c in gcj["cameras"]] == [east]


def test_seeing_scope(client: TestClient, keys: dict[str, str], scene: Scene) -> None:
    inside = offset(scene.lon, scene.lat, 8.0, 0.0)
    assert seeing(client, keys["grid_leader"], *inside).json()["count"] == 2
    far = scene.cameras[3]
    assert seeing(client, keys["grid_leader"], far.lon, far.lat).status_code == 404
    assert seeing(client, keys["integrator"], *inside).status_code == 403
    assert seeing(client, keys["admin"], 200.0, 25.0).status_code == 422


def test_a_grid_leader_reads_only_its_own_grids_cameras_among_those_seeing(
    client: TestClient, keys: dict[str, str], scene: Scene, engine: Engine
) -> None:
    """A camera standing in a neighbouring grid that sees into the leader's grid is counted,
    not shown (the registry would answer 404 for it)."""
    inside = offset(scene.lon, scene.lat, 8.0, 0.0)
    west = scene.cameras[1].device_id
    move = "UPDATE cameras SET grid_code = :g WHERE device_id = :d"
    with engine.begin() as conn:
        conn.execute(text(move), {"g": scene.foreign, "d": west})
    try:
        leader = seeing(client, keys["grid_leader"], *inside).json()
        assert [c["device_id"] for c in leader["cameras"]] == [scene.cameras[0].device_id]
        assert leader["count"] == 1 and leader["hidden"] == 1
        operator = seeing(client, keys["operator"], *inside).json()
        assert operator["count"] == 2 and operator["hidden"] == 0
    finally:
        with engine.begin() as conn:
            conn.execute(text(move), {"g": scene.grid, "d": west})


def test_recompute_roles(client: TestClient, keys: dict[str, str], scene: Scene) -> None:
    r = client.post("/api/v1/coverage/recompute", headers=auth(keys["operator"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["district"] == scene.grid[:6] and body["grids"] > 1
    assert body["cameras"] == 3 and body["by_department"]["traffic"] == 1
    for role in ("planner", "grid_leader", "integrator"):
        r = client.post("/api/v1/coverage/recompute", headers=auth(keys[role]))
        assert r.status_code == 403, role


def test_card_camera_section(client: TestClient, keys: dict[str, str], scene: Scene) -> None:
    card = client.get(f"/api/v1/grids/{scene.grid}/card", headers=auth(keys["grid_leader"]))
    assert card.status_code == 200, card.text
    cameras = card.json()["cameras"]
    coverage = client.get(f"/api/v1/grids/{scene.grid}/coverage", headers=auth(keys["admin"]))
    assert cameras == {
        "total": 2,
        "by_department": {"police": 1, "urban_management": 1},
        "by_status": {"online": 1, "offline": 0, "never_seen": 1},
        "coverage_share": pytest.approx(coverage.json()["share"], rel=1e-4),
    }
    street = client.get(f"/api/v1/grids/{scene.grid[:9]}/card", headers=auth(keys["admin"]))
    url = f"/api/v1/grids/{scene.grid[:9]}/coverage?blind=false"
    summed = client.get(url, headers=auth(keys["admin"])).json()
    assert street.json()["cameras"]["total"] == summed["cameras"]
    assert street.json()["cameras"]["coverage_share"] == pytest.approx(summed["share"], rel=1e-4)


def test_grids_never_computed_are_computed_on_reading(
    client: TestClient, keys: dict[str, str], scene: Scene, engine: Engine
) -> None:
    url = f"/api/v1/grids/{scene.grid[:12]}/coverage"
    stored = client.get(url, headers=auth(keys["admin"])).json()
    with engine.begin() as conn:
        conn.execute(
            text("DELETE FROM grid_coverage WHERE grid_code LIKE :c"), {"c": scene.grid[:12] + "%"}
        )
    live = client.get(url, headers=auth(keys["admin"])).json()
    assert live["share"] == pytest.approx(stored["share"], rel=1e-9)
    assert live["cameras"] == stored["cameras"] == 2
    assert len(live["blind"]["coordinates"]) == len(stored["blind"]["coordinates"])
    assert {g["computed_at"] for g in live["grid_coverage"]} == {None}
    with engine.connect() as conn:
        left = conn.execute(
            text("SELECT count(*) FROM grid_coverage WHERE grid_code LIKE :c"),
            {"c": scene.grid[:12] + "%"},
        ).scalar_one()
    assert left == 0  # a reading stores nothing
