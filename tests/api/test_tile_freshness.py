"""Tiles follow writes made outside this process (COPY, plain SQL) within about a second."""

from __future__ import annotations

import time

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from gridsvc.demo.generate import generate_hierarchy
from gridsvc.repositories import units as units_repo
from gridsvc.repositories.bulk import ewkb_hex
from gridsvc.services.imports import import_file
from tests.api.conftest import auth
from tests.api.test_tiles_api import codes, features, url
from tests.conftest import SCRATCH_DISTRICT
from tests.db.scratch_grids import BUNDLED

WITHIN_S = 1.6  # the cache re-reads versions once a second; plus drawing the tile


def until(check, timeout: float = 5.0) -> float:  # type: ignore[no-untyped-def]
    """Seconds until ``check()`` holds (polled every 50 ms); fails after ``timeout``."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < timeout, "the tile never changed"
        time.sleep(0.05)
    return time.monotonic() - start


def test_copy_and_sql_from_another_connection(client: TestClient, keys, scratch: Engine) -> None:  # type: ignore[no-untyped-def]
    boundary = BUNDLED / "350205.geojson"
    import_file(scratch, boundary, level="district", crs="gcj02", district=SCRATCH_DISTRICT)
    with scratch.connect() as conn:
        outline = units_repo.shapes(conn, SCRATCH_DISTRICT, ["district"])[0].geometry
    units = generate_hierarchy(outline, SCRATCH_DISTRICT, seed=3)
    street = next(u for u in units if u.level.value == "street")
    where = street.geometry.representative_point()
    path, h = (
        url("streets", where.x, where.y, 14, f"district={SCRATCH_DISTRICT}"),
        auth(keys["operator"]),
    )
    assert client.get(path, headers=h).status_code == 204
    assert client.get(path, headers=h).status_code == 204  # cached
    info = scratch.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(info, autocommit=True) as conn:
        columns = "adcode, code, level, parent_code, name, geom, area_m2"
        with conn.cursor().copy(f"COPY units ({columns}) FROM STDIN") as copy:
            geom = ewkb_hex([street.geometry])[0]
            row = (SCRATCH_DISTRICT, street.code, "street", SCRATCH_DISTRICT, "copied", geom, 1.0)
            copy.write_row(row)
        seen = until(lambda: street.code in codes(client.get(path, headers=h), "streets"))
        assert seen < WITHIN_S
        conn.execute("UPDATE units SET name = 'renamed' WHERE code = %s", (street.code,))

        def renamed() -> bool:
            found = features(client.get(path, headers=h))["streets"]
            return [f["properties"]["name"] for f in found] == ["renamed"]

        assert until(renamed) < WITHIN_S
