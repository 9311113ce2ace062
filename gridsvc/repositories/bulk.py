"""COPY-based bulk writes (psycopg 3), and geometry encoding for them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import shapely
from sqlalchemy import Connection

from gridsvc.geo import SRID


def ewkb_hex(geoms: Sequence, *, multi: bool = True) -> list[str | None]:
    """Hex EWKB (SRID 4326) of each geometry, Polygons promoted to MultiPolygons."""
    arr = np.asarray(geoms, dtype=object)
    if multi:
        single = shapely.get_type_id(arr) == 3
        if single.any():
            arr = arr.copy()
            arr[single] = [shapely.multipolygons([g]) for g in arr[single]]
    arr = shapely.set_srid(arr, SRID)
    return list(shapely.to_wkb(arr, hex=True, include_srid=True))


def copy_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence]
) -> int:
    """COPY ``rows`` into ``table`` inside the connection's transaction; returns the count."""
    raw = conn.connection.driver_connection
    cols = ", ".join(columns)
    n = 0
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n
