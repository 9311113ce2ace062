"""Element tile layers (人、地、物、情、组织 on the command map): ``elements`` and ``heat``.

``elements`` at zoom ≥ 15 draws elements one by one (element_id, kind, category, tags,
name — none for people, masked for staff —, status, severity, grid_code); below 15 one
point per H3 cell at the cell's centre with ``count`` and a count per kind. ``heat`` draws
H3 hexagons with the ``count`` of the elements that carry a care tag (``tag``) or are of a
kind (``kind``), at every zoom. The resolution follows the zoom (``resolution``: a cell is
10–20 px wide) and stops at 10 (~0.015 km²): counts never come finer than a few buildings.

Counts are made once per district, data version, grid scope and tag, over the whole
district, at resolution 8 (zoom ≤ 12; coarser resolutions are summed from it) and 10 (zoom
13–14 and the heat layer from 15; 9 summed from it), and kept in ``TileCache.derived``: a
change to ``elements`` (its data-version triggers) makes new ones, and tiles only pick their
cells. Measured on 1 M elements (bench/element_tiles.py, a loaded 2-core machine): counting
a district takes 0.5–0.8 s at resolution 8 and 1.3–1.6 s at 10, once; each tile then takes
~20–30 ms. Counting per tile from the rows near it (the GiST index) cost 0.4–0.7 s for
every zoom-14 tile of a dense core: its rows lie on as many pages.

Roles (``gridsvc.auth``): individual people only for roles that read people (admins, grid
leaders); others get them as counts only (asking for their points is Forbidden). Staff
points carry their masked names, as the grid card shows them. A grid leader sees
the elements of its own grids only, points and counts alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely

from gridsvc.auth import PERSON, Action, Principal, authorize, sees_people
from gridsvc.errors import Forbidden
from gridsvc.repositories import element_tiles as repo
from gridsvc.repositories import tiles as tiles_repo
from gridsvc.repositories.tiles import EXTENT, TileSpec
from gridsvc.spatial import h3cells
from ingest.kinds import KINDS

if TYPE_CHECKING:
    from maps.tiles import TileCache

LAYERS = ("elements", "heat")
POINT_ZOOM = 15
#: Resolutions counted in SQL; the others are summed from the next finer one of these.
COUNTED_RES = (8, 10)
MIN_RES, MAX_RES = 5, 10
_KIND_INDEX = {k: i for i, k in enumerate(KINDS)}


@dataclass(frozen=True)
class ElementQuery:
    """What an element tile shows (part of its cache key): filters and the caller's reach."""

    kind: str | None
    tag: str | None
    people: bool  # the caller may see individual people
    grids: tuple[str, ...] | None  # a grid leader's own grids; None = no grid limit


def element_query(
    principal: Principal, layer: str, zoom: int, kind: str | None, tag: str | None
) -> ElementQuery:
    """The query of an element tile; Forbidden for people's points to a role without them."""
    authorize(principal, Action.READ_ELEMENTS)
    people = sees_people(principal)
    if layer == "elements" and zoom >= POINT_ZOOM and kind == PERSON and not people:
        raise Forbidden(
            f"role '{principal.role}' may not see individual people (kind '{kind}'); "
            "the heat layer and the grid card give their counts"
        )
    grids = tuple(sorted(principal.grid_codes)) if principal.grid_scoped else None
    return ElementQuery(kind, tag, people, grids)


def resolution(z: int) -> int:
    """The H3 resolution of counts drawn at zoom ``z`` (5 at z ≤ 9, 10 from z 14)."""
    return max(MIN_RES, min(z - 4, MAX_RES))


def draw(
    cache: TileCache,
    layer: str,
    spec: TileSpec,
    bounds: tuple[float, float, float, float],
    versions: dict[str, object],
    district: str | None,
    query: ElementQuery,
) -> bytes:
    """The MVT of ``layer`` for a tile with lon/lat ``bounds``; ``versions`` per district."""
    if layer == "elements" and spec.z >= POINT_ZOOM:
        shown = [k for k in KINDS if query.people or k != PERSON]
        kinds = [query.kind] if query.kind else shown
        return cache.db.run(
            lambda c: repo.point_tile(c, spec, district, query.grids, kinds, query.tag)
        )
    res = resolution(spec.z)
    found = [
        _near(_counts(cache, a, v, res, query), spec, bounds, layer) for a, v in versions.items()
    ]
    cells = np.concatenate([np.zeros(0, np.uint64), *(f["cells"] for f in found)])
    if not cells.size:
        return b""
    matrix = np.concatenate([f["matrix"] for f in found])
    count = matrix[:, _KIND_INDEX[query.kind]] if query.kind else matrix.sum(axis=1)
    keep = count > 0
    cells, matrix, count = cells[keep], matrix[keep], count[keep]
    if not cells.size:
        return b""
    names = h3cells.cells_to_str(cells).tolist()
    if layer == "heat":
        wkb = shapely.to_wkb(h3cells.cell_polygons(cells)).tolist()
        return cache.db.run(
            lambda c: tiles_repo.hexagon_tile(c, spec, "heat", wkb, names, count.tolist())
        )
    lon, lat = (np.concatenate([f[k] for f in found])[keep].tolist() for k in ("lng", "lat"))
    counts = {"count": count.tolist()}
    if not query.kind:
        counts.update({k: matrix[:, i].tolist() for k, i in _KIND_INDEX.items()})
    return cache.db.run(lambda c: repo.cell_point_tile(c, spec, lon, lat, names, counts))


def _counts(cache: TileCache, adcode: str, version: object, res: int, query: ElementQuery) -> dict:
    """Cells at ``res`` of one district with a count per kind (rows: cells, columns: KINDS)."""
    key = ("elements", adcode, version, res, query.grids, query.tag)

    def make() -> dict:
        finer = min((r for r in COUNTED_RES if r >= res), default=res)
        if finer != res:  # summed from the next finer counts
            return coarsen(_counts(cache, adcode, version, finer, query), res)
        rows = cache.db.run(
            lambda c: repo.cell_counts(c, res, adcode, query.grids, KINDS, query.tag)
        )
        return aggregate(rows, res)

    return cache.derived(key, make)


def aggregate(rows: list[tuple[int, str, int]], res: int) -> dict:
    """(cell, kind, count) rows as sorted unique cells, a count matrix and cell centres."""
    raw = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)).view(np.uint64)
    kind = np.fromiter((_KIND_INDEX[r[1]] for r in rows), dtype=np.int64, count=len(rows))
    number = np.fromiter((r[2] for r in rows), dtype=np.int64, count=len(rows))
    cells, inverse = np.unique(raw, return_inverse=True)
    matrix = np.zeros((cells.size, len(KINDS)), dtype=np.int64)
    np.add.at(matrix, (inverse, kind), number)
    return _with_centres(cells, matrix, res)


def coarsen(agg: dict, res: int) -> dict:
    """The counts of ``agg`` summed into their parent cells at the coarser ``res``."""
    parents = h3cells.cell_parents(agg["cells"], res) if agg["cells"].size else agg["cells"]
    cells, inverse = np.unique(parents, return_inverse=True)
    matrix = np.zeros((cells.size, len(KINDS)), dtype=np.int64)
    np.add.at(matrix, inverse, agg["matrix"])
    return _with_centres(cells, matrix, res)


def _with_centres(cells: np.ndarray, matrix: np.ndarray, res: int) -> dict:
    lng, lat = h3cells.cell_centres(cells) if cells.size else (np.zeros(0), np.zeros(0))
    pad = 1.5 * h3cells.edge_length_m(res) / 111_320.0  # centre to vertex, degrees of lat
    return {"cells": cells, "matrix": matrix, "lng": lng, "lat": lat, "pad": pad}


def _near(agg: dict, spec: TileSpec, bounds: tuple[float, float, float, float], layer: str) -> dict:
    """The cells of ``agg`` drawn on the tile: centres inside it, grown by the tile buffer
    (points) or by a cell's radius too (hexagons); bounds moved back by the shift."""
    w, s, e, n = bounds
    margin = (e - w) * 64 / EXTENT
    w, e, s, n = (
        w - spec.dx - margin,
        e - spec.dx + margin,
        s - spec.dy - margin,
        n - spec.dy + margin,
    )
    lat_pad = agg["pad"] if layer == "heat" else 0.0
    lng_pad = lat_pad / max(math.cos(math.radians(max(abs(s), abs(n)))), 0.05)
    inside_lng = (agg["lng"] >= w - lng_pad) & (agg["lng"] <= e + lng_pad)
    hit = inside_lng & (agg["lat"] >= s - lat_pad) & (agg["lat"] <= n + lat_pad)
    return {k: (v[hit] if isinstance(v, np.ndarray) else v) for k, v in agg.items()}
