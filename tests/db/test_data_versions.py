"""Triggers bump a district's data version in the writing transaction, whoever writes."""

from __future__ import annotations

import psycopg
import shapely
from sqlalchemy import Engine

from gridsvc.repositories.bulk import ewkb_hex

DISTRICT = "990001"  # data of no real district: these tests write raw rows


def conninfo(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def forget(engine: Engine) -> None:
    """Drop the district's versions (the cleanup of an earlier test may have bumped them)."""
    with psycopg.connect(conninfo(engine), autocommit=True) as conn:
        conn.execute("DELETE FROM data_versions WHERE adcode = %s", (DISTRICT,))


def versions(cur: psycopg.Cursor) -> dict[str, int]:
    cur.execute("SELECT table_name, version FROM data_versions WHERE adcode = %s", (DISTRICT,))
    return dict(cur.fetchall())


def test_every_kind_of_write_bumps_its_table(scratch: Engine) -> None:
    forget(scratch)
    box = ewkb_hex([shapely.box(120.0, 30.0, 120.01, 30.01)])[0]
    with psycopg.connect(conninfo(scratch), autocommit=True) as conn, conn.cursor() as cur:
        assert versions(cur) == {}
        with cur.copy("COPY units (adcode, code, level, name, geom, area_m2) FROM STDIN") as cp:
            cp.write_row((DISTRICT, DISTRICT, "district", "test", box, 1.0))
        assert versions(cur) == {"units": 1}
        cur.execute("UPDATE units SET name = 'renamed' WHERE code = %s", (DISTRICT,))
        assert versions(cur) == {"units": 2}
        cur.execute("UPDATE units SET name = 'x' WHERE code = 'no such code'")
        assert versions(cur) == {"units": 2}  # a statement that changed no row
        cur.execute(
            "INSERT INTO h3_cells (adcode, resolution, cell, grid_code) VALUES "
            "(%s, 11, 1, NULL), (%s, 11, 2, NULL)",
            (DISTRICT, DISTRICT),
        )
        assert versions(cur) == {"units": 2, "h3_cells": 1}  # one bump per statement
        with conn.transaction():
            cur.execute("DELETE FROM h3_cells WHERE adcode = %s", (DISTRICT,))
            cur.execute("DELETE FROM units WHERE adcode = %s", (DISTRICT,))
            with psycopg.connect(conninfo(scratch)) as other:
                seen = other.execute(
                    "SELECT version FROM data_versions WHERE adcode = %s AND table_name = 'units'",
                    (DISTRICT,),
                ).fetchone()
            assert seen == (2,)  # not visible before the commit, like the data
        assert versions(cur) == {"units": 3, "h3_cells": 2}
        try:
            with conn.transaction():
                cur.execute(
                    "INSERT INTO h3_cells (adcode, resolution, cell) VALUES (%s, 11, 3)",
                    (DISTRICT,),
                )
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        assert versions(cur) == {"units": 3, "h3_cells": 2}  # rolled back with the data


def test_reimporting_the_same_rows_changes_no_version(scratch: Engine) -> None:
    from gridsvc.repositories import units as units_repo

    forget(scratch)
    box = shapely.box(120.0, 30.0, 120.01, 30.01)
    row = dict(
        adcode=DISTRICT,
        code=DISTRICT,
        level="district",
        parent_code=None,
        name="test",
        source="test",
        area_m2=1.0,
        geometry=box,
    )
    for _ in range(3):
        with scratch.begin() as conn:
            units_repo.upsert(conn, [row])
    with psycopg.connect(conninfo(scratch)) as conn, conn.cursor() as cur:
        assert versions(cur) == {"units": 1}


def test_camera_sightings_leave_the_version_alone(scratch: Engine) -> None:
    """last_seen moves with every event batch; only the record, status or alarms bump."""
    forget(scratch)
    with psycopg.connect(conninfo(scratch), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO cameras (adcode, device_id, name, department, device_type) "
            "VALUES (%s, '99000100001320000001', 'c', 'police', '132')",
            (DISTRICT,),
        )
        assert versions(cur) == {"cameras": 1}
        where = "WHERE adcode = %s"
        cur.execute(
            f"UPDATE cameras SET last_seen = now(), seen_since = now() {where}", (DISTRICT,)
        )
        assert versions(cur) == {"cameras": 1}
        for change in ("status = 'online'", "alarms = '{video_loss}'", "updated_at = now()"):
            before = versions(cur)["cameras"]
            cur.execute(f"UPDATE cameras SET {change} {where}", (DISTRICT,))
            assert versions(cur)["cameras"] == before + 1, change
        cur.execute(f"DELETE FROM cameras {where}", (DISTRICT,))
