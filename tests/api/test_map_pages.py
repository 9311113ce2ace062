"""The command map pages, their static files and the basemap (settings and local tiles)."""

from __future__ import annotations

import json
import re
import sqlite3
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from gridsvc.api import problems
from gridsvc.api.app import create_app
from gridsvc.errors import ConfigurationError
from gridsvc.settings import Settings
from maps import assets
from maps.basemap import parse_basemap, read_tile
from maps.render import PageContext, page_config
from maps.routes.pages import VendorFiles
from tests.api.conftest import SAME_SITE, auth

ASSET_URL = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


def config_of(page: str) -> dict:
    found = re.search(r'<script id="gridsvc-config" type="application/json">(.*?)</script>', page)
    assert found, "the page has no JSON config"
    return json.loads(found.group(1))


def png(rgb: tuple[int, int, int] = (10, 20, 30)) -> bytes:
    """A valid 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = zlib.compress(b"\x00" + bytes(rgb))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


# --- the pages -------------------------------------------------------------------------------


def test_map_redirects_to_login_without_a_key(client: TestClient, first_grid: str) -> None:
    r = client.get("/map", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fmap"
    path = f"/map/grid/{first_grid}?lang=en"
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next={quote(path, safe='')}"
    try:
        client.cookies.set("gridsvc_session", "abc.1.forged")
        assert client.get("/map", follow_redirects=False).status_code == 303
    finally:
        client.cookies.clear()
    assert (
        client.get("/map", headers=auth("gsk_nope_nope"), follow_redirects=False).status_code == 303
    )


def test_map_page_is_small_offline_and_embeds_no_features(
    client: TestClient, keys: dict[str, str], demo_district: str
) -> None:
    r = client.get("/map", headers=auth(keys["operator"]))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert len(r.content) < 500_000
    assert "http://" not in page and "https://" not in page  # basemap 'none': nothing online
    assert "FeatureCollection" not in page and '"Feature"' not in page
    assert 'lang="zh-CN"' in page and "cdn" not in page.lower()
    urls = ASSET_URL.findall(page)
    assert any(u.startswith("/static/vendor/leaflet/leaflet.js") for u in urls)
    assert any(u.startswith("/static/map/app.js") for u in urls)
    for url in urls:
        assert url.startswith("/static/"), url
        assert client.get(url).status_code == 200, url
    config = config_of(page)
    assert config["locale"] == "zh-CN" and config["user"]["role"] == "operator"
    assert config["district"]["code"] == demo_district and config["grid"] is None
    assert config["basemap"] == {"kind": "none", "crs": "wgs84", "online": False, "tiles": []}
    assert config["tiles"] == {"url": "/tiles/{layer}/{z}/{x}/{y}.pbf",
                               "params": {"district": demo_district}}  # fmt: skip
    ids = [layer["id"] for layer in config["layers"]]
    assert ids[:5] == ["district", "streets", "communities", "grids", "h3"]
    departmental = client.get(
        f"/api/v1/layers?district={demo_district}", headers=auth(keys["operator"])
    ).json()["layers"]
    assert departmental, "the demo district has departmental layers"
    for layer in departmental:
        assert f"dept-{layer['layer_id']}" in ids and f"conflicts-{layer['layer_id']}" in ids
    (south, west), (north, east) = config["view"]["bounds"]
    assert south < north and west < east
    district = client.get(f"/api/v1/grids/{demo_district}", headers=auth(keys["operator"]))
    assert district.json()["properties"]["name"] == config["district"]["name"]


def test_map_page_with_the_session_cookie_and_english(
    client: TestClient, keys: dict[str, str]
) -> None:
    login = client.post(
        "/login",
        data={"key": keys["planner"], "next": "/map?lang=en"},
        headers=SAME_SITE,
        follow_redirects=False,
    )
    client.cookies.clear()
    assert login.status_code == 303 and login.headers["location"] == "/map?lang=en"
    try:
        client.cookies.set("gridsvc_session", login.cookies["gridsvc_session"])
        r = client.get("/map?lang=en")
        assert r.status_code == 200 and 'lang="en"' in r.text
        assert config_of(r.text)["locale"] == "en"
        assert config_of(r.text)["user"]["role"] == "planner"
    finally:
        client.cookies.clear()


def test_grid_page_for_a_grid_leader(
    client: TestClient, keys: dict[str, str], first_grid: str, engine: Engine, demo_district: str
) -> None:
    leader = auth(keys["grid_leader"])
    r = client.get(f"/map/grid/{first_grid}", headers=leader)
    assert r.status_code == 200
    config = config_of(r.text)
    assert config["grid"] == first_grid and config["user"] == {
        "role": "grid_leader", "grids": [first_grid]
    }  # fmt: skip
    assert not any(layer["group"] == "departments" for layer in config["layers"])
    assert len(r.content) < 500_000 and '"Feature"' not in r.text
    with engine.connect() as conn:
        other = conn.execute(
            text("SELECT max(code) FROM units WHERE adcode = :a AND level = 'grid'"),
            {"a": demo_district},
        ).scalar_one()
    assert other != first_grid
    for code in (other, "999999001001001", "abc"):
        r = client.get(f"/map/grid/{code}", headers=leader)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
        assert "未找到" in r.text and "Not found" in r.text
    r = client.get("/map?lang=en", headers=leader, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/map/grid/{first_grid}?lang=en"
    # an operator may open any grid page of the district
    assert client.get(f"/map/grid/{other}", headers=auth(keys["operator"])).status_code == 200


def test_element_layers_by_role(client: TestClient, keys: dict[str, str], first_grid: str) -> None:
    """Element toggles for every map role; the people layer only for those who see people."""
    people = {"admin": True, "operator": False, "planner": False, "grid_leader": True}
    for role, sees in people.items():
        path = f"/map/grid/{first_grid}" if role == "grid_leader" else "/map"
        config = config_of(client.get(path, headers=auth(keys[role])).text)
        layers = {layer["id"]: layer for layer in config["layers"]}
        for kind in ("place", "thing", "organisation", "situation"):
            layer = layers[f"el-{kind}"]
            assert layer["type"] == "elements" and layer["source"] == "elements"
            assert layer["params"] == {"kind": kind} and layer["group"] == "elements"
            assert not layer["visible"]
        assert ("el-person" in layers) is sees, role
        assert layers["heat"]["type"] == "heat" and layers["heat"]["legend"] == "heat"
        assert config["elements"]["people"] is sees
        assert "elderly_alone" in config["elements"]["tags"]
        assert config["elements"]["kinds"][:2] == ["person", "place"]


def test_integrator_may_not_open_the_map(client: TestClient, keys: dict[str, str]) -> None:
    r = client.get("/map", headers=auth(keys["integrator"]))
    assert r.status_code == 403 and "无权" in r.text


def test_static_files_are_served(client: TestClient) -> None:
    for url, kind in (
        ("/static/vendor/leaflet/leaflet.js", "javascript"),
        ("/static/vendor/leaflet/leaflet.css", "text/css"),
        ("/static/vendor/leaflet/images/layers.png", "image/png"),
        ("/static/vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js", "javascript"),
        ("/static/map/app.js", "javascript"),
        ("/static/map/i18n.js", "javascript"),
        ("/static/map/profile.js", "javascript"),
        ("/static/map/app.css", "text/css"),
    ):
        r = client.get(url)
        assert r.status_code == 200 and kind in r.headers["content-type"], url
    assert client.get("/static/vendor/leaflet/nope.js").status_code == 404
    assert client.get("/static/map/nope.js").status_code == 404


def test_missing_front_end_assets_say_how_to_install(
    client: TestClient,
    keys: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(assets, "NODE_MODULES", tmp_path / "node_modules")
    r = client.get("/map", headers=auth(keys["operator"]))
    error_id = re.search(r"internal error ([0-9a-f]{32})", r.text)
    assert r.status_code == 500 and error_id and str(tmp_path) not in r.text
    assert any(error_id[1] in m and "make install" in m for m in caplog.messages)
    with pytest.raises(ConfigurationError, match="make install"):
        assets.require_installed()
    app = FastAPI()
    problems.install(app)
    app.mount("/v", VendorFiles(directory=tmp_path / "absent", check_dir=False))
    r = TestClient(app).get("/v/leaflet.js")
    assert r.status_code == 503 and "make install" in r.json()["detail"]
    assert str(tmp_path) not in r.text


# --- the basemap -------------------------------------------------------------------------------


def test_basemap_settings_are_parsed() -> None:
    assert parse_basemap(None).kind == "none" and parse_basemap("none").tiles == ()
    local = parse_basemap("dir:/srv/tiles/{z}/{x}/{y}.png")
    assert local.kind == "dir" and local.local and local.path == "/srv/tiles/{z}/{x}/{y}.png"
    assert local.to_config()["tiles"][0]["url"] == "/basemap/{z}/{x}/{y}.png"
    assert "/srv" not in json.dumps(local.to_config())  # no server paths in the page
    packed = parse_basemap("mbtiles:/srv/city.mbtiles")
    assert packed.kind == "mbtiles" and packed.path == "/srv/city.mbtiles" and packed.local
    osm = parse_basemap("osm")
    assert osm.online and osm.crs == "wgs84" and osm.tiles[0].url.startswith("https://tile.")
    tdt = parse_basemap("tianditu", key="TK123")
    assert [t.url.count("tk=TK123") for t in tdt.tiles] == [1, 1] and tdt.crs == "wgs84"
    amap = parse_basemap("AMAP")
    assert amap.kind == "amap" and amap.crs == "gcj02" and amap.online
    assert (
        parse_basemap("tencent").crs == "gcj02" and "{-y}" in parse_basemap("tencent").tiles[0].url
    )
    for bad, reason in (
        ("tianditu", "needs a key"),
        ("dir:/srv/tiles", r"\{z\}"),
        ("mbtiles:", "MBTiles file"),
        ("google", "unknown basemap"),
        ("osm:x", "unknown basemap"),
    ):
        with pytest.raises(ConfigurationError, match=reason):
            parse_basemap(bad)


def test_gcj02_basemap_asks_for_shifted_tiles() -> None:
    ctx = PageContext(
        district_code="530302", district_name="麒麟区", bounds=(103.6, 25.1, 104.2, 25.6),
        district_bounds=(103.6, 25.1, 104.2, 25.6), role="operator",
        basemap=parse_basemap("amap"),
    )  # fmt: skip
    config = page_config(ctx)
    assert config["shift"] == "gcj02"
    assert config["tiles"]["params"] == {"district": "530302", "shift": "gcj02"}
    assert config["basemap"]["crs"] == "gcj02" and config["basemap"]["online"]
    assert (
        page_config(ctx.__class__(**{**ctx.__dict__, "basemap": parse_basemap("osm")}))["shift"]
        is None
    )


@pytest.fixture
def tiles(tmp_path: Path) -> dict[str, object]:
    """A tile directory and an MBTiles file, each holding tile 3/6/3 (XYZ)."""
    tile = png()
    folder = tmp_path / "tiles" / "3" / "6"
    folder.mkdir(parents=True)
    (folder / "3.png").write_bytes(tile)
    mbtiles = tmp_path / "city.mbtiles"
    with sqlite3.connect(mbtiles) as db:
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        db.execute("INSERT INTO metadata VALUES ('format', 'png'), ('name', 'test')")
        db.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, "
                   "tile_row INTEGER, tile_data BLOB)")  # fmt: skip
        db.execute("INSERT INTO tiles VALUES (3, 6, 4, ?)", (tile,))  # TMS row 4 = XYZ y 3
    db.close()
    return {"tile": tile, "dir": f"dir:{tmp_path}/tiles/{{z}}/{{x}}/{{y}}.png",
            "mbtiles": f"mbtiles:{mbtiles}"}  # fmt: skip


def test_local_tiles_are_read(tiles: dict[str, object]) -> None:
    for kind in ("dir", "mbtiles"):
        basemap = parse_basemap(str(tiles[kind]))
        assert read_tile(basemap, 3, 6, 3) == tiles["tile"], kind
        assert read_tile(basemap, 3, 6, 4) is None and read_tile(basemap, 3, 9, 3) is None
        assert read_tile(basemap, -1, 0, 0) is None


@contextmanager
def app_with(database_url: str, home: Path, **settings: object) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, home=home, **settings))  # type: ignore[arg-type]
    with TestClient(app) as c:
        yield c


@pytest.mark.parametrize("kind", ["dir", "mbtiles"])
def test_local_basemap_is_served(
    kind: str, tiles: dict[str, object], database_url: str, keys: dict[str, str],
    tmp_path: Path, demo_district: str,
) -> None:  # fmt: skip
    home = tmp_path / "home"
    with app_with(database_url, home, basemap=tiles[kind], default_district=demo_district) as c:
        key = auth(keys["operator"])
        r = c.get("/basemap/3/6/3.png", headers=key)
        assert r.status_code == 200 and r.content == tiles["tile"]
        assert r.headers["content-type"] == "image/png"
        assert c.get("/basemap/3/6/4.png", headers=key).status_code == 404
        assert c.get("/basemap/3/6/3.png").status_code == 401
        page = c.get("/map", headers=key)
        config = config_of(page.text)
        assert config["basemap"]["kind"] == kind
        assert config["basemap"]["tiles"][0]["url"] == "/basemap/{z}/{x}/{y}.png"
        assert "http://" not in page.text and "https://" not in page.text


def test_no_local_basemap_means_no_basemap_tiles(client: TestClient, keys: dict[str, str]) -> None:
    r = client.get("/basemap/3/6/3.png", headers=auth(keys["operator"]))
    assert r.status_code == 404


def test_names_from_data_cannot_become_markup() -> None:
    from maps.render import render_page

    evil = "</title><script>alert(1)</script>"
    ctx = PageContext(
        district_code="530302", district_name=evil, bounds=(103.6, 25.1, 104.2, 25.6),
        district_bounds=(103.6, 25.1, 104.2, 25.6), role="operator",
        basemap=parse_basemap("none"),
        departments=[{"layer_id": 1, "department": "<img src=x onerror=alert(2)>",
                      "version": 1, "summary": {}}],
    )  # fmt: skip
    page = render_page(ctx)
    assert "<script>alert(1)" not in page and "<img src=x" not in page
