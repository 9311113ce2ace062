"""A district recompute running while a camera write is open: the stored coverage counts the
camera (the recompute waits for the write instead of storing what it saw before)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import shapely
from sqlalchemy import Engine, text

from gridsvc.repositories import coverage as repo
from tests.camera_rows import CameraRow, delete_cameras, device_id, insert_cameras


@pytest.fixture
def grid(engine: Engine, demo_district: str) -> Iterator[tuple[str, float, float]]:
    with engine.connect() as conn:
        code, wkb = conn.execute(
            text(
                "SELECT code, ST_AsBinary(ST_PointOnSurface(geom)) FROM units "
                "WHERE adcode = :a AND level = 'grid' ORDER BY area_m2 DESC LIMIT 1"
            ),
            {"a": demo_district},
        ).one()
    point = shapely.from_wkb(bytes(wkb))
    yield code, point.x, point.y
    with engine.begin() as conn:
        delete_cameras(conn, demo_district)
        conn.execute(text("DELETE FROM grid_coverage WHERE adcode = :a"), {"a": demo_district})


def test_district_recompute_waits_for_an_open_camera_write(
    engine: Engine, demo_district: str, grid: tuple[str, float, float]
) -> None:
    code, lon, lat = grid
    camera = CameraRow(device_id(demo_district, 501), lon, lat, 0.0, 90.0, 30.0, "police")
    done = threading.Event()
    errors: list[BaseException] = []

    def district_recompute() -> None:
        try:
            with engine.begin() as conn:
                repo.recompute_district(conn, demo_district)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            done.set()

    with engine.begin() as conn:
        insert_cameras(conn, demo_district, [camera])
        repo.recompute(
            conn, demo_district, repo.grids_touching(conn, demo_district, [camera.device_id])
        )
        thread = threading.Thread(target=district_recompute)
        thread.start()
        time.sleep(1.0)  # the district recompute has started and waits
        assert not done.is_set()
    thread.join(timeout=120)
    assert not errors and done.is_set()
    with engine.connect() as conn:
        cameras, depts, share = conn.execute(
            text("SELECT cameras, by_department, share FROM grid_coverage WHERE grid_code = :c"),
            {"c": code},
        ).one()
    assert cameras == 1 and depts == {"police": 1} and share > 0
