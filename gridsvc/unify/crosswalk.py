"""Crosswalk between a departmental layer and the unified grid: who overlaps whom, by how much.

Pairs come from an STRtree query (predicate "intersects"); overlaps are one vectorised
``shapely.intersection`` in lon/lat (as PostGIS does in SRID 4326), measured with ``areas_m2``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from gridsvc.geo.measure import areas_m2, as_geometry_array, non_empty

#: Overlaps at or below this many m² are shared borders or floating noise, not overlaps.
DEFAULT_MIN_OVERLAP_M2 = 1.0


@dataclass(frozen=True)
class CrosswalkRow:
    """One departmental grid ↔ unified grid overlap: area (m²) and its share of each side (0–1)."""

    dept_index: int
    grid_code: str
    overlap_m2: float
    share_of_dept: float
    share_of_grid: float


@dataclass(frozen=True)
class Overlaps:
    """Vectorised overlaps: index arrays into both layers, areas (m²) and the overlap pieces."""

    dept_index: np.ndarray
    grid_index: np.ndarray
    overlap_m2: np.ndarray
    dept_m2: np.ndarray
    grid_m2: np.ndarray
    pieces: np.ndarray


def overlaps(
    dept_geoms: Any, grid_geoms: Any, *, min_overlap_m2: float = DEFAULT_MIN_OVERLAP_M2
) -> Overlaps:
    """All overlapping pairs above min_overlap_m2 (m²), ordered by dept then grid index."""
    dept = as_geometry_array(dept_geoms)
    grids = as_geometry_array(grid_geoms)
    dept_ok, grid_ok = dept.copy(), grids.copy()
    dept_ok[~non_empty(dept)] = None  # empty geometries overlap nothing
    grid_ok[~non_empty(grids)] = None
    tree = shapely.STRtree(grid_ok)
    d_idx, g_idx = tree.query(dept_ok, predicate="intersects")
    order = np.lexsort((g_idx, d_idx))
    d_idx, g_idx = d_idx[order], g_idx[order]
    pieces = shapely.intersection(dept_ok[d_idx], grid_ok[g_idx])
    area = areas_m2(pieces)
    keep = np.flatnonzero(area > min_overlap_m2)
    dept_area = areas_m2(dept_ok)
    grid_area = areas_m2(grid_ok)
    d_idx, g_idx = d_idx[keep], g_idx[keep]
    return Overlaps(d_idx, g_idx, area[keep], dept_area[d_idx], grid_area[g_idx], pieces[keep])


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(whole > 0, np.minimum(part / whole, 1.0), 0.0)


def rows_from_overlaps(found: Overlaps, grid_codes: Sequence[Any]) -> list[CrosswalkRow]:
    """CrosswalkRow objects for vectorised overlaps (grid codes looked up by index)."""
    codes = [str(c) for c in grid_codes]
    by_dept = _share(found.overlap_m2, found.dept_m2)
    by_grid = _share(found.overlap_m2, found.grid_m2)
    return [
        CrosswalkRow(int(d), codes[g], float(a), float(sd), float(sg))
        for d, g, a, sd, sg in zip(
            found.dept_index.tolist(),
            found.grid_index.tolist(),
            found.overlap_m2.tolist(),
            by_dept.tolist(),
            by_grid.tolist(),
            strict=True,
        )
    ]


def crosswalk(
    dept_geoms: Any,
    grid_codes: Sequence[Any],
    grid_geoms: Any,
    *,
    min_overlap_m2: float = DEFAULT_MIN_OVERLAP_M2,
) -> list[CrosswalkRow]:
    """Every departmental ↔ unified grid pair overlapping by more than min_overlap_m2 (m²)."""
    grids = as_geometry_array(grid_geoms)
    if len(grid_codes) != len(grids):
        raise ValueError(f"{len(grid_codes)} grid codes for {len(grids)} grid geometries")
    found = overlaps(dept_geoms, grids, min_overlap_m2=min_overlap_m2)
    return rows_from_overlaps(found, grid_codes)
