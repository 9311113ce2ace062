"""When a district's grids change, its cameras follow in the same transaction: each takes the
grid now covering it, and coverage is recomputed (grids gone lose their rows)."""

from __future__ import annotations

import shapely
from sqlalchemy import Engine, text

from gridsvc.services.imports import import_table
from tests.camera_rows import CameraRow, device_id, insert_cameras
from tests.conftest import SCRATCH_DISTRICT
from tests.db.scratch_grids import expected, load_hierarchy, some_grids, swapped, table


def placed(engine: Engine) -> dict[str, str | None]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT device_id, grid_code FROM cameras WHERE adcode = :a"),
            {"a": SCRATCH_DISTRICT},
        )
        return dict(rows.all())


def coverage_rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT grid_code, cameras FROM grid_coverage WHERE adcode = :a"),
            {"a": SCRATCH_DISTRICT},
        )
        return dict(rows.all())


def test_cameras_take_their_new_grids_and_coverage_follows(scratch: Engine) -> None:
    grids = some_grids(load_hierarchy(scratch))
    old = table(grids)
    import_table(scratch, old, level="grid", crs="EPSG:4326", district=SCRATCH_DISTRICT)
    points = [shapely.get_coordinates(shapely.point_on_surface(g.geometry))[0] for g in grids]
    cameras = [
        CameraRow(device_id(SCRATCH_DISTRICT, n), float(x), float(y), 0.0, 90.0, 30.0)
        for n, (x, y) in enumerate(points, start=1)
    ]
    with scratch.begin() as conn:
        insert_cameras(conn, SCRATCH_DISTRICT, cameras)
    lon = [c.lon for c in cameras]
    lat = [c.lat for c in cameras]
    ids = [c.device_id for c in cameras]
    assert placed(scratch) == dict(zip(ids, expected(old, lon, lat), strict=True))

    new = swapped(grids)
    import_table(scratch, new, level="grid", crs="EPSG:4326", district=SCRATCH_DISTRICT)
    now = expected(new, lon, lat)
    assert now != expected(old, lon, lat)  # the swap moved cameras to other grids
    assert placed(scratch) == dict(zip(ids, now, strict=True))
    per_grid = coverage_rows(scratch)
    assert set(per_grid) == {g.code for g in grids}
    for code in per_grid:
        assert per_grid[code] == sum(1 for g in now if g == code)


def test_a_district_without_cameras_gets_no_coverage_rows(scratch: Engine) -> None:
    grids = some_grids(load_hierarchy(scratch))
    import_table(scratch, table(grids), level="grid", crs="EPSG:4326", district=SCRATCH_DISTRICT)
    import_table(scratch, swapped(grids), level="grid", crs="EPSG:4326", district=SCRATCH_DISTRICT)
    assert coverage_rows(scratch) == {}
