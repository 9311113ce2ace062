"""Exact location equals PostGIS: the smallest code of the grids that ``ST_Covers`` a point."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import shapely
from sqlalchemy import Connection, Engine, text

from gridsvc.spatial.cellindex import build_cell_index
from gridsvc.spatial.locate import Locator
from gridsvc.spatial.raster import MAX_CELLS
from tests.unit.test_locate import district_layer, square_layer


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back: nothing persists."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


def postgis_codes(
    conn: Connection, codes: np.ndarray, geoms: np.ndarray, lng: np.ndarray, lat: np.ndarray
) -> list[str | None]:
    """Load grids and points into temp tables; smallest covering code per point."""
    conn.execute(text("DROP TABLE IF EXISTS loc_grids, loc_points"))
    conn.execute(text("CREATE TEMP TABLE loc_grids (code text, geom geometry(MultiPolygon,4326))"))
    conn.execute(text("CREATE TEMP TABLE loc_points (id int, geom geometry(Point,4326))"))
    wkb = shapely.to_wkb(geoms, hex=True)
    conn.execute(
        text(
            "INSERT INTO loc_grids SELECT c, ST_Multi(ST_GeomFromWKB(decode(w, 'hex'), 4326))"
            " FROM unnest(CAST(:codes AS text[]), CAST(:wkb AS text[])) AS t(c, w)"
        ),
        {"codes": codes.tolist(), "wkb": wkb.tolist()},
    )
    conn.execute(text("CREATE INDEX ON loc_grids USING gist (geom)"))
    conn.execute(
        text(
            "INSERT INTO loc_points SELECT i - 1, ST_SetSRID(ST_MakePoint(x, y), 4326)"
            " FROM unnest(CAST(:x AS float8[]), CAST(:y AS float8[])) WITH ORDINALITY AS t(x, y, i)"
        ),
        {"x": lng.tolist(), "y": lat.tolist()},
    )
    conn.execute(text("ANALYZE loc_grids"))
    rows = conn.execute(
        text(
            "SELECT p.id, (SELECT min(g.code) FROM loc_grids g WHERE ST_Covers(g.geom, p.geom))"
            " FROM loc_points p ORDER BY p.id"
        )
    ).all()
    assert [r[0] for r in rows] == list(range(lng.size))
    return [r[1] for r in rows]


def _edge_points(geoms: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """All vertices, plus points interpolated along and at the middle of random edges."""
    xy = shapely.get_coordinates(geoms)
    i = rng.integers(0, len(xy) - 1, n)
    t = rng.uniform(0, 1, (n, 1))
    return np.vstack([xy, xy[i] + t * (xy[i + 1] - xy[i]), (xy[i] + xy[i + 1]) / 2])


def _compare(conn: Connection, codes: np.ndarray, geoms: np.ndarray, pts: np.ndarray) -> None:
    index = build_cell_index(codes, geoms)
    theirs = postgis_codes(conn, codes, geoms, pts[:, 0], pts[:, 1])
    for cells in (MAX_CELLS, 400):  # the default raster, and one of few, crowded cells
        locator = Locator(index, geoms, raster_cells=cells)
        ours = locator.codes(locator.locate(pts[:, 0], pts[:, 1]).grid_id).tolist()
        bad = [k for k, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
        assert not bad, f"{len(bad)} points differ, e.g. {pts[bad[:3]].tolist()}"
        assert locator.codes(locator.locate_grids(pts[:, 0], pts[:, 1])).tolist() == ours
    assert None in theirs and any(c is not None for c in theirs)  # outside and inside both hit


def test_generated_district_matches_postgis(conn: Connection) -> None:
    codes, geoms = district_layer()
    rng = np.random.default_rng(11)
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    random = np.column_stack(
        [rng.uniform(xmin - 0.01, xmax + 0.01, 6000), rng.uniform(ymin - 0.01, ymax + 0.01, 6000)]
    )
    _compare(conn, codes, geoms, np.vstack([random, _edge_points(geoms, 2000, rng)]))


def test_exact_borders_and_vertices_match_postgis(conn: Connection) -> None:
    codes, geoms = square_layer()
    step, n = 2.0**-10, 8
    lng_lines, lat_lines = 104.0 + np.arange(n + 1) * step, 30.5 + np.arange(n + 1) * step
    rng = np.random.default_rng(12)
    gx, gy = np.meshgrid(lng_lines, lat_lines)
    span_x, span_y = (103.999, 104.001 + n * step), (30.499, 30.501 + n * step)
    pts = np.vstack(
        [
            np.column_stack([gx.ravel(), gy.ravel()]),  # every vertex of the lattice
            np.column_stack([rng.choice(lng_lines, 2000), rng.uniform(*span_y, 2000)]),
            np.column_stack([rng.uniform(*span_x, 2000), rng.choice(lat_lines, 2000)]),
            np.column_stack([rng.uniform(*span_x, 2000), rng.uniform(*span_y, 2000)]),
            [[np.nextafter(104.0 + 4 * step, 0), 30.5 + 4 * step]],  # just off a vertex
        ]
    )
    _compare(conn, codes, geoms, pts)
