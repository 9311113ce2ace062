"""Camera tiles (``cameras``, ``coverage``): camera points with their attributes, view
sectors from zoom 16, grid coverage and blind spots from zoom 14, roles and freshness."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from cameras.deviceid import make_device_id
from cameras.sector import view_sector
from tests.api.conftest import auth
from tests.api.test_tile_freshness import until
from tests.api.test_tiles_api import features, point_of, url
from tests.conftest import READONLY_DISTRICT

MINE = make_device_id(READONLY_DISTRICT, 1, unit="01", type_code="132", network=5)
MINE_DOME = make_device_id(READONLY_DISTRICT, 2, unit="01", type_code="132", network=5)
NVR = make_device_id(READONLY_DISTRICT, 1, unit="01", type_code="118", network=5)
THEIRS = make_device_id(READONLY_DISTRICT, 3, unit="03", industry="08", network=6)


def add_camera(conn, device_id: str, grid: str, lon: float, lat: float, **extra) -> None:  # type: ignore[no-untyped-def]
    heading, fov, reach = extra.get("view", (90.0, 60.0, 80.0))
    sector = None if extra.get("nvr") else view_sector(lon, lat, heading, fov, reach).wkt
    conn.execute(
        text(
            "INSERT INTO cameras (adcode, device_id, name, department, device_type, geom, "
            "grid_code, heading_deg, fov_deg, range_m, sector, ptz_type, status, alarms) "
            "VALUES (:a, :d, :n, :dep, :t, ST_SetSRID(ST_Point(:x, :y), 4326), :g, :h, :f, :r, "
            "ST_GeomFromText(:s, 4326), :p, :st, :al)"
        ),
        {
            "a": READONLY_DISTRICT,
            "d": device_id,
            "n": extra.get("name", "锦华路12号-枪机"),
            "dep": extra.get("department", "police"),
            "t": "118" if extra.get("nvr") else "132",
            "x": lon,
            "y": lat,
            "g": grid,
            "h": heading,
            "f": fov,
            "r": reach,
            "s": sector,
            "p": extra.get("ptz", 3),
            "st": extra.get("status", "online"),
            "al": extra.get("alarms", []),
        },
    )


@pytest.fixture(scope="module")
def placed(engine: Engine, first_grid: str) -> Iterator[dict]:
    """Cameras in the leader's grid (a bullet with an alarm, a dome, an NVR) and one in the
    nearest other grid; coverage rows for both grids with a blind spot each."""
    lon, lat = point_of(engine, first_grid)
    with engine.connect() as conn:
        other, olon, olat = conn.execute(
            text(
                "SELECT code, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "
                "FROM units WHERE adcode = :a AND level = 'grid' AND code <> :g "
                "ORDER BY ST_Distance(geom, ST_SetSRID(ST_Point(:x, :y), 4326)) LIMIT 1"
            ),
            {"a": READONLY_DISTRICT, "g": first_grid, "x": lon, "y": lat},
        ).one()
    with engine.begin() as conn:
        add_camera(conn, MINE, first_grid, lon, lat, alarms=["video_loss"])
        add_camera(
            conn,
            MINE_DOME,
            first_grid,
            lon + 0.0002,
            lat,
            view=(0.0, 360.0, 40.0),
            ptz=1,
            status="never_seen",
            name="锦华路14号-球机",
        )
        add_camera(conn, NVR, first_grid, lon, lat + 0.0001, nvr=True)
        add_camera(conn, THEIRS, other, olon, olat, department="urban_management", status="offline")
        for code, x, y, share in ((first_grid, lon, lat, 0.25), (other, olon, olat, 0.5)):
            conn.execute(
                text(
                    "INSERT INTO grid_coverage (adcode, grid_code, area_m2, covered_m2, share, "
                    "blind, cameras) SELECT adcode, code, area_m2, area_m2 * :s, :s, "
                    "ST_Multi(ST_Intersection(geom, ST_Buffer(ST_SetSRID(ST_Point(:x, :y), "
                    "4326), 0.0003))), 1 FROM units WHERE adcode = :a AND code = :g"
                ),
                {"a": READONLY_DISTRICT, "g": code, "s": share, "x": x, "y": y},
            )
    return {"lon": lon, "lat": lat, "other": other, "olon": olon, "olat": olat}


def props(response, layer: str) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    found = features(response).get(layer, [])
    key = "device_id" if layer in ("cameras", "sectors") else "grid_code"
    return {f["properties"][key]: f["properties"] for f in found}


def test_camera_points_with_their_attributes(client: TestClient, keys, placed) -> None:  # type: ignore[no-untyped-def]
    r = client.get(url("cameras", placed["lon"], placed["lat"], 15), headers=auth(keys["operator"]))
    assert r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    cams = props(r, "cameras")
    assert set(cams) >= {MINE, MINE_DOME} and NVR not in cams
    assert "sectors" not in features(r)  # view sectors only from zoom 16
    mine = cams[MINE]
    assert mine["name"] == "锦华路12号-枪机" and mine["department"] == "police"
    assert mine["status"] == "online" and mine["alarms"] == "video_loss"
    assert mine["ptz_type"] == 3 and mine["heading"] == 90.0 and mine["fov"] == 60.0
    assert mine["range"] == 80.0 and mine["status_since"].endswith("Z")
    assert cams[MINE_DOME]["status"] == "never_seen" and "alarms" not in cams[MINE_DOME]


def test_view_sectors_from_street_zoom(client: TestClient, keys, placed) -> None:  # type: ignore[no-untyped-def]
    r = client.get(url("cameras", placed["lon"], placed["lat"], 17), headers=auth(keys["admin"]))
    layers = features(r)
    assert list(layers)[0] == "sectors"  # drawn first, under the points
    sectors = {f["properties"]["device_id"]: f for f in layers["sectors"]}
    assert {MINE, MINE_DOME} <= set(sectors) and NVR not in sectors
    assert sectors[MINE]["geometry"]["type"] == "Polygon"
    assert sectors[MINE]["properties"]["department"] == "police"
    ring = shapely.Polygon(sectors[MINE]["geometry"]["coordinates"][0])
    assert ring.area > 1000  # tile units: a sector, not a dot


def test_coverage_and_blind_spots(client: TestClient, keys, placed, first_grid) -> None:  # type: ignore[no-untyped-def]
    headers = auth(keys["planner"])
    r = client.get(url("coverage", placed["lon"], placed["lat"], 13), headers=headers)
    grids = props(r, "coverage")
    assert grids[first_grid]["share"] == 0.25 and grids[first_grid]["cameras"] == 1
    assert "blind_spots" not in features(r)
    r = client.get(url("coverage", placed["lon"], placed["lat"], 15), headers=headers)
    blind = props(r, "blind_spots")
    assert blind[first_grid]["share"] == 0.25
    assert features(r)["blind_spots"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_roles(client: TestClient, keys, placed, first_grid) -> None:  # type: ignore[no-untyped-def]
    here = url("cameras", placed["lon"], placed["lat"], 15)
    there = url("cameras", placed["olon"], placed["olat"], 15)
    for role in ("admin", "operator", "planner"):
        assert THEIRS in props(client.get(there, headers=auth(keys[role])), "cameras")
    assert client.get(here, headers=auth(keys["integrator"])).status_code == 403
    assert client.get(here).status_code == 401
    leader = auth(keys["grid_leader"])
    assert MINE in props(client.get(here, headers=leader), "cameras")
    assert THEIRS not in props(client.get(there, headers=leader), "cameras")
    cover = url("coverage", placed["olon"], placed["olat"], 15)
    assert set(props(client.get(cover, headers=leader), "coverage")) <= {first_grid}
    assert placed["other"] in props(client.get(cover, headers=auth(keys["admin"])), "coverage")


def test_status_change_reaches_the_tile(client: TestClient, keys, placed, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    here = url("cameras", placed["lon"], placed["lat"], 15)
    headers = auth(keys["operator"])
    first = client.get(here, headers=headers)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE cameras SET status = 'offline', alarms = '{}' WHERE device_id = :d"),
            {"d": MINE},
        )
    until(lambda: props(client.get(here, headers=headers), "cameras")[MINE]["status"] == "offline")
    assert (
        client.get(here, headers={**headers, "If-None-Match": first.headers["etag"]}).status_code
        == 200
    )
