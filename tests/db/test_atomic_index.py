"""Grids and their H3 index change together: readers never see a mix, failures change nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine, text

from gridsvc.repositories import cells as cells_repo
from gridsvc.services.cells import LocatorCache, rebuild_index
from gridsvc.services.imports import import_table
from gridsvc.services.locate import locate
from tests.conftest import SCRATCH_DISTRICT
from tests.db.scratch_grids import (
    expected,
    load_hierarchy,
    sample_points,
    some_grids,
    swapped,
    table,
)

RES = 11
REFUSE = (
    "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'refused by test'; END $$;"
    "CREATE TRIGGER test_refuse BEFORE INSERT ON h3_cells FOR EACH ROW "
    f"WHEN (NEW.adcode = '{SCRATCH_DISTRICT}') EXECUTE FUNCTION test_refuse()"
)


@pytest.fixture
def district(scratch: Engine) -> Iterator[tuple[Engine, list]]:
    """The scratch district with the grids of two communities imported and indexed."""
    grids = some_grids(load_hierarchy(scratch))
    import_table(scratch, table(grids), level="grid", crs="EPSG:4326", district=SCRATCH_DISTRICT)
    yield scratch, grids


def answers(engine: Engine, cache: LocatorCache, lon, lat) -> list:  # type: ignore[no-untyped-def]
    found = locate(engine, cache, lon, lat, district=SCRATCH_DISTRICT)
    return list(found.grid_codes)


def snapshot(engine: Engine) -> tuple:
    with engine.connect() as conn:
        state = cells_repo.state(conn, SCRATCH_DISTRICT, RES)
        cells = conn.execute(
            text("SELECT count(*), sum(cell % 1000003) FROM h3_cells WHERE adcode = :a"),
            {"a": SCRATCH_DISTRICT},
        ).one()
    return state, tuple(cells)


def test_failed_rebuild_leaves_the_previous_index(district) -> None:  # type: ignore[no-untyped-def]
    engine, grids = district
    lon, lat = sample_points(grids, 400)
    want = expected(table(grids), lon, lat)
    assert answers(engine, LocatorCache(RES), lon, lat) == want
    before = snapshot(engine)
    with engine.connect() as conn:
        cell = conn.execute(
            text("SELECT max(cell) FROM h3_cells WHERE adcode = :a"), {"a": SCRATCH_DISTRICT}
        ).scalar_one()
    # a constraint the existing rows are not checked against: rewriting that cell fails
    # halfway through the COPY of the rebuilt index, after every old cell was deleted
    with engine.begin() as conn:
        check = f"CHECK (cell <> {int(cell)}) NOT VALID"
        conn.execute(text(f"ALTER TABLE h3_cells ADD CONSTRAINT test_no_cell {check}"))
    try:
        with pytest.raises(psycopg.errors.CheckViolation):
            rebuild_index(engine, SCRATCH_DISTRICT, RES)
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE h3_cells DROP CONSTRAINT test_no_cell"))
    assert snapshot(engine) == before
    assert answers(engine, LocatorCache(RES), lon, lat) == want
    state = rebuild_index(engine, SCRATCH_DISTRICT, RES)  # and it still rebuilds
    assert state["version"] == before[0]["version"] + 1
    assert answers(engine, LocatorCache(RES), lon, lat) == want


def test_failed_index_update_rejects_the_import(district) -> None:  # type: ignore[no-untyped-def]
    engine, grids = district
    lon, lat = sample_points(grids, 400)
    old, new = table(grids), swapped(grids)
    assert expected(old, lon, lat) != expected(new, lon, lat)
    before = snapshot(engine)
    with engine.begin() as conn:
        conn.execute(text(REFUSE))
    try:
        with pytest.raises(psycopg.errors.RaiseException):
            import_table(engine, new, level="grid", crs="EPSG:4326", district=SCRATCH_DISTRICT)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER test_refuse ON h3_cells; DROP FUNCTION test_refuse()"))
    assert snapshot(engine) == before
    cache = LocatorCache(RES)
    assert answers(engine, cache, lon, lat) == expected(old, lon, lat)  # the grids too
    import_table(engine, new, level="grid", crs="EPSG:4326", district=SCRATCH_DISTRICT)
    cache.invalidate()
    assert answers(engine, cache, lon, lat) == expected(new, lon, lat)


def test_locate_during_imports_answers_old_or_new(district) -> None:  # type: ignore[no-untyped-def]
    engine, grids = district
    lon, lat = sample_points(grids, 1500, seed=3)
    files = [swapped(grids), table(grids)]
    want = [expected(t, lon, lat) for t in files]
    assert want[0] != want[1]
    done, problems = threading.Event(), []
    seen = [0, 0]

    def importer() -> None:
        try:
            for round_ in range(6):
                t = files[round_ % 2]
                import_table(engine, t, level="grid", crs="EPSG:4326", district=SCRATCH_DISTRICT)
        except Exception as exc:  # noqa: BLE001 - reported below
            problems.append(f"import: {exc!r}")
        finally:
            done.set()

    def reader(cache: LocatorCache) -> None:
        while not done.is_set():
            try:
                got = answers(engine, cache, lon, lat)
            except Exception as exc:  # noqa: BLE001 - reported below
                problems.append(f"locate: {exc!r}")
                return
            if got == want[0]:
                seen[0] += 1
            elif got == want[1]:
                seen[1] += 1
            else:
                mixed = sum(a != b and a != c for a, b, c in zip(got, *want, strict=True))
                problems.append(f"an answer matching neither grid file ({mixed} points)")
                return

    shared = LocatorCache(RES, recheck_seconds=0.0)  # re-reads the version on every call
    threads = [threading.Thread(target=importer)]
    threads += [threading.Thread(target=reader, args=(shared,)) for _ in range(2)]
    threads += [threading.Thread(target=reader, args=(LocatorCache(RES, 0.0),))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not problems, problems[:5]
    assert seen[0] and seen[1], seen  # both the old and the new grids were answered from
    assert not any(t.is_alive() for t in threads)
