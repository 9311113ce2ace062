"""Where demo cameras stand: beside the generated grid boundaries (the demo's streets) and
at their junctions (vertices where three or more grids meet). Pure.

A boundary is sampled per metre, a rural grid's at ``RURAL_WEIGHT`` of an urban one's, so
the urban core (small grids, more boundary per km²) gets most cameras. A roadside point
stands ``ROADSIDE_M`` inside the grid on one side of the boundary, never on it (a point on
a shared edge would belong to either grid); its ``bearing`` is the boundary's direction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from gridsvc.demo.area import DemoArea
from gridsvc.geo.measure import metres_per_degree

ROADSIDE_M = 6.0  # a roadside point stands this far inside its grid
CORNER_M = (
    9.0,
    14.0,
    20.0,
    30.0,
    45.0,
)  # a junction camera stands this far into a grid (tried in order)
RURAL_WEIGHT = 0.12  # sampling weight per metre of a rural grid's boundary


@dataclass(frozen=True)
class Segments:
    """Every edge of every grid's outer ring(s): start and end (lon, lat), grid index,
    length (m), bearing (degrees clockwise from north, start → end)."""

    start: np.ndarray  # (n, 2)
    end: np.ndarray  # (n, 2)
    grid: np.ndarray
    length_m: np.ndarray
    bearing: np.ndarray


@dataclass(frozen=True)
class Sites:
    """Camera sites: position, grid index, a road direction there (degrees), and the
    segments naming the road (and, at a junction, the crossing road)."""

    lon: np.ndarray
    lat: np.ndarray
    grid: np.ndarray
    bearing: np.ndarray
    road: np.ndarray  # segment index
    cross: np.ndarray  # segment index of the crossing road (junctions), else -1


def segments(area: DemoArea) -> Segments:
    """The edges of the grids' outer rings."""
    parts, owner = shapely.get_parts(area.geoms, return_index=True)
    rings = shapely.get_exterior_ring(parts)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    start, end = xy[:-1][same], xy[1:][same]
    grid = owner[ring[:-1][same]]
    per_lon, per_lat = metres_per_degree((start[:, 1] + end[:, 1]) / 2)
    dx = (end[:, 0] - start[:, 0]) * per_lon
    dy = (end[:, 1] - start[:, 1]) * per_lat
    bearing = np.degrees(np.arctan2(dx, dy)) % 360.0
    return Segments(start, end, grid.astype(np.int64), np.hypot(dx, dy), bearing)


def _weights(area: DemoArea, segs: Segments) -> np.ndarray:
    w = segs.length_m * np.where(area.urban[segs.grid], 1.0, RURAL_WEIGHT)
    return w / w.sum()


def _inside(area: DemoArea, grid: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    if not len(grid):
        return np.zeros(0, dtype=bool)
    return np.asarray(shapely.contains_xy(area.inner[grid], x, y), dtype=bool)


def roadside(area: DemoArea, segs: Segments, n: int, rng: np.random.Generator) -> Sites:
    """``n`` sites beside the boundaries, sampled per metre (module doc)."""
    pick = rng.choice(len(segs.grid), size=n, p=_weights(area, segs))
    t = rng.uniform(0.15, 0.85, n)[:, None]
    base = segs.start[pick] + t * (segs.end[pick] - segs.start[pick])
    grid = segs.grid[pick]
    per_lon, per_lat = metres_per_degree(base[:, 1])
    # the left-hand normal of the edge, in degrees for ROADSIDE_M metres
    rad = np.radians(segs.bearing[pick])
    nx, ny = -np.cos(rad) * ROADSIDE_M / per_lon, np.sin(rad) * ROADSIDE_M / per_lat
    lon, lat = base[:, 0] + nx, base[:, 1] + ny
    ok = _inside(area, grid, lon, lat)
    lon2, lat2 = base[:, 0] - nx, base[:, 1] - ny
    other = ~ok & _inside(area, grid, lon2, lat2)
    lon[other], lat[other] = lon2[other], lat2[other]
    bad = np.flatnonzero(~ok & ~other)
    if len(bad):  # a sliver: anywhere inside the grid
        xy = area.points(grid[bad], rng)
        lon[bad], lat[bad] = xy[:, 0], xy[:, 1]
    none = np.full(n, -1, dtype=np.int64)
    return Sites(lon, lat, grid, segs.bearing[pick], pick.astype(np.int64), none)


def junctions(segs: Segments) -> tuple[np.ndarray, list[np.ndarray]]:
    """Vertices shared by three or more grids: (lon, lat) rows and, for each, the indices of
    the segments starting there."""
    key = np.round(segs.start * 1e7).astype(np.int64)
    uniq, inverse = np.unique(key, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    pairs = np.unique(np.column_stack([inverse, segs.grid]), axis=0)
    grids_at = np.bincount(pairs[:, 0], minlength=len(uniq))
    chosen = np.flatnonzero(grids_at >= 3)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(uniq) + 1))
    starting = [order[bounds[j] : bounds[j + 1]] for j in chosen]
    return uniq[chosen] / 1e7, starting


def _corner(area: DemoArea, g: int, junction: np.ndarray, rng: np.random.Generator) -> tuple:
    """A point of grid ``g`` a few metres from a junction: towards the grid's inside first,
    else in the first of 32 directions that lands inside it (a sharp corner: farther)."""
    jx, jy = float(junction[0]), float(junction[1])
    centre = shapely.get_coordinates(shapely.point_on_surface(area.geoms[g]))[0]
    per_lon, per_lat = (float(v[0]) for v in metres_per_degree(np.array([jy])))
    toward = np.arctan2((centre[0] - jx) * per_lon, (centre[1] - jy) * per_lat)
    angles = toward + np.radians(np.r_[0.0, np.arange(1, 32) * 11.25])
    for step in CORNER_M:
        x = jx + np.sin(angles) * step / per_lon
        y = jy + np.cos(angles) * step / per_lat
        ok = _inside(area, np.full(len(x), g), x, y)
        if ok.any():
            k = int(np.argmax(ok))
            return float(x[k]), float(y[k])
    xy = area.points(np.array([g]), rng)[0]
    return float(xy[0]), float(xy[1])


def at_junctions(area: DemoArea, segs: Segments, n: int, rng: np.random.Generator) -> Sites:
    """``n`` sites at junctions (1–4 per junction, urban ones first in the draw), each a few
    metres into one of the grids there, looking down one of its roads."""
    points, starting = junctions(segs)
    if not len(points):
        return roadside(area, segs, n, rng)
    urban = np.array([area.urban[segs.grid[s]].any() for s in starting])
    weight = np.where(urban, 1.0, RURAL_WEIGHT)
    per = rng.integers(1, 5, len(points))
    order = rng.choice(len(points), size=len(points), replace=False, p=weight / weight.sum())
    chosen = np.repeat(order, per[order])[:n]
    while len(chosen) < n:  # more cameras than junction corners: go round again
        chosen = np.concatenate([chosen, order])[:n]
    rows = []
    for j in chosen:
        seg = int(rng.choice(starting[j]))
        g = int(segs.grid[seg])
        x, y = _corner(area, g, points[j], rng)
        crossing = [s for s in starting[j] if s != seg]
        cross = int(rng.choice(crossing)) if crossing else -1
        rows.append((x, y, g, float(segs.bearing[seg]), seg, cross))
    lon, lat, grid, bearing, road, cross_ = (np.array(col) for col in zip(*rows, strict=True))
    as_int = np.int64
    return Sites(lon, lat, grid.astype(as_int), bearing, road.astype(as_int), cross_.astype(as_int))
