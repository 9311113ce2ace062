"""Login sessions end server-side; cookie requests must come from this site."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gridsvc.api.app import create_app
from gridsvc.settings import Settings
from tests.api.conftest import SAME_SITE, auth

EVIL = {"Origin": "https://evil.example"}


@pytest.fixture
def browser(client: TestClient) -> Iterator[TestClient]:
    """A client of the running app with a cookie jar of its own."""
    yield TestClient(client.app, follow_redirects=False)


def log_in(browser: TestClient, key: str, headers: dict[str, str] = SAME_SITE):  # type: ignore[no-untyped-def]
    return browser.post("/login", data={"key": key, "next": "/map"}, headers=headers)


def test_logout_ends_the_session_even_for_a_replayed_cookie(
    browser: TestClient, keys: dict[str, str]
) -> None:
    assert log_in(browser, keys["operator"]).status_code == 303
    cookie = browser.cookies["gridsvc_session"]
    assert browser.get("/api/v1/grids?level=street").status_code == 200
    r = browser.post("/logout", headers=SAME_SITE)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert "gridsvc_session" not in browser.cookies
    browser.cookies.set("gridsvc_session", cookie)  # replayed
    r = browser.get("/api/v1/grids?level=street")
    assert r.status_code == 401 and "log in again" in r.json()["detail"]
    r = browser.get("/map")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_logout_and_login_are_audited(
    client: TestClient, browser: TestClient, keys: dict[str, str]
) -> None:
    key, prefix = keys["planner"], keys["planner"].split("_")[1]
    log_in(browser, key)
    browser.post("/logout", headers=SAME_SITE)
    log_in(browser, "gsk_00000000_wrong")
    h = auth(keys["admin"])
    entries = client.get(f"/api/v1/audit?object=key:{prefix}&limit=2", headers=h).json()["entries"]
    assert [e["action"] for e in entries] == ["session.logout", "session.login"]
    assert entries[0]["actor"] == prefix and entries[0]["address"] == "testclient"
    refused = client.get("/api/v1/audit?action=session.login&actor=anonymous", headers=h).json()
    assert refused["entries"][0]["outcome"] == "refused"
    assert "wrong" not in str(refused)


def test_cross_site_cookie_writes_are_refused(browser: TestClient, keys: dict[str, str]) -> None:
    log_in(browser, keys["admin"])
    body = {"role": "planner", "name": "csrf"}
    r = browser.post("/api/v1/keys", json=body, headers=EVIL)
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    assert "cross-site" in r.json()["detail"] and "evil.example" in r.json()["detail"]
    r = browser.post("/api/v1/keys", json=body, headers={"Referer": "https://evil.example/x"})
    assert r.status_code == 403 and "Referer" in r.json()["detail"]
    r = browser.post("/api/v1/keys", json=body)
    assert r.status_code == 403 and "Origin or Referer" in r.json()["detail"]
    r = browser.post("/api/v1/keys", json=body, headers={"Origin": "null"})
    assert r.status_code == 403
    # same site: by Origin, or by Referer when the Origin is absent
    assert browser.post("/api/v1/keys", json=body, headers=SAME_SITE).status_code == 201
    referer = {"Referer": "http://testserver/map"}
    assert browser.post("/api/v1/keys", json=body, headers=referer).status_code == 201
    # reads are not checked; logout from another site is refused
    assert browser.get("/api/v1/keys", headers=EVIL).status_code == 200
    assert browser.post("/logout", headers=EVIL).status_code == 403
    assert browser.get("/api/v1/keys").status_code == 200  # still logged in
    browser.post("/logout", headers=SAME_SITE)


def test_bearer_requests_are_not_checked(client: TestClient, keys: dict[str, str]) -> None:
    headers = {**auth(keys["admin"]), **EVIL}
    r = client.post("/api/v1/keys", json={"role": "planner"}, headers=headers)
    assert r.status_code == 201


def test_login_from_another_site_is_refused(browser: TestClient, keys: dict[str, str]) -> None:
    r = log_in(browser, keys["operator"], EVIL)
    assert r.status_code == 403 and "cross-site" in r.json()["detail"]
    assert "gridsvc_session" not in browser.cookies


def _cookie_header(settings: Settings, key: str, base: str = "http://testserver", **headers):  # type: ignore[no-untyped-def]
    with TestClient(create_app(settings), base_url=base, follow_redirects=False) as c:
        origin = {"Origin": base}
        r = c.post("/login", data={"key": key}, headers={**origin, **headers})
        assert r.status_code == 303, r.text
        return r.headers["set-cookie"].lower()


@pytest.mark.parametrize(
    ("secure", "base", "headers", "expected"),
    [
        ("auto", "http://testserver", {}, False),
        ("auto", "https://testserver", {}, True),
        ("auto", "http://testserver", {"X-Forwarded-Proto": "https"}, False),  # untrusted peer
        ("true", "http://testserver", {}, True),
        ("false", "https://testserver", {}, False),
    ],
)
def test_secure_flag_follows_the_setting(
    database_url: str, keys: dict[str, str], secure: str, base: str, headers: dict, expected: bool
) -> None:
    settings = Settings(database_url=database_url, cookie_secure=secure)  # type: ignore[arg-type]
    header = _cookie_header(settings, keys["operator"], base, **headers)
    assert ("; secure" in header) is expected


def test_forwarded_proto_counts_from_a_trusted_proxy(
    database_url: str, keys: dict[str, str]
) -> None:
    settings = Settings(database_url=database_url, trusted_proxies="testclient")
    header = _cookie_header(settings, keys["operator"], **{"X-Forwarded-Proto": "https"})
    assert "; secure" in header


def test_trusted_origins(database_url: str, keys: dict[str, str]) -> None:
    settings = Settings(database_url=database_url, trusted_origins="https://portal.example")
    with TestClient(create_app(settings), follow_redirects=False) as c:
        r = c.post(
            "/login", data={"key": keys["admin"]}, headers={"Origin": "https://portal.example"}
        )
        assert r.status_code == 303
        r = c.post("/api/v1/keys", json={"role": "planner"}, headers=EVIL)
        assert r.status_code == 403
