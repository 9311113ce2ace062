"""The grid hierarchy through HTTP, with roles."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import SAME_SITE, auth


def test_healthz_needs_no_key(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok"}


def test_every_api_route_needs_a_key(client: TestClient) -> None:
    for path in ("/api/v1/districts", "/api/v1/grids", "/api/v1/grids/510104"):
        r = client.get(path)
        assert r.status_code == 401, path
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["www-authenticate"] == "Bearer"
        assert "Bearer" in r.json()["detail"]


def test_unknown_key_is_401(client: TestClient) -> None:
    r = client.get("/api/v1/grids", headers=auth("gsk_nope_nope"))
    assert r.status_code == 401
    assert r.json()["detail"] == "unknown or revoked API key"


def test_grids_are_geojson_with_codes(client: TestClient, keys: dict[str, str]) -> None:
    r = client.get("/api/v1/grids?level=grid&limit=5000", headers=auth(keys["operator"]))
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/geo+json"
    body = r.json()
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == body["numberReturned"] > 20
    for f in body["features"]:
        p = f["properties"]
        assert f["geometry"]["type"] == "MultiPolygon"
        assert len(p["code"]) == 15 and p["code"].startswith("510104")
        assert p["level"] == "grid"
        assert p["code"].startswith(p["parent_code"]) and len(p["parent_code"]) == 12
        assert p["area_m2"] > 0 and p["name"]


def test_paging_links(client: TestClient, keys: dict[str, str]) -> None:
    r = client.get("/api/v1/grids?level=grid&limit=3&offset=3", headers=auth(keys["planner"]))
    body = r.json()
    assert body["numberReturned"] == 3
    assert [link["rel"] for link in body["links"]] == ["self", "next"]
    assert "offset=6" in body["links"][1]["href"]


def test_filter_by_parent_and_bbox(client: TestClient, keys: dict[str, str]) -> None:
    h = auth(keys["operator"])
    streets = client.get("/api/v1/grids?level=street", headers=h).json()["features"]
    street = streets[0]["properties"]["code"]
    communities = client.get(f"/api/v1/grids?parent={street}", headers=h).json()["features"]
    assert communities and all(f["properties"]["parent_code"] == street for f in communities)
    children = client.get(f"/api/v1/grids/{street}/children", headers=h).json()["features"]
    assert [f["id"] for f in children] == [f["id"] for f in communities]
    far = client.get("/api/v1/grids?bbox=0,0,1,1", headers=h).json()
    assert far["numberMatched"] == 0


def test_bad_query_parameters_are_specific_problems(
    client: TestClient, keys: dict[str, str]
) -> None:
    h = auth(keys["operator"])
    r = client.get("/api/v1/grids?bbox=1,2,3", headers=h)
    assert r.status_code == 422 and "needs 4" in r.json()["detail"]
    r = client.get("/api/v1/grids?level=city", headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "level"
    r = client.get("/api/v1/grids?limit=0", headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "limit"


def test_grid_leader_sees_own_grid_only(
    client: TestClient, keys: dict[str, str], first_grid: str
) -> None:
    h = auth(keys["grid_leader"])
    own = client.get(f"/api/v1/grids/{first_grid}", headers=h)
    assert own.status_code == 200 and own.json()["properties"]["code"] == first_grid
    other = first_grid[:-3] + "002"
    assert client.get(f"/api/v1/grids/{other}", headers=auth(keys["operator"])).status_code == 200
    r = client.get(f"/api/v1/grids/{other}", headers=h)
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    listed = client.get("/api/v1/grids?level=grid", headers=h).json()
    assert [f["id"] for f in listed["features"]] == [first_grid]
    # its community, street and district are visible as context
    assert client.get(f"/api/v1/grids/{first_grid[:12]}", headers=h).status_code == 200


def test_integrator_cannot_read_grids(client: TestClient, keys: dict[str, str]) -> None:
    r = client.get("/api/v1/grids", headers=auth(keys["integrator"]))
    assert r.status_code == 403
    assert "integrator" in r.json()["detail"]


def test_missing_grid_is_404(client: TestClient, keys: dict[str, str]) -> None:
    r = client.get("/api/v1/grids/510104999999999", headers=auth(keys["admin"]))
    assert r.status_code == 404
    assert "510104999999999" in r.json()["detail"]


def test_districts(client: TestClient, keys: dict[str, str]) -> None:
    body = client.get("/api/v1/districts", headers=auth(keys["planner"])).json()
    codes = [f["properties"]["code"] for f in body["features"]]
    assert "510104" in codes


def test_search_and_labels(client: TestClient, keys: dict[str, str], first_grid: str) -> None:
    h = auth(keys["operator"])
    by_code = client.get(f"/api/v1/grids?q={first_grid}", headers=h).json()
    assert [f["id"] for f in by_code["features"]] == [first_grid]
    name = by_code["features"][0]["properties"]["name"]
    by_name = client.get(f"/api/v1/grids?q={name}&level=grid", headers=h).json()
    assert first_grid in [f["id"] for f in by_name["features"]]
    assert client.get("/api/v1/grids?q=%25", headers=h).json()["numberMatched"] == 0
    labels = client.get("/api/v1/grids/labels?level=street", headers=h).json()
    assert labels["features"] and labels["features"][0]["geometry"]["type"] == "Point"
    assert set(labels["features"][0]["properties"]) == {"code", "name", "level"}


def test_login_session_cookie(client: TestClient, keys: dict[str, str]) -> None:
    r = client.get("/login?next=/map")
    assert r.status_code == 200 and "API 密钥" in r.text and "/map" in r.text
    assert "API key" in client.get("/login?lang=en").text
    bad = client.post(
        "/login",
        data={"key": "gsk_nope", "next": "/map"},
        headers=SAME_SITE,
        follow_redirects=False,
    )
    assert bad.status_code == 401 and "密钥无效" in bad.text
    ok = client.post(
        "/login", data={"key": keys["operator"], "next": "//evil.example/x"},
        headers=SAME_SITE, follow_redirects=False,
    )  # fmt: skip
    client.cookies.clear()  # the client is shared: keep its jar empty for other tests
    assert ok.status_code == 303 and ok.headers["location"] == "/map"
    cookie = ok.cookies.get("gridsvc_session")
    assert cookie and keys["operator"] not in cookie
    assert "httponly" in ok.headers["set-cookie"].lower()
    try:
        client.cookies.set("gridsvc_session", cookie)
        assert client.get("/api/v1/grids?level=street").status_code == 200
        client.cookies.clear()
        client.cookies.set("gridsvc_session", cookie[:-4] + "0000")
        r = client.get("/api/v1/grids")
        assert r.status_code == 401 and "log in again" in r.json()["detail"]
    finally:
        client.cookies.clear()
