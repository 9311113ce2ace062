"""Camera coverage of grids on real PostGIS, checked against an independent computation
(shapely in a local equal-area plane on sectors rebuilt from the same camera parameters).

Every test works inside a transaction that is rolled back: the cameras it places are seen
by no other test.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import shapely
from sqlalchemy import Connection, Engine, text

from cameras.sector import view_sector
from gridsvc.geo.measure import to_local
from gridsvc.repositories import coverage as repo
from tests.camera_rows import CameraRow, device_id, insert_cameras, move_camera

SERIALS = iter(range(1, 1_000_000))


@pytest.fixture
def conn(engine: Engine, demo_district: str) -> Iterator[Connection]:
    with engine.connect() as c:
        tx = c.begin()
        yield c
        tx.rollback()


def grid_shapes(conn: Connection, codes: list[str]) -> dict[str, shapely.Geometry]:
    rows = conn.execute(
        text("SELECT code, ST_AsBinary(geom) FROM units WHERE code = ANY(:c)"), {"c": codes}
    )
    return {code: shapely.from_wkb(bytes(wkb)) for code, wkb in rows}


def city_grids(conn: Connection, adcode: str, n: int) -> list[str]:
    """``n`` neighbouring grids of the dense part of the district (a run of the smallest)."""
    return list(
        conn.execute(
            text(
                "SELECT code FROM units WHERE adcode = :a AND level = 'grid' "
                "ORDER BY area_m2, code LIMIT :n"
            ),
            {"a": adcode, "n": n},
        ).scalars()
    )


def camera(adcode: str, lon: float, lat: float, **view: float | str) -> CameraRow:
    return CameraRow(device_id(adcode, next(SERIALS)), lon, lat, **view)  # type: ignore[arg-type]


def stored(conn: Connection, adcode: str, code: str) -> dict:
    row = conn.execute(
        text(
            "SELECT area_m2, covered_m2, share, cameras, by_department, "
            "ST_AsBinary(blind) AS blind FROM grid_coverage WHERE adcode = :a AND grid_code = :c"
        ),
        {"a": adcode, "c": code},
    ).mappings()
    out = dict(row.one())
    out["blind"] = shapely.from_wkb(bytes(out["blind"])) if out["blind"] is not None else None
    return out


def independent(grid: shapely.Geometry, cameras: list[CameraRow]) -> tuple[float, float, float]:
    """(area m², covered m², blind m²) of a grid in an equal-area plane centred on it."""
    lon0, lat0 = shapely.get_coordinates(shapely.centroid(grid))[0]
    local_grid = to_local(grid, lon0, lat0)
    sectors = [
        view_sector(c.lon, c.lat, c.heading, c.fov, c.range_m)  # type: ignore[arg-type]
        for c in cameras
        if c.heading is not None
    ]
    union = shapely.union_all(to_local(np.array(sectors, dtype=object), lon0, lat0))
    covered = shapely.intersection(local_grid, union)
    blind = shapely.difference(local_grid, union)
    return float(local_grid.area), float(covered.area), float(blind.area)


def local_area(geom: shapely.Geometry, grid: shapely.Geometry) -> float:
    lon0, lat0 = shapely.get_coordinates(shapely.centroid(grid))[0]
    return float(to_local(geom, lon0, lat0).area)


def test_coverage_matches_an_independent_computation(conn: Connection, demo_district: str) -> None:
    codes = city_grids(conn, demo_district, 6)
    grids = grid_shapes(conn, codes)
    rng = np.random.default_rng(3)
    cameras = []
    for code in codes:  # cameras inside and on the edge of each grid, seeing into neighbours
        grid = grids[code]
        inner = shapely.get_coordinates(shapely.point_on_surface(grid))[0]
        edge = shapely.get_coordinates(
            shapely.line_interpolate_point(grid.boundary, rng.uniform(0, 1, 3), normalized=True)
        )
        for lon, lat in [inner, *edge]:
            fov = float(rng.choice([45.0, 90.0, 120.0, 360.0]))
            view = {
                "heading": float(rng.uniform(0, 360)),
                "fov": fov,
                "range_m": float(rng.uniform(30, 120)),
                "department": str(rng.choice(["police", "traffic"])),
            }
            cameras.append(camera(demo_district, float(lon), float(lat), **view))
    insert_cameras(conn, demo_district, cameras)
    written = repo.recompute(conn, demo_district, codes)
    assert written == len(codes)
    for code in codes:
        area, covered, blind = independent(grids[code], cameras)
        row = stored(conn, demo_district, code)
        assert 0.0 < covered < area, code  # the sample is neither empty nor full
        assert row["area_m2"] == pytest.approx(area, rel=0.005)
        assert row["share"] == pytest.approx(covered / area, rel=0.005), code
        assert row["covered_m2"] == pytest.approx(covered, rel=0.005), code
        assert local_area(row["blind"], grids[code]) == pytest.approx(blind, rel=0.005), code
        assert row["blind"].geom_type == "MultiPolygon"
        placed = [
            c for c in cameras if shapely.intersects(grids[code], shapely.Point(c.lon, c.lat))
        ]
        assert row["cameras"] >= 1 and row["cameras"] <= len(placed)
        assert sum(row["by_department"].values()) == row["cameras"]


def test_grids_touching_a_moved_camera_old_and_new(conn: Connection, demo_district: str) -> None:
    first, *_, last = city_grids(conn, demo_district, 40)
    grids = grid_shapes(conn, [first, last])
    lon, lat = shapely.get_coordinates(shapely.point_on_surface(grids[first]))[0]
    cam = camera(demo_district, float(lon), float(lat), heading=10.0, fov=60.0, range_m=40.0)
    insert_cameras(conn, demo_district, [cam])
    before = repo.grids_touching(conn, demo_district, [cam.device_id])
    assert first in before
    repo.recompute(conn, demo_district, before)
    assert stored(conn, demo_district, first)["cameras"] == 1
    assert stored(conn, demo_district, first)["share"] > 0

    lon2, lat2 = shapely.get_coordinates(shapely.point_on_surface(grids[last]))[0]
    moved = CameraRow(cam.device_id, float(lon2), float(lat2), 200.0, 60.0, 40.0)
    move_camera(conn, demo_district, moved)
    after = repo.grids_touching(conn, demo_district, [cam.device_id])
    assert last in after and first not in after
    repo.recompute(conn, demo_district, before | after)
    old, new = stored(conn, demo_district, first), stored(conn, demo_district, last)
    assert old["cameras"] == 0 and old["share"] == 0 and old["by_department"] == {}
    assert old["blind"] is not None
    assert local_area(old["blind"], grids[first]) == pytest.approx(old["area_m2"], rel=0.005)
    assert new["cameras"] == 1 and new["share"] > 0 and new["by_department"] == {"police": 1}


def test_a_fully_covered_grid_has_no_blind_spot(conn: Connection, demo_district: str) -> None:
    (code,) = city_grids(conn, demo_district, 1)
    grid = grid_shapes(conn, [code])[code]
    lon, lat = shapely.get_coordinates(shapely.centroid(grid))[0]
    lon0, lat0 = float(lon), float(lat)
    corners = shapely.get_coordinates(to_local(grid, lon0, lat0))
    reach = float(np.hypot(corners[:, 0], corners[:, 1]).max())  # centroid to farthest corner
    dome = camera(demo_district, lon0, lat0, heading=0.0, fov=360.0, range_m=reach + 20.0)
    insert_cameras(conn, demo_district, [dome])
    repo.recompute(conn, demo_district, [code])
    row = stored(conn, demo_district, code)
    assert row["blind"] is None
    assert row["share"] == pytest.approx(1.0, abs=1e-9)
    assert row["covered_m2"] == pytest.approx(row["area_m2"], rel=1e-9)


def test_a_grid_without_cameras_is_all_blind(conn: Connection, demo_district: str) -> None:
    (code,) = city_grids(conn, demo_district, 1)
    grid = grid_shapes(conn, [code])[code]
    repo.recompute(conn, demo_district, [code])
    row = stored(conn, demo_district, code)
    assert row["share"] == 0 and row["covered_m2"] == 0 and row["cameras"] == 0
    assert shapely.equals(row["blind"], grid)
    assert row["area_m2"] == pytest.approx(local_area(grid, grid), rel=0.005)


def test_rows_of_grids_gone_are_deleted(conn: Connection, demo_district: str) -> None:
    gone = demo_district + "999999999"
    conn.execute(
        text(
            "INSERT INTO grid_coverage (adcode, grid_code, area_m2, covered_m2, share) "
            "VALUES (:a, :c, 1, 0, 0)"
        ),
        {"a": demo_district, "c": gone},
    )
    assert repo.recompute(conn, demo_district, [gone]) == 0
    left = conn.execute(
        text("SELECT count(*) FROM grid_coverage WHERE grid_code = :c"), {"c": gone}
    ).scalar_one()
    assert left == 0


def test_recompute_district_covers_every_grid(conn: Connection, demo_district: str) -> None:
    grids = conn.execute(
        text("SELECT count(*) FROM units WHERE adcode = :a AND level = 'grid'"),
        {"a": demo_district},
    ).scalar_one()
    assert repo.recompute_district(conn, demo_district) == grids
    share = conn.execute(
        text("SELECT max(share) FROM grid_coverage WHERE adcode = :a"), {"a": demo_district}
    ).scalar_one()
    assert share == 0  # no cameras in this transaction


def test_cameras_seeing_a_point(conn: Connection, demo_district: str) -> None:
    (code,) = city_grids(conn, demo_district, 1)
    grid = grid_shapes(conn, [code])[code]
    lon, lat = (float(v) for v in shapely.get_coordinates(shapely.point_on_surface(grid))[0])
    east = camera(demo_district, lon, lat, heading=90.0, fov=90.0, range_m=50.0)
    insert_cameras(conn, demo_district, [east])
    target = shapely.get_coordinates(view_sector(lon, lat, 90.0, 1.0, 20.0))[1]  # 20 m east
    (seen,) = repo.cameras_seeing(conn, *map(float, target), demo_district, 10)
    assert seen["device_id"] == east.device_id
    assert seen["distance_m"] == pytest.approx(20.0, abs=0.5)
    assert seen["bearing_deg"] == pytest.approx(90.0, abs=2.0)
    behind = shapely.get_coordinates(view_sector(lon, lat, 270.0, 1.0, 20.0))[1]
    assert repo.cameras_seeing(conn, *map(float, behind), demo_district, 10) == []
