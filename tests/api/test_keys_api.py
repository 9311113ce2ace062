"""API keys over HTTP: create, use, list, revoke; roles and district-limited admins."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import SAME_SITE, auth


def create(client: TestClient, admin: str, **body) -> dict:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/keys", headers=auth(admin), json=body)
    assert r.status_code == 201, r.text
    return r.json()


def login(client: TestClient, key: str) -> str:
    r = client.post(
        "/login", data={"key": key, "next": "/map"}, headers=SAME_SITE, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    client.cookies.clear()
    return r.cookies["gridsvc_session"]


def with_cookie(client: TestClient, cookie: str, path: str) -> int:
    try:
        client.cookies.set("gridsvc_session", cookie)
        return client.get(path, follow_redirects=False).status_code
    finally:
        client.cookies.clear()


def test_create_use_list_revoke(client: TestClient, keys: dict[str, str]) -> None:
    made = create(client, keys["admin"], role="operator", name="qgis desk")
    key, prefix = made["key"], made["prefix"]
    assert key.startswith(f"gsk_{prefix}_") and made["role"] == "operator"
    assert made["revoked_at"] is None and "key_hash" not in made
    assert client.get("/api/v1/grids?level=street", headers=auth(key)).status_code == 200
    cookie = login(client, key)
    assert with_cookie(client, cookie, "/api/v1/grids?level=street") == 200

    listed = client.get("/api/v1/keys", headers=auth(keys["admin"])).json()["keys"]
    mine = [k for k in listed if k["prefix"] == prefix]
    assert mine and mine[0]["name"] == "qgis desk"
    assert all("key" not in k and "key_hash" not in k for k in listed)

    r = client.delete(f"/api/v1/keys/{prefix}", headers=auth(keys["admin"]))
    assert r.status_code == 200 and r.json()["sessions_ended"] == 1
    # refused at once in this process (the cache entry is dropped), key and session alike
    assert client.get("/api/v1/grids", headers=auth(key)).status_code == 401
    assert with_cookie(client, cookie, "/api/v1/grids") == 401
    assert with_cookie(client, cookie, "/map") == 303
    assert client.delete(f"/api/v1/keys/{prefix}", headers=auth(keys["admin"])).status_code == 404
    listed = client.get("/api/v1/keys", headers=auth(keys["admin"])).json()["keys"]
    assert next(k for k in listed if k["prefix"] == prefix)["revoked_at"]


def test_keys_need_an_admin(client: TestClient, keys: dict[str, str]) -> None:
    assert client.get("/api/v1/keys").status_code == 401
    assert client.post("/api/v1/keys", json={"role": "operator"}).status_code == 401
    assert client.delete("/api/v1/keys/0123abcd").status_code == 401
    for role in ("operator", "planner", "integrator", "grid_leader"):
        h = auth(keys[role])
        assert client.get("/api/v1/keys", headers=h).status_code == 403, role
        r = client.post("/api/v1/keys", headers=h, json={"role": "admin"})
        assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
        assert client.delete("/api/v1/keys/0123abcd", headers=h).status_code == 403
        # the role is checked before the body or the path is
        assert client.post("/api/v1/keys", headers=h, json={}).status_code == 403
        assert client.delete("/api/v1/keys/x", headers=h).status_code == 403
    operator = keys["operator"].split("_")[1]
    q = f"/api/v1/audit?actor={operator}&action=key.create&limit=1"
    refused = client.get(q, headers=auth(keys["admin"])).json()["entries"][0]
    assert refused["outcome"] == "refused" and refused["detail"]["status"] == 403


def test_bad_key_requests(client: TestClient, keys: dict[str, str]) -> None:
    h = auth(keys["admin"])
    r = client.post("/api/v1/keys", headers=h, json={"role": "mayor"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "role"
    r = client.post("/api/v1/keys", headers=h, json={"role": "grid_leader"})
    assert r.status_code == 422 and "at least one grid" in r.json()["detail"]
    r = client.post("/api/v1/keys", headers=h, json={"role": "operator", "secret": "x"})
    assert r.status_code == 422
    r = client.post(
        "/api/v1/keys",
        headers=h,
        json={"role": "grid_leader", "district": "510104", "grids": ["350205001001001"]},
    )
    assert r.status_code == 422 and "not in district 510104" in r.json()["detail"]
    assert client.delete("/api/v1/keys/not-a-prefix", headers=h).status_code == 422
    assert client.delete("/api/v1/keys/0123abcd", headers=h).status_code == 404


def test_district_admin_is_limited_to_its_district(
    client: TestClient, keys: dict[str, str]
) -> None:
    root = keys["admin"]
    local = create(client, root, role="admin", district="110101", name="district admin")["key"]
    elsewhere = create(client, root, role="operator", district="350205")
    # creates keys of its own district only (the district defaults to its own)
    own = create(client, local, role="planner")
    assert own["district"] == "110101"
    r = client.post(
        "/api/v1/keys", headers=auth(local), json={"role": "planner", "district": "510104"}
    )
    assert r.status_code == 404
    listed = client.get("/api/v1/keys", headers=auth(local)).json()["keys"]
    assert listed and {k["district"] for k in listed} == {"110101"}
    r = client.delete(f"/api/v1/keys/{elsewhere['prefix']}", headers=auth(local))
    assert r.status_code == 404
    assert client.get("/api/v1/grids", headers=auth(elsewhere["key"])).status_code == 200
    assert client.delete(f"/api/v1/keys/{own['prefix']}", headers=auth(local)).status_code == 200
    # the district admin's audit view holds its district's entries only
    entries = client.get("/api/v1/audit", headers=auth(local)).json()["entries"]
    assert entries and {e["district"] for e in entries} == {"110101"}
    assert client.get("/api/v1/audit?district=350205", headers=auth(local)).status_code == 404
