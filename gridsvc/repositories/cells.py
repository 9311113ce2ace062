"""The persisted H3 cell index of each district, and its version."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from gridsvc.db.models import CellIndexState, H3Cell
from gridsvc.repositories.bulk import copy_rows

Record = tuple[int, str | None, list[str]]


def replace_cells(
    conn: Connection, adcode: str, resolution: int, removed: Iterable[int],
    records: Iterable[Record], *, full: bool = False,
) -> int:  # fmt: skip
    """Delete ``removed`` cells (or all with ``full``), then COPY ``records`` in."""
    where = [H3Cell.adcode == adcode, H3Cell.resolution == resolution]
    if full:
        conn.execute(delete(H3Cell).where(*where))
    else:
        gone = [int(c) for c in removed]
        for start in range(0, len(gone), 50_000):
            chunk = gone[start : start + 50_000]
            conn.execute(delete(H3Cell).where(*where, H3Cell.cell.in_(chunk)))
    rows = ((adcode, resolution, cell, grid, cands) for cell, grid, cands in records)
    return copy_rows(
        conn, "h3_cells", ("adcode", "resolution", "cell", "grid_code", "candidates"), rows
    )


def bump_state(
    conn: Connection, adcode: str, resolution: int, *, grids: int, interior: int, boundary: int
) -> int:
    """Record a rebuilt index; returns its new version."""
    stmt = pg_insert(CellIndexState).values(
        adcode=adcode, resolution=resolution, grids=grids,
        interior_cells=interior, boundary_cells=boundary,
    )  # fmt: skip
    stmt = stmt.on_conflict_do_update(
        index_elements=[CellIndexState.adcode, CellIndexState.resolution],
        set_={
            "version": CellIndexState.version + 1, "grids": grids,
            "interior_cells": interior, "boundary_cells": boundary, "built_at": func.now(),
        },
    ).returning(CellIndexState.version)  # fmt: skip
    return int(conn.execute(stmt).scalar_one())


def state(conn: Connection, adcode: str, resolution: int) -> dict | None:
    """The index state row of a district, or None when it has no index."""
    t = CellIndexState
    row = (
        conn.execute(
            select(t.version, t.grids, t.interior_cells, t.boundary_cells, t.built_at).where(
                t.adcode == adcode, t.resolution == resolution
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def indexed_districts(conn: Connection, resolution: int) -> list[str]:
    """Adcodes that have an index at ``resolution``."""
    q = select(CellIndexState.adcode).where(CellIndexState.resolution == resolution)
    return list(conn.execute(q.order_by(CellIndexState.adcode)).scalars())


def load_records(conn: Connection, adcode: str, resolution: int) -> list[Record]:
    """Every stored cell of a district's index as (cell, grid_code, candidates)."""
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        cur.execute(
            "SELECT cell, grid_code, candidates FROM h3_cells "
            "WHERE adcode = %s AND resolution = %s",
            (adcode, resolution),
        )
        return cur.fetchall()
