"""The demo cameras load into the registry of district 510104: each in the grid that holds it
(checked against PostGIS), with its cell, view sector and aliases; a second load writes
nothing; the demo's district load leaves cameras out unless asked."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from cameras.deviceid import parse_device_id
from gridsvc.demo.load import load_cameras, load_demo

SCALE = 0.1  # ~190 cameras


@pytest.fixture(scope="module")
def loaded(engine: Engine, demo_district: str) -> str:
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM cameras")).scalar_one() == 0
    return load_cameras(engine, demo_district, 7, scale=SCALE)


def test_every_camera_is_placed_in_the_grid_holding_it(
    engine: Engine, demo_district: str, loaded: str
) -> None:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.device_id, c.grid_code, array_agg(u.code) AS holders, c.h3 "
                "FROM cameras c LEFT JOIN units u ON u.adcode = c.adcode AND u.level = 'grid' "
                "AND ST_Intersects(u.geom, c.geom) WHERE c.adcode = :a GROUP BY 1, 2, 4"
            ),
            {"a": demo_district},
        ).all()
    assert len(rows) > 150
    for device_id, grid_code, holders, h3 in rows:
        assert holders == [grid_code], device_id
        assert h3 is not None and (h3 >> 52) & 15 == 11  # an H3 cell at resolution 11
        parse_device_id(device_id)


def test_sectors_aliases_and_channels(engine: Engine, demo_district: str, loaded: str) -> None:
    with engine.connect() as conn:
        counts = conn.execute(
            text(
                "SELECT device_type, count(*), count(sector), "
                "count(*) FILTER (WHERE ST_IsValid(sector) AND ST_DWithin(sector, geom, 1e-6)), "
                "count(*) FILTER (WHERE status = 'never_seen') "
                "FROM cameras WHERE adcode = :a GROUP BY 1"
            ),
            {"a": demo_district},
        ).all()
        by_type = {t: (n, sectors, valid, never) for t, n, sectors, valid, never in counts}
        n, sectors, valid, never = by_type["132"]
        assert sectors == valid == never == n  # every feed has a valid sector at its place
        assert by_type["118"][1] == 0  # NVRs see nothing themselves
        mismatched = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT device_id, unnest(aliases) AS alias FROM cameras "
                "WHERE adcode = :a) c FULL JOIN (SELECT * FROM camera_aliases WHERE adcode = :a) "
                "x USING (device_id, alias) WHERE c.alias IS NULL OR x.alias IS NULL"
            ),
            {"a": demo_district},
        ).scalar_one()
        assert mismatched == 0
        orphans = conn.execute(
            text(
                "SELECT count(*) FROM cameras c WHERE adcode = :a AND parent_id IS NOT NULL "
                "AND NOT EXISTS (SELECT 1 FROM cameras p WHERE p.adcode = c.adcode "
                "AND p.device_id = c.parent_id AND p.device_type = '118')"
            ),
            {"a": demo_district},
        ).scalar_one()
        assert orphans == 0
        departments = dict(
            conn.execute(
                text(
                    "SELECT department, count(*) FROM cameras WHERE adcode = :a "
                    "AND device_type = '132' GROUP BY 1"
                ),
                {"a": demo_district},
            ).all()
        )
    assert departments == {"police": 90, "traffic": 50, "urban_management": 40, "smart": 6}


def test_loading_again_writes_nothing(engine: Engine, demo_district: str, loaded: str) -> None:
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*), max(updated_at) FROM cameras")).one()
    again = load_cameras(engine, demo_district, 7, scale=SCALE)
    assert "already registered" in again
    # the district load alone never adds cameras (tests' fixtures call it)
    assert "already loaded" in load_demo(engine, demo_district, seed=7)
    again = load_demo(engine, demo_district, seed=7, cameras=True)
    assert "already loaded" in again and "demo cameras already registered" in again
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*), max(updated_at) FROM cameras")).one() == before
