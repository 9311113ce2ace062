"""Locating points through HTTP, and H3 cell queries."""

from __future__ import annotations

import math

import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.api.conftest import auth


@pytest.fixture(scope="module")
def inside_point(engine: Engine, first_grid: str) -> tuple[float, float]:
    with engine.connect() as conn:
        wkt = conn.execute(
            text("SELECT ST_AsText(ST_PointOnSurface(geom)) FROM units WHERE code = :c"),
            {"c": first_grid},
        ).scalar_one()
    p = shapely.from_wkt(wkt)
    return p.x, p.y


def test_locate_one_point(client: TestClient, keys, first_grid, inside_point) -> None:  # type: ignore[no-untyped-def]
    lon, lat = inside_point
    r = client.get(f"/api/v1/locate?lon={lon}&lat={lat}", headers=auth(keys["operator"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["inside"] is True and body["grid_code"] == first_grid
    assert body["community_code"] == first_grid[:12]
    assert body["street_code"] == first_grid[:9] and body["district_code"] == "510104"
    assert len(body["h3"]) == 15 and body["h3"].startswith("8b")


def test_locate_gcj02_input(client: TestClient, keys, first_grid, inside_point) -> None:  # type: ignore[no-untyped-def]
    from gridsvc.geo.chinese import wgs84_to_gcj02

    lon, lat = inside_point
    glon, glat = wgs84_to_gcj02(lon, lat)
    r = client.get(f"/api/v1/locate?lon={float(glon)}&lat={float(glat)}&crs=gcj02",
                   headers=auth(keys["integrator"]))  # fmt: skip
    assert r.json()["grid_code"] == first_grid


def test_outside_every_grid_is_explicit(client: TestClient, keys) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/locate?lon=100.0&lat=30.0", headers=auth(keys["operator"]))
    body = r.json()
    assert r.status_code == 200
    assert body["inside"] is False and body["grid_code"] is None and body["h3"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("lon=nan&lat=30", "finite"),
        ("lon=104&lat=95", "lat 95.0 is out of range"),
        ("lon=30.6&lat=104.1", "look swapped"),
        ("lon=200&lat=30", "lon 200.0 is out of range"),
        ("lon=abc&lat=30", "lon"),
        ("lon=104&lat=30&crs=EPSG:0", "EPSG:0"),
    ],
)
def test_bad_points_are_specific(client: TestClient, keys, query: str, message: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"/api/v1/locate?{query}", headers=auth(keys["operator"]))
    assert r.status_code == 422
    assert message in r.json()["detail"]


def test_locate_many_json_and_csv(client: TestClient, keys, first_grid, inside_point) -> None:  # type: ignore[no-untyped-def]
    lon, lat = inside_point
    body = {"points": [{"id": "a", "lon": lon, "lat": lat}, [100.0, 30.0], [104.0, 95.0]]}
    r = client.post("/api/v1/locate", json=body, headers=auth(keys["planner"]))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["summary"] == {"points": 3, "inside": 1, "outside": 1, "invalid": 1}
    a, b, c = out["results"]
    assert a["id"] == "a" and a["grid_code"] == first_grid
    assert b["inside"] is False
    assert "out of range" in c["error"]
    csv_body = f"id,lon,lat\nx,{lon},{lat}\ny,100,30\n"
    r = client.post(
        "/api/v1/locate", content=csv_body,
        headers={**auth(keys["planner"]), "content-type": "text/csv", "accept": "text/csv"},
    )  # fmt: skip
    lines = r.text.strip().splitlines()
    assert lines[0].startswith("id,lon,lat,inside,grid_code")
    assert lines[1].startswith("x,") and first_grid in lines[1]


def test_locate_many_bad_rows(client: TestClient, keys) -> None:  # type: ignore[no-untyped-def]
    h = {**auth(keys["planner"]), "content-type": "text/csv"}
    r = client.post("/api/v1/locate", content="lon,lat\n104,30\nabc,30\n", headers=h)
    assert r.status_code == 422 and "CSV line 3, column lon" in r.json()["detail"]
    r = client.post("/api/v1/locate", content="x\n1\n", headers=h)
    assert r.status_code == 422 and "lon and lat" in r.json()["detail"]
    r = client.post("/api/v1/locate", json={"pts": []}, headers=auth(keys["planner"]))
    assert r.status_code == 422 and "points" in r.json()["detail"]


def test_cells_of_grid_and_grids_near(client: TestClient, keys, first_grid, inside_point) -> None:  # type: ignore[no-untyped-def]
    h = auth(keys["operator"])
    cells = client.get(f"/api/v1/grids/{first_grid}/cells", headers=h).json()
    assert cells["resolution"] == 11 and cells["interior"] and cells["boundary"]
    assert not set(cells["interior"]) & set(cells["boundary"])
    near = client.get(f"/api/v1/cells/{cells['interior'][0]}/grids", headers=h).json()
    assert near["grids"] == [first_grid]
    ring = client.get(f"/api/v1/cells/{cells['boundary'][0]}/grids?k=2", headers=h).json()
    assert first_grid in ring["grids"] and len(ring["grids"]) >= 2
    lon, lat = inside_point
    around = client.get(f"/api/v1/locate/nearby?lon={lon}&lat={lat}&k=30", headers=h)
    assert around.status_code == 422  # k is capped
    around = client.get(f"/api/v1/locate/nearby?lon={lon}&lat={lat}&k=3", headers=h).json()
    assert first_grid in around["grids"]
    bad = client.get("/api/v1/cells/zzz/grids", headers=h)
    assert bad.status_code == 422 and "cell" in bad.json()["detail"]
    bad = client.get("/api/v1/cells/ffffffffffffffff/grids", headers=h)
    assert bad.status_code == 422 and "not a valid H3 cell" in bad.json()["detail"]


def test_grid_leader_cells_scope(client: TestClient, keys, first_grid) -> None:  # type: ignore[no-untyped-def]
    other = first_grid[:-3] + "002"
    h = auth(keys["grid_leader"])
    assert client.get(f"/api/v1/grids/{first_grid}/cells", headers=h).status_code == 200
    assert client.get(f"/api/v1/grids/{other}/cells", headers=h).status_code == 404


def test_aggregate_counts(client: TestClient, keys, first_grid, inside_point) -> None:  # type: ignore[no-untyped-def]
    lon, lat = inside_point
    pts = [[lon, lat]] * 3 + [[100.0, 30.0], [math.pi, 95.0]]
    r = client.post("/api/v1/cells/aggregate?resolution=8", json={"points": pts},
                    headers=auth(keys["operator"]))  # fmt: skip
    body = r.json()
    assert body["points"] == 4 and body["invalid"] == 1 and body["outside"] == 1
    assert body["grids"] == {first_grid: 3}
    assert body["communities"] == {first_grid[:12]: 3}
    assert body["districts"] == {"510104": 3}
    assert sum(body["cells"].values()) == 4
    assert all(len(c) == 15 and c[1] == "8" for c in body["cells"])


def test_coarse_cells_are_capped(client: TestClient, keys) -> None:  # type: ignore[no-untyped-def]
    h = auth(keys["operator"])
    r = client.get("/api/v1/cells/8041fffffffffff/grids", headers=h)
    assert r.status_code == 422 and "the limit is" in r.json()["detail"]
    r = client.get("/api/v1/cells/8540e3dffffffff/grids?k=1", headers=h)
    assert r.status_code in (200, 422)
