"""Where a departmental layer disagrees with the unified grid and the district (lon/lat, m²).

Kinds: ``boundary_mismatch`` (a departmental grid cuts a unified grid), ``sliver`` (a tiny overlap
from a misaligned shared border), ``uncovered`` (district area no departmental grid covers) and
``outside_district`` (departmental area beyond the district). Everything is vectorised shapely 2.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gridsvc.geo.measure import (
    areas_m2,
    as_geometry_array,
    non_empty,
    polygonal_parts,
    representative_points,
)
from gridsvc.topology import code_labels, format_area, format_location
from gridsvc.unify.crosswalk import CrosswalkRow, overlaps

BOUNDARY_MISMATCH = "boundary_mismatch"
SLIVER = "sliver"
UNCOVERED = "uncovered"
OUTSIDE_DISTRICT = "outside_district"
KINDS = (BOUNDARY_MISMATCH, SLIVER, UNCOVERED, OUTSIDE_DISTRICT)

#: Overlaps at or below this many m² are floating noise along shared borders, not slivers.
SLIVER_FLOOR_M2 = 1.0
#: clip_to_district also reports a feature whose outside part exceeds this share of its area.
OUTSIDE_SHARE = 0.01
#: Unified grids named in one "uncovered" message before "and N more".
_MAX_LISTED = 5


@dataclass(frozen=True)
class Conflict:
    """One disagreement: kind, codes on both sides, area (m²), location (lon, lat), message."""

    kind: str
    dept_codes: tuple[str, ...]
    grid_codes: tuple[str, ...]
    area_m2: float
    location: tuple[float, float]
    message: str
    geometry: BaseGeometry | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict: area in m², location [lon, lat], geometry as a GeoJSON mapping."""
        return {
            "kind": self.kind,
            "dept_codes": list(self.dept_codes),
            "grid_codes": list(self.grid_codes),
            "area_m2": _num(self.area_m2),
            "location": [_num(v) for v in self.location],
            "message": self.message,
            "geometry": None
            if self.geometry is None
            else json.loads(shapely.to_geojson(self.geometry)),
        }


def _num(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _build(
    kind: str,
    dept_codes: list[tuple[str, ...]],
    grid_codes: list[tuple[str, ...]],
    areas: np.ndarray,
    pieces: np.ndarray,
    messages: list[str],
) -> list[Conflict]:
    """Conflicts located at a point inside each piece; "{area}", "{where}" in messages filled in."""
    pts = representative_points(pieces)
    out = []
    for k, text in enumerate(messages):
        loc = (float(pts[k, 0]), float(pts[k, 1]))
        area = float(areas[k])
        msg = text.replace("{area}", format_area(area)).replace("{where}", format_location(loc))
        out.append(Conflict(kind, dept_codes[k], grid_codes[k], area, loc, msg, pieces[k]))
    return out


def _listing(codes: list[str]) -> str:
    shown = ", ".join(codes[:_MAX_LISTED])
    more = len(codes) - _MAX_LISTED
    return f"{shown} and {more} more" if more > 0 else shown


def find_conflicts(
    dept_codes: Sequence[Any],
    dept_geoms: Any,
    grid_codes: Sequence[Any],
    grid_geoms: Any,
    district: BaseGeometry | None,
    crosswalk_rows: Sequence[CrosswalkRow],
    *,
    cut_share: float = 0.05,
    sliver_m2: float = 200.0,
    min_gap_m2: float = 500.0,
) -> list[Conflict]:
    """Mismatches, slivers, uncovered and outside pieces of one layer (thresholds in m², 0–1)."""
    dept = as_geometry_array(dept_geoms)
    grids = as_geometry_array(grid_geoms)
    dnames = code_labels(dept_codes, len(dept), "departmental")
    gnames = code_labels(grid_codes, len(grids), "unified grid")
    if district is None:
        district = shapely.union_all(grids[non_empty(grids)])
    conflicts = _pair_conflicts(dnames, dept, gnames, grids, crosswalk_rows, cut_share, sliver_m2)
    union = shapely.union_all(dept[non_empty(dept)])
    conflicts += _uncovered(gnames, grids, district, union, min_gap_m2)
    conflicts += _outside(dnames, dept, district, union, min_gap_m2)
    return conflicts


def _pair_conflicts(
    dnames: list[str],
    dept: np.ndarray,
    gnames: list[str],
    grids: np.ndarray,
    rows: Sequence[CrosswalkRow],
    cut_share: float,
    sliver_m2: float,
) -> list[Conflict]:
    """Boundary mismatches and slivers from the crosswalk rows (pieces recomputed for those)."""
    if not rows:
        return []
    index = {code: i for i, code in enumerate(gnames)}
    unknown = {r.grid_code for r in rows} - index.keys()
    if unknown:
        raise ValueError(f"crosswalk rows name unknown unified grids: {sorted(unknown)[:5]}")
    d = np.fromiter((r.dept_index for r in rows), dtype=np.intp, count=len(rows))
    g = np.fromiter((index[r.grid_code] for r in rows), dtype=np.intp, count=len(rows))
    area = np.fromiter((r.overlap_m2 for r in rows), dtype=float, count=len(rows))
    by_dept = np.fromiter((r.share_of_dept for r in rows), dtype=float, count=len(rows))
    by_grid = np.fromiter((r.share_of_grid for r in rows), dtype=float, count=len(rows))
    cut = (by_grid > cut_share) & (by_grid < 1.0 - cut_share) & (area > sliver_m2)
    # A tiny polygon wholly inside the other layer is not a sliver of a misaligned border.
    partial = (by_grid < 1.0 - cut_share) & (by_dept < 1.0 - cut_share)
    sliver = (area < sliver_m2) & (area > SLIVER_FLOOR_M2) & partial
    out: list[Conflict] = []
    for kind, mask in ((BOUNDARY_MISMATCH, cut), (SLIVER, sliver)):
        sel = np.flatnonzero(mask)
        pieces = polygonal_parts(shapely.intersection(dept[d[sel]], grids[g[sel]]))
        pairs = [(dnames[d[k]], gnames[g[k]]) for k in sel]
        if kind == BOUNDARY_MISMATCH:
            messages = [
                f"Departmental grid {a} cuts unified grid {b}: they share {{area}}, "
                f"{100.0 * by_grid[k]:.1f} % of {b} ({100.0 * by_dept[k]:.1f} % of {a}), "
                "near {where}."
                for (a, b), k in zip(pairs, sel, strict=True)
            ]
        else:
            messages = [
                f"Departmental grid {a} overlaps unified grid {b} by a sliver of {{area}} near "
                "{where}: their shared border is misaligned."
                for a, b in pairs
            ]
        out += _build(
            kind, [(a,) for a, _ in pairs], [(b,) for _, b in pairs], area[sel], pieces, messages
        )
    return out


def _uncovered(
    gnames: list[str],
    grids: np.ndarray,
    district: BaseGeometry,
    union: BaseGeometry,
    min_gap_m2: float,
) -> list[Conflict]:
    """District pieces covered by no departmental grid, each over min_gap_m2 (m²), largest first."""
    gaps = shapely.get_parts(polygonal_parts(as_geometry_array(district.difference(union))))
    areas = areas_m2(gaps)
    order = np.argsort(-areas, kind="stable")
    order = order[areas[order] > min_gap_m2]
    gaps, areas = gaps[order], areas[order]
    found = overlaps(gaps, grids)
    inside: list[list[str]] = [[] for _ in range(len(gaps))]
    for k in np.lexsort((-found.overlap_m2, found.dept_index)):
        inside[found.dept_index[k]].append(gnames[found.grid_index[k]])
    messages = [
        "An area of {area} of the district near {where} is covered by no departmental grid"
        + (f" (in unified grid(s) {_listing(codes)})." if codes else ".")
        for codes in inside
    ]
    return _build(UNCOVERED, [()] * len(gaps), [tuple(c) for c in inside], areas, gaps, messages)


def _outside(
    dnames: list[str],
    dept: np.ndarray,
    district: BaseGeometry,
    union: BaseGeometry,
    min_gap_m2: float,
) -> list[Conflict]:
    """Per departmental grid, its pieces outside the district that exceed min_gap_m2 (m²)."""
    beyond = shapely.get_parts(polygonal_parts(as_geometry_array(union.difference(district))))
    beyond = beyond[areas_m2(beyond) > min_gap_m2]
    if beyond.size == 0:
        return []
    found = overlaps(dept, beyond, min_overlap_m2=min_gap_m2)
    feats, group = np.unique(found.dept_index, return_inverse=True)
    if feats.size == 0:
        return []
    parts, owner = shapely.get_parts(polygonal_parts(found.pieces), return_index=True)
    parts, sub = shapely.get_parts(parts, return_index=True)  # multipolygons → polygons
    pieces = shapely.multipolygons(parts, indices=group[owner[sub]])
    single = np.flatnonzero(shapely.get_num_geometries(pieces) == 1)
    pieces[single] = shapely.get_geometry(pieces[single], 0)
    area = np.bincount(group, weights=found.overlap_m2, minlength=feats.size)
    whole = area >= areas_m2(dept[feats]) * (1.0 - 1e-9)
    messages = [
        f"Departmental grid {dnames[i]} "
        + (
            "lies entirely outside the district ({area} near {where})."
            if w
            else "reaches {area} outside the district near {where}."
        )
        for i, w in zip(feats, whole, strict=True)
    ]
    return _build(
        OUTSIDE_DISTRICT, [(dnames[i],) for i in feats], [()] * feats.size, area, pieces, messages
    )


def clip_to_district(
    dept_codes: Sequence[Any],
    dept_geoms: Any,
    district: BaseGeometry,
    *,
    min_gap_m2: float = 500.0,
) -> tuple[np.ndarray, list[Conflict]]:
    """Clip features to the district; one outside_district conflict per feature reaching out."""
    arr = as_geometry_array(dept_geoms)
    names = code_labels(dept_codes, len(arr), "departmental")
    shapely.prepare(district)
    idx = np.flatnonzero(non_empty(arr))
    idx = idx[~shapely.covers(district, arr[idx])]
    clipped = arr.copy()
    sub = arr[idx]
    clipped[idx] = polygonal_parts(shapely.intersection(sub, district))
    outside = polygonal_parts(shapely.difference(sub, district))
    total, out_area = areas_m2(sub), areas_m2(outside)
    report = (out_area > SLIVER_FLOOR_M2) & (
        (out_area > min_gap_m2) | (out_area > OUTSIDE_SHARE * total)
    )
    rep = np.flatnonzero(report)
    whole = shapely.is_empty(clipped[idx[rep]])
    messages = [
        f"Departmental grid {names[idx[k]]} "
        + (
            "lies entirely outside the district ({area} near {where}); it was dropped."
            if w
            else f"reached {{area}} ({100.0 * out_area[k] / total[k]:.1f} % of its area) outside "
            "the district near {where}; it was clipped to the district."
        )
        for k, w in zip(rep, whole, strict=True)
    ]
    conflicts = _build(
        OUTSIDE_DISTRICT,
        [(names[idx[k]],) for k in rep],
        [()] * rep.size,
        out_area[rep],
        outside[rep],
        messages,
    )
    return clipped, conflicts
