"""Geometric building blocks of the demo generator, in a local metric plane (metres).

Seeds are sampled by density, clustered with k-means, and parents are cut into children by
clipping the Voronoi diagram of the children's sites to the parent. Children tile their
parent exactly (up to floating-point noise); stray parts of a clipped cell are handed to the
sibling they touch, so that units are contiguous wherever the parent is.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

Coords = Callable[[np.ndarray], np.ndarray]
AreaFn = Callable[[np.ndarray, np.ndarray], np.ndarray]

_WGS84_A = 6378137.0
_WGS84_E2 = 6.69437999014e-3

#: Distance (m) under which two pieces count as touching.
TOUCH_TOLERANCE_M = 1e-3


def local_transforms(lon: float, lat: float) -> tuple[Coords, Coords]:
    """Coordinate functions lon/lat° → local equirectangular metres at (lon, lat), and back.

    The projection is affine in longitude and latitude (PROJ ``eqc`` with the WGS 84 scale at
    the centre), so a straight edge in metres is a straight edge in degrees: vertices that the
    overlays insert on a parent's edge stay exactly on it once back in EPSG:4326, where
    PostGIS compares them. Scale error is about ±0.2 % per 0.25° of latitude from the centre.
    """
    phi = math.radians(lat)
    w = math.sqrt(1.0 - _WGS84_E2 * math.sin(phi) ** 2)
    m_per_deg_lon = math.radians(1.0) * _WGS84_A / w * math.cos(phi)
    m_per_deg_lat = math.radians(1.0) * _WGS84_A * (1.0 - _WGS84_E2) / w**3
    scale = np.array([m_per_deg_lon, m_per_deg_lat])
    origin = np.array([lon, lat], dtype=float)

    def forward(coords: np.ndarray) -> np.ndarray:
        return (coords[:, :2] - origin) * scale

    def inverse(coords: np.ndarray) -> np.ndarray:
        return coords[:, :2] / scale + origin

    return forward, inverse


def polygon_parts(geom: BaseGeometry | None) -> list[Polygon]:
    """The non-empty polygons inside any geometry (collections flattened, lines/points dropped)."""
    if geom is None or geom.is_empty:
        return []
    parts = shapely.get_parts(shapely.get_parts(geom))
    keep = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)
    return list(parts[keep])


def polygonal(geom: BaseGeometry | None) -> Polygon | MultiPolygon | None:
    """Reduce a geometry to a valid Polygon or MultiPolygon of its areal parts (None if none)."""
    if geom is not None and not geom.is_empty and not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = polygon_parts(geom)
    if not parts:
        return None
    result = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    if not result.is_valid:
        parts = polygon_parts(shapely.make_valid(shapely.union_all(parts)))
        result = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    return result


def kmeans(
    points: np.ndarray,
    k: int,
    rng: np.random.Generator,
    iterations: int = 25,
    min_size: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Lloyd k-means (k-means++ start, fixed iterations); (centres, labels), no tiny cluster."""
    n = len(points)
    k = max(1, min(k, n))
    centres = np.empty((k, 2))
    centres[0] = points[rng.integers(n)]
    d2 = ((points - centres[0]) ** 2).sum(axis=1)
    for i in range(1, k):
        total = d2.sum()
        pick = rng.choice(n, p=d2 / total) if total > 0 else rng.integers(n)
        centres[i] = points[pick]
        d2 = np.minimum(d2, ((points - centres[i]) ** 2).sum(axis=1))
    for _ in range(iterations):
        labels = _nearest(points, centres)
        counts = np.bincount(labels, minlength=k)
        filled = counts > 0
        for axis in (0, 1):
            sums = np.bincount(labels, weights=points[:, axis], minlength=k)
            centres[filled, axis] = sums[filled] / counts[filled]
    labels = _nearest(points, centres)
    counts = np.bincount(labels, minlength=k)
    big = counts >= min(min_size, counts.max())
    if not big.all():
        # Fold clusters that are too small into their neighbours, then re-centre once.
        centres = centres[big]
        labels = _nearest(points, centres)
        for axis in (0, 1):
            centres[:, axis] = np.bincount(labels, weights=points[:, axis]) / np.bincount(labels)
        labels = _nearest(points, centres)
    used = np.unique(labels)
    return centres[used], np.searchsorted(used, labels)


def _nearest(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return np.argmin(d2, axis=1)


def sample_seeds(
    region: BaseGeometry,
    area_m2: AreaFn,
    count: int,
    rng: np.random.Generator,
    *,
    min_area_m2: float,
    spacing: float = 0.65,
    batch: int = 8192,
    max_batches: int = 2000,
) -> np.ndarray:
    """``count`` points in ``region``: density ∝ 1/area_m2 (m², ≥ min_area_m2), blue noise."""
    minx, miny, maxx, maxy = region.bounds
    shapely.prepare(region)
    xs, ys, radii = np.empty(count), np.empty(count), np.empty(count)
    found = 0
    for _ in range(max_batches):
        if found >= count:
            break
        x = rng.uniform(minx, maxx, batch)
        y = rng.uniform(miny, maxy, batch)
        area = area_m2(x, y)
        keep = (rng.random(batch) < min_area_m2 / area) & shapely.contains_xy(region, x, y)
        # Random sequential addition: a candidate needs room of about its own cell size.
        for cx, cy, r in zip(x[keep], y[keep], spacing * np.sqrt(area[keep]), strict=True):
            if found:
                gap = 0.5 * (r + radii[:found])
                if (((xs[:found] - cx) ** 2 + (ys[:found] - cy) ** 2) < gap * gap).any():
                    continue
            xs[found], ys[found], radii[found] = cx, cy, r
            found += 1
            if found >= count:
                break
    return np.column_stack([xs[:found], ys[:found]])


def voronoi_cells(sites: np.ndarray, parent: BaseGeometry) -> list[BaseGeometry | None]:
    """Voronoi cells of ``sites`` (in site order) clipped to ``parent``; raw, possibly empty."""
    if len(sites) == 1:
        return [parent]
    diagram = shapely.voronoi_polygons(shapely.multipoints(sites), extend_to=parent, ordered=True)
    cells = shapely.get_parts(diagram)
    if len(cells) != len(sites):
        raise ValueError("Voronoi sites must be distinct")
    shapely.prepare(parent)
    inside = shapely.contains(parent, cells)
    clipped = np.array(cells, dtype=object)
    clipped[~inside] = shapely.intersection(cells[~inside], parent)
    return list(clipped)


def relax(seeds: np.ndarray, region: BaseGeometry) -> np.ndarray:
    """One Lloyd step: move each seed to the centroid of its Voronoi cell when that is inside."""
    if len(seeds) < 2:
        return seeds
    cells = np.array(voronoi_cells(seeds, region), dtype=object)
    centroids = shapely.get_coordinates(shapely.centroid(cells), include_z=False)
    if len(centroids) != len(seeds):
        return seeds
    ok = shapely.contains_xy(region, centroids[:, 0], centroids[:, 1])
    moved = seeds.copy()
    moved[ok] = centroids[ok]
    return moved


def partition(sites: np.ndarray, parent: BaseGeometry) -> list[Polygon | MultiPolygon | None]:
    """Cut ``parent`` into one piece per site (Voronoi ∩ parent), stray parts given to siblings."""
    cells = voronoi_cells(sites, parent)
    pieces: list[Polygon] = []
    owner: list[int] = []
    attached: list[bool] = []
    for i, cell in enumerate(cells):
        parts = sorted(polygon_parts(cell), key=lambda p: p.area, reverse=True)
        pieces.extend(parts)
        owner.extend([i] * len(parts))
        attached.extend([True] + [False] * (len(parts) - 1))
    owners = np.array(owner, dtype=np.intp)
    _adopt_strays(np.array(pieces, dtype=object), owners, np.array(attached, dtype=bool))
    groups: list[list[Polygon]] = [[] for _ in cells]
    for piece, i in zip(pieces, owners, strict=True):
        groups[i].append(piece)
    return [_merge(group) for group in groups]


def _adopt_strays(pieces: np.ndarray, owner: np.ndarray, attached: np.ndarray) -> None:
    """Give each stray piece (not its cell's largest) to the attached piece it borders most.

    Pieces are adopted outwards from the cells' main pieces, pass by pass, so a stray that
    only touches other strays waits until one of them is attached. Updates ``owner`` in place;
    a stray touching nothing (an island of the parent) stays with its own cell.
    """
    strays = np.flatnonzero(~attached)
    if len(strays) == 0:
        return
    borders: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for s in strays:
        dist = shapely.distance(pieces, pieces[s])
        dist[s] = np.inf
        near = np.flatnonzero(dist <= TOUCH_TOLERANCE_M)
        band = shapely.buffer(shapely.boundary(pieces[s]), TOUCH_TOLERANCE_M)
        shared = shapely.length(shapely.intersection(shapely.boundary(pieces[near]), band))
        borders[int(s)] = (near, shared)
    changed = True
    while changed:
        changed = False
        for s in strays:
            if attached[s]:
                continue
            near, shared = borders[int(s)]
            ok = attached[near]
            if ok.any():
                best = near[ok][int(np.argmax(shared[ok]))]
                owner[s] = owner[best]
                attached[s] = changed = True


def _merge(pieces: list[Polygon]) -> Polygon | MultiPolygon | None:
    if not pieces:
        return None
    if len(pieces) == 1:
        return pieces[0]
    return polygonal(shapely.union_all(pieces))


def assign(points: np.ndarray, polygons: list[BaseGeometry | None]) -> np.ndarray:
    """Index of the polygon containing each point (nearest polygon for points on no polygon)."""
    labels = np.full(len(points), -1, dtype=np.intp)
    if len(points) == 0:
        return labels
    for i, poly in enumerate(polygons):
        if poly is None:
            continue
        hit = (labels < 0) & shapely.contains_xy(poly, points[:, 0], points[:, 1])
        labels[hit] = i
    missing = np.flatnonzero(labels < 0)
    if len(missing):
        pts = shapely.points(points[missing])
        dist = np.stack(
            [
                np.full(len(missing), np.inf) if poly is None else shapely.distance(poly, pts)
                for poly in polygons
            ],
            axis=1,
        )
        labels[missing] = np.argmin(dist, axis=1)
    return labels
