"""Every error is problem+json: unhandled exceptions answer 500 with a logged error id."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gridsvc.api import problems
from gridsvc.errors import ConfigurationError
from tests.api.conftest import auth

SECRET = '/srv/secret/path.db: relation "units" does not exist'


def failing_app() -> FastAPI:
    app = FastAPI()
    problems.install(app)

    @app.get("/boom")
    def boom() -> dict:
        raise RuntimeError(SECRET)

    @app.get("/misconfigured")
    def misconfigured() -> dict:
        raise ConfigurationError(f"basemap {SECRET}")

    return app


@pytest.mark.parametrize("path", ["/boom", "/misconfigured"])
def test_unhandled_errors_are_500_problems_with_a_logged_id(
    path: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="gridsvc.errors")
    r = TestClient(failing_app()).get(path)
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == 500 and body["instance"] == path
    assert len(body["error_id"]) == 32 and body["error_id"] in body["detail"]
    assert "secret" not in r.text and "units" not in r.text
    logged = [rec for rec in caplog.records if body["error_id"] in rec.getMessage()]
    assert logged and logged[0].exc_info is not None  # the traceback is in the log
    assert SECRET in logged[0].getMessage() or SECRET in str(logged[0].exc_info[1])


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/grids?offset={2**64}",
        f"/api/v1/districts?offset={10**30}",
        f"/api/v1/grids?limit={2**64}",
        f"/api/v1/layers/{2**63}",
        f"/tiles/dept/10/800/400.pbf?layer_id={2**64}",
        f"/api/v1/locate/nearby?lon=103&lat=25&k={2**70}",
        f"/api/v1/locate?lon={10**400}&lat=25",
        "/api/v1/locate?lon=inf&lat=25",
        "/basemap/99/0/0.png",
        f"/basemap/3/{2**64}/0.png",
        "/api/v1/grids/12345",
        "/api/v1/grids/1234567/children",
        "/api/v1/grids/123456789/cells",
        "/api/v1/layers/propose?min_area_m2=inf",
        "/api/v1/grids?q=a%00b",
        "/api/v1/audit?action=key%00",
    ],
)
def test_out_of_range_values_are_422(client: TestClient, keys, path: str) -> None:  # type: ignore[no-untyped-def]
    method = client.post if "propose" in path else client.get
    r = method(path, headers=auth(keys["admin"]))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"


def test_openapi_declares_problems(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert "Problem" in doc["components"]["schemas"]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for code in ("422", "500") if path != "/healthz" else ("500",):
                content = op["responses"][code]["content"]
                assert "application/problem+json" in content, (method, path, code)
    get_grid = doc["paths"]["/api/v1/grids/{code}"]["get"]
    params = {p["name"]: p["schema"] for p in get_grid["parameters"]}
    assert params["code"]["pattern"] == r"^\d{6}(\d{3}){0,3}$"
