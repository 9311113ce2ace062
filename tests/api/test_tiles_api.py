"""Vector tiles through HTTP: contents, caching headers, invalidation, roles and errors."""

from __future__ import annotations

import math
from pathlib import Path

import h3
import mapbox_vector_tile
import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from gridsvc.demo.generate import generate_hierarchy
from gridsvc.geo.chinese import wgs84_to_gcj02
from tests.api.conftest import SAME_SITE, auth
from tests.conftest import READONLY_DISTRICT, SCRATCH_DISTRICT
from tests.helpers import write_geojson

BUNDLED = Path(__file__).parents[2] / "gridsvc" / "data" / "districts"
MVT = "application/vnd.mapbox-vector-tile"


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The Web Mercator tile (x, y) holding a point at zoom ``z``."""
    n = 1 << z
    x = (lon + 180.0) / 360.0 * n
    y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n
    return int(x), int(y)


def point_of(engine: Engine, code: str) -> tuple[float, float]:
    with engine.connect() as conn:
        x, y = conn.execute(
            text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM units "
                 "WHERE code = :c) s"), {"c": code},
        ).one()  # fmt: skip
    return x, y


def url(layer: str, lon: float, lat: float, z: int, query: str = "") -> str:
    x, y = tile_of(lon, lat, z)
    return f"/tiles/{layer}/{z}/{x}/{y}.pbf" + (f"?{query}" if query else "")


def features(response) -> dict[str, list[dict]]:  # type: ignore[no-untyped-def]
    """Decoded features per layer name ({} for an empty tile)."""
    if response.status_code == 204:
        return {}
    assert response.status_code == 200, response.text
    decoded = mapbox_vector_tile.decode(response.content, default_options={"y_coord_down": True})
    return {name: layer["features"] for name, layer in decoded.items()}


def codes(response, layer: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {f["properties"]["code"] for f in features(response).get(layer, [])}


@pytest.fixture(scope="module")
def grid_point(engine: Engine, first_grid: str) -> tuple[float, float]:
    return point_of(engine, first_grid)


def test_grid_tile_features_and_attributes(client: TestClient, keys, first_grid, grid_point):  # type: ignore[no-untyped-def]
    r = client.get(url("grids", *grid_point, 15), headers=auth(keys["operator"]))
    assert r.status_code == 200 and r.headers["content-type"] == MVT
    layers = features(r)
    assert list(layers) == ["grids"]  # the MVT layer is named like the path layer
    found = {f["properties"]["code"]: f for f in layers["grids"]}
    props = found[first_grid]["properties"]
    unit = client.get(f"/api/v1/grids/{first_grid}", headers=auth(keys["operator"])).json()
    assert props["name"] == unit["properties"]["name"] and props["level"] == "grid"
    assert props["parent_code"] == first_grid[:12]
    assert props["area_m2"] == pytest.approx(unit["properties"]["area_m2"], abs=0.06)
    assert found[first_grid]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert all(c.startswith(READONLY_DISTRICT) for c in found)


def test_hierarchy_layers(client: TestClient, keys, first_grid, grid_point):  # type: ignore[no-untyped-def]
    h = auth(keys["planner"])
    expect = {"district": first_grid[:6], "streets": first_grid[:9],
              "communities": first_grid[:12]}  # fmt: skip
    for layer, code in expect.items():
        r = client.get(url(layer, *grid_point, 13, f"district={READONLY_DISTRICT}"), headers=h)
        assert code in codes(r, layer), layer
        levels = {f["properties"]["level"] for f in features(r)[layer]}
        assert levels == {layer.rstrip("s").replace("communitie", "community")}


def test_etag_304_and_cache_control(client: TestClient, keys, grid_point):  # type: ignore[no-untyped-def]
    path, h = url("grids", *grid_point, 14), auth(keys["operator"])
    first = client.get(path, headers=h)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.headers["cache-control"] == "private, max-age=60"
    again = client.get(path, headers=h)
    assert again.headers["etag"] == etag and again.content == first.content
    r = client.get(path, headers={**h, "If-None-Match": f'W/"x", {etag}'})
    assert r.status_code == 304 and not r.content and r.headers["etag"] == etag
    assert r.headers["cache-control"] == "private, max-age=60"
    assert client.get(path, headers={**h, "If-None-Match": '"other"'}).status_code == 200


def test_empty_tile_is_204(client: TestClient, keys) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/tiles/grids/10/0/0.pbf", headers=auth(keys["operator"]))
    assert r.status_code == 204 and not r.content
    assert r.headers["cache-control"] == "private, max-age=60" and r.headers["etag"]


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/tiles/grids/30/0/0.pbf", "zoom 30 is outside 0..22"),
        ("/tiles/grids/2/-1/0.pbf", "x -1 is outside 0..3 at zoom 2"),
        ("/tiles/grids/2/4/0.pbf", "x 4 is outside 0..3 at zoom 2"),
        ("/tiles/grids/2/0/9.pbf", "y 9 is outside 0..3 at zoom 2"),
        ("/tiles/grids/2/abc/0.pbf", "x 'abc' is not an integer"),
        ("/tiles/grids/z/0/0.pbf", "zoom 'z' is not an integer"),
        ("/tiles/grids/1.5/0/0.pbf", "zoom '1.5' is not an integer"),
        ("/tiles/roads/2/0/0.pbf", "district, streets, communities, grids, dept, conflicts, h3"),
    ],
)
def test_bad_tiles_are_404_problems(client: TestClient, keys, path: str, detail: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get(path, headers=auth(keys["operator"]))
    assert r.status_code == 404, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert detail in r.json()["detail"]


def test_layer_id_required_and_checked(client: TestClient, keys) -> None:  # type: ignore[no-untyped-def]
    h = auth(keys["operator"])
    for layer in ("dept", "conflicts"):
        r = client.get(f"/tiles/{layer}/10/800/400.pbf", headers=h)
        assert r.status_code == 422 and "layer_id" in r.json()["detail"]
    r = client.get("/tiles/dept/10/800/400.pbf?layer_id=999999", headers=h)
    assert r.status_code == 404 and "999999" in r.json()["detail"]


def test_roles(client: TestClient, keys, engine, first_grid, grid_point):  # type: ignore[no-untyped-def]
    path = url("grids", *grid_point, 13)
    r = client.get(path)
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert client.get(path, headers=auth(keys["integrator"])).status_code == 403
    everyone = codes(client.get(path, headers=auth(keys["admin"])), "grids")
    mine = codes(client.get(path, headers=auth(keys["grid_leader"])), "grids")
    assert mine == {first_grid} and len(everyone) > 1  # never another grid's shape
    streets = codes(client.get(url("streets", *grid_point, 12), headers=auth(keys["grid_leader"])),
                    "streets")  # fmt: skip
    assert streets == {first_grid[:9]}
    layer_id = client.get("/api/v1/layers", headers=auth(keys["admin"])).json()["layers"][0]
    r = client.get(url("dept", *grid_point, 12, f"layer_id={layer_id['layer_id']}"),
                   headers=auth(keys["grid_leader"]))  # fmt: skip
    assert r.status_code == 403


def test_session_cookie(client: TestClient, keys, grid_point) -> None:  # type: ignore[no-untyped-def]
    try:
        r = client.post(
            "/login",
            data={"key": keys["operator"], "next": "/map"},
            headers=SAME_SITE,
            follow_redirects=False,
        )
        assert r.status_code == 303
        r = client.get(url("grids", *grid_point, 14))
        assert r.status_code == 200 and features(r)["grids"]
    finally:
        client.cookies.clear()
    assert client.get(url("grids", *grid_point, 14)).status_code == 401


def test_h3_layer(client: TestClient, keys, grid_point) -> None:  # type: ignore[no-untyped-def]
    h = auth(keys["operator"])
    for z, res in ((15, 11), (13, 9), (10, 6)):
        hexes = features(client.get(url("h3", *grid_point, z), headers=h))["h3"]
        assert hexes, z
        assert {h3.get_resolution(f["properties"]["h3"]) for f in hexes} == {res}
        counts = [f["properties"]["count"] for f in hexes]
        assert min(counts) >= 1 and max(counts) > 1
    # at the index resolution, the cell of a grid's interior point is owned by that one grid
    cell = h3.latlng_to_cell(grid_point[1], grid_point[0], 11)
    hexes = features(client.get(url("h3", *grid_point, 16), headers=h))["h3"]
    assert cell in {f["properties"]["h3"] for f in hexes}


def test_h3_layer_scoped_for_grid_leaders(client: TestClient, keys, first_grid, grid_point):  # type: ignore[no-untyped-def]
    path = url("h3", *grid_point, 15)
    everyone = features(client.get(path, headers=auth(keys["admin"])))["h3"]
    mine = features(client.get(path, headers=auth(keys["grid_leader"])))["h3"]
    assert 0 < len(mine) < len(everyone)
    counts = {f["properties"]["h3"]: f["properties"]["count"] for f in everyone}
    assert all(1 <= f["properties"]["count"] <= counts[f["properties"]["h3"]] for f in mine)
    empty = client.get(url("h3", *grid_point, 15, "district=350206"), headers=auth(keys["admin"]))
    assert empty.status_code == 204


def test_dept_and_conflicts_layers(client: TestClient, keys, grid_point) -> None:  # type: ignore[no-untyped-def]
    h = auth(keys["planner"])
    layer = client.get(f"/api/v1/layers?district={READONLY_DISTRICT}", headers=h).json()
    layer_id = layer["layers"][0]["layer_id"]
    dept = features(client.get(url("dept", *grid_point, 12, f"layer_id={layer_id}"), headers=h))
    assert set(dept) == {"dept"} and dept["dept"]
    assert {"seq", "code", "name"} <= set(dept["dept"][0]["properties"])
    report = client.get(f"/api/v1/layers/{layer_id}/report", headers=h).json()
    where = shapely.geometry.shape(report["conflicts"][0]["geometry"]).representative_point()
    found = features(client.get(url("conflicts", where.x, where.y, 14, f"layer_id={layer_id}"),
                                headers=h))["conflicts"]  # fmt: skip
    first = report["conflicts"][0]
    assert any(f["properties"]["kind"] == first["kind"] for f in found)
    assert {"id", "kind", "area_m2", "message"} <= set(found[0]["properties"])


def test_gcj02_shift(client: TestClient, keys, first_grid, grid_point) -> None:  # type: ignore[no-untyped-def]
    z, h = 13, auth(keys["operator"])

    def bbox(query: str) -> tuple[float, ...]:
        feats = features(client.get(url("grids", *grid_point, z, query), headers=h))["grids"]
        geom = next(f for f in feats if f["properties"]["code"] == first_grid)["geometry"]
        return shapely.geometry.shape(geom).bounds

    plain, shifted = bbox(""), bbox("shift=gcj02")
    lon, lat = grid_point
    glon, glat = wgs84_to_gcj02(lon, lat)
    scale = 4096 * (1 << z)  # tile units per world width
    dx = (float(glon) - lon) / 360.0 * scale
    merc = lambda la: math.asinh(math.tan(math.radians(la))) / (2 * math.pi)  # noqa: E731
    dy = -(merc(float(glat)) - merc(lat)) * scale
    assert abs(dx) > 50  # Chengdu: a few hundred metres
    assert shifted[0] - plain[0] == pytest.approx(dx, abs=3)
    assert shifted[1] - plain[1] == pytest.approx(dy, abs=3)


def _post(client, key, path: Path, level: str, crs: str = "EPSG:4326"):  # type: ignore[no-untyped-def]
    with path.open("rb") as fh:
        r = client.post("/api/v1/grids/import", headers=auth(key),
                        data={"crs": crs, "level": level, "district": SCRATCH_DISTRICT},
                        files={"file": (path.name, fh)})  # fmt: skip
    assert r.status_code == 200, r.text


def test_tile_follows_an_import(client: TestClient, keys, scratch: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    h = auth(keys["admin"])
    _post(client, keys["admin"], BUNDLED / "350205.geojson", "district", "gcj02")
    outline = shapely.from_wkb(bytes(scratch.connect().execute(
        text("SELECT ST_AsBinary(geom) FROM units WHERE code = :c"), {"c": SCRATCH_DISTRICT}
    ).scalar_one()))  # fmt: skip
    streets = [u for u in generate_hierarchy(outline, SCRATCH_DISTRICT, seed=3)
               if u.level.value == "street"]  # fmt: skip
    where = streets[0].geometry.representative_point()
    path = url("streets", where.x, where.y, 14, f"district={SCRATCH_DISTRICT}")
    before = client.get(path, headers=h)
    assert before.status_code == 204  # cached: no streets yet
    district = client.get(url("district", where.x, where.y, 14), headers=h)
    assert SCRATCH_DISTRICT in codes(district, "district")
    feats = [({"code": s.code, "name": s.name}, s.geometry) for s in streets]
    cache = client.app.state.tiles
    cache.recheck_seconds = 3600.0  # only the in-process write hook can notice the import
    try:
        _post(client, keys["admin"], write_geojson(tmp_path / "streets.geojson", feats), "street")
        after = client.get(path, headers=h)
    finally:
        cache.recheck_seconds = 1.0
    assert after.status_code == 200 and streets[0].code in codes(after, "streets")
    assert after.headers["etag"] != before.headers["etag"]
