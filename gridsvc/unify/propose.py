"""Propose a unified grid by overlaying departmental layers inside each community (lon/lat, m²).

Per community: the community boundary and the boundaries of every departmental grid near it are
noded and polygonized into atomic faces (so uncovered parts of the community are faces too and
nothing crosses the community border); faces below a minimum area are merged, smallest first,
into the neighbour with the longest shared border; the results are numbered in reading order.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gridsvc.coding import Level, number_children, validate_code
from gridsvc.errors import InvalidInput
from gridsvc.geo.measure import (
    areas_m2,
    as_geometry_array,
    metres_per_degree,
    non_empty,
    polygonal_parts,
    representative_points,
)

#: A departmental grid is a source of a proposed grid when it covers at least this share of it.
SOURCE_MIN_SHARE = 0.01
DEFAULT_MIN_AREA_M2 = 20_000.0
_MARGIN_DEG = 1e-6  # bounding-box margin when clipping boundaries near a community (~0.1 m)


@dataclass(frozen=True)
class ProposedGrid:
    """One proposed unified grid: 15-digit code, community code, lon/lat geometry, sources."""

    code: str
    parent_code: str
    geometry: BaseGeometry
    sources: tuple[str, ...]


def propose_unified_grid(
    layers: Sequence[tuple[Sequence[Any], Any]],
    community_codes: Sequence[Any],
    community_geoms: Any,
    *,
    min_area_m2: float = DEFAULT_MIN_AREA_M2,
) -> list[ProposedGrid]:
    """Overlay layers (codes, geoms) per community; merge faces below min_area_m2 (m²); number."""
    communities = as_geometry_array(community_geoms)
    names = [str(c) for c in community_codes]
    if len(names) != len(communities):
        raise InvalidInput(f"{len(names)} community codes for {len(communities)} geometries")
    for code in names:
        problem = validate_code(code, Level.COMMUNITY)
        if problem is not None:
            raise InvalidInput(problem, code=code)
    codes, geoms, layer_of = _flatten(layers)
    tree = shapely.STRtree(geoms)
    c_idx, f_idx = tree.query(communities, predicate="intersects")
    f_idx = f_idx[np.lexsort((f_idx, c_idx))]
    c_idx = np.sort(c_idx, kind="stable")
    bounds = np.searchsorted(c_idx, np.arange(len(communities) + 1))
    out: list[ProposedGrid] = []
    for k, (code, community) in enumerate(zip(names, communities, strict=True)):
        if not bool(non_empty(as_geometry_array(community))[0]):
            raise InvalidInput(f"community {code} has no geometry", code=code)
        near = f_idx[bounds[k] : bounds[k + 1]]
        out += _propose_in(code, community, codes[near], geoms[near], layer_of[near], min_area_m2)
    return out


def _flatten(
    layers: Sequence[tuple[Sequence[Any], Any]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All layers' codes, valid polygonal geometries and layer numbers (empties dropped)."""
    codes: list[str] = []
    parts: list[np.ndarray] = []
    layer_of: list[int] = []
    for number, (layer_codes, layer_geoms) in enumerate(layers):
        arr = as_geometry_array(layer_geoms)
        if len(layer_codes) != len(arr):
            raise InvalidInput(f"{len(layer_codes)} departmental codes for {len(arr)} geometries")
        codes += [str(c) for c in layer_codes]
        layer_of += [number] * len(arr)
        parts.append(arr)
    geoms = np.concatenate(parts) if parts else np.empty(0, dtype=object)
    bad = np.flatnonzero(non_empty(geoms) & ~shapely.is_valid(geoms))
    geoms[bad] = polygonal_parts(shapely.make_valid(geoms[bad]))
    keep = non_empty(geoms)
    return np.asarray(codes, dtype=object)[keep], geoms[keep], np.asarray(layer_of, int)[keep]


def _faces(community: BaseGeometry, feats: np.ndarray) -> np.ndarray:
    """Atomic faces of the community cut by the features' boundaries (tiling the community)."""
    if feats.size == 0:
        return as_geometry_array(community)
    xmin, ymin, xmax, ymax = community.bounds
    lines = shapely.clip_by_rect(
        shapely.boundary(feats),
        xmin - _MARGIN_DEG,
        ymin - _MARGIN_DEG,
        xmax + _MARGIN_DEG,
        ymax + _MARGIN_DEG,
    )
    noded = shapely.union_all(np.concatenate([[shapely.boundary(community)], lines]))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    # Every face lies inside or outside the community; measure which, since GEOS may put the
    # interior point of a thin face on its border (or return a vertex).
    within = shapely.area(shapely.intersection(faces, community))
    inside = within > 0.5 * shapely.area(faces)
    return faces[inside]


def _adjacency(faces: np.ndarray, lat: float) -> list[dict[int, float]]:
    """Shared border length (m) between every pair of touching faces."""
    left, right = shapely.STRtree(faces).query(faces, predicate="intersects")
    left, right = left[left < right], right[left < right]
    shared = shapely.intersection(shapely.boundary(faces[left]), shapely.boundary(faces[right]))
    per_lon, per_lat = metres_per_degree(lat)
    scale = np.array([float(per_lon), float(per_lat)])
    lengths = shapely.length(shapely.transform(shared, lambda xy: xy * scale))
    nbrs: list[dict[int, float]] = [{} for _ in range(len(faces))]
    for a, b, length in zip(left.tolist(), right.tolist(), lengths.tolist(), strict=True):
        nbrs[a][b] = nbrs[b][a] = length
    return nbrs


def _merge_small(
    faces: np.ndarray, areas: np.ndarray, min_area_m2: float, lat: float
) -> list[list[int]]:
    """Groups of face indices: faces below min_area_m2 (m²) merged into their best neighbour."""
    n = len(faces)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    area = {i: float(areas[i]) for i in range(n)}
    nbrs = _adjacency(faces, lat) if n > 1 else [{}]
    heap = [(area[i], i) for i in range(n) if area[i] < min_area_m2]
    heapq.heapify(heap)
    while heap and len(members) > 1:
        a, g = heapq.heappop(heap)
        if g not in members or a != area[g]:
            continue  # stale entry
        if nbrs[g]:
            h = max(nbrs[g], key=lambda k: (nbrs[g][k], -k))
        else:  # an island: join the nearest other group
            h = _nearest_group(g, faces, members)
        for k, length in nbrs[g].items():
            if k != h:
                nbrs[h][k] = nbrs[k][h] = nbrs[h].get(k, 0.0) + length
            del nbrs[k][g]
        nbrs[g] = {}
        members[h] += members.pop(g)
        area[h] += area.pop(g)
        if area[h] < min_area_m2:
            heapq.heappush(heap, (area[h], h))
    return [sorted(m) for _, m in sorted(members.items())]


def _nearest_group(g: int, faces: np.ndarray, members: dict[int, list[int]]) -> int:
    own = shapely.union_all(faces[members[g]])
    best, best_d = -1, np.inf
    for h, m in members.items():
        if h != g:
            d = float(np.min(shapely.distance(own, faces[m])))
            if d < best_d:
                best, best_d = h, d
    return best


def _union(faces: np.ndarray) -> BaseGeometry:
    if len(faces) == 1:
        return faces[0]
    merged = shapely.coverage_union_all(faces)
    if not merged.is_valid:
        merged = shapely.union_all(faces)
    return merged


def _propose_in(
    community_code: str,
    community: BaseGeometry,
    codes: np.ndarray,
    feats: np.ndarray,
    layer_of: np.ndarray,
    min_area_m2: float,
) -> list[ProposedGrid]:
    """Proposed grids of one community from the features near it."""
    faces = _faces(community, feats)
    areas = areas_m2(faces)
    lat = float(community.centroid.y)
    groups = _merge_small(faces, areas, min_area_m2, lat)
    geoms = [_union(faces[m]) for m in groups]
    # Which features cover each face: test a point inside every face.
    pts = representative_points(faces)
    p_idx, f_idx = shapely.STRtree(feats).query(shapely.points(pts), predicate="within")
    group_of = np.empty(len(faces), dtype=np.intp)
    for k, m in enumerate(groups):
        group_of[m] = k
    covered: list[dict[int, float]] = [{} for _ in groups]
    for p, f in zip(p_idx.tolist(), f_idx.tolist(), strict=True):
        cover = covered[group_of[p]]
        cover[f] = cover.get(f, 0.0) + float(areas[p])
    totals = [float(areas[m].sum()) for m in groups]
    reps = representative_points(np.asarray(geoms, dtype=object))
    new_codes = number_children(community_code, reps)
    out = []
    for code, geom, cover, total in zip(new_codes, geoms, covered, totals, strict=True):
        keep = sorted(
            (f for f, a in cover.items() if a >= SOURCE_MIN_SHARE * total),
            key=lambda f: (layer_of[f], -cover[f], f),
        )
        out.append(ProposedGrid(code, community_code, geom, tuple(str(codes[f]) for f in keep)))
    return sorted(out, key=lambda p: p.code)
