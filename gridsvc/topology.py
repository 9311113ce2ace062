"""Topology checks of unit polygons against their parent and siblings (lon/lat, areas in m²).

Children of one parent must be valid, lie inside it, not overlap and together cover it. Checks are
vectorised shapely 2 calls (STRtree for sibling pairs); areas come from gridsvc.geo.measure. The
check_* functions expect valid geometries: run repair_invalid first (check_siblings does).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
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

INVALID_GEOMETRY = "invalid_geometry"
OUTSIDE_PARENT = "outside_parent"
OVERLAP = "overlap"
GAP = "gap"
EMPTY_GEOMETRY = "empty_geometry"
KINDS = (INVALID_GEOMETRY, OUTSIDE_PARENT, OVERLAP, GAP, EMPTY_GEOMETRY)

DEFAULT_OVERLAP_TOLERANCE_M2 = 1.0
DEFAULT_GAP_TOLERANCE_M2 = 10.0
#: A child may stick out of its parent by max(this many m², this fraction of its area).
OUTSIDE_TOLERANCE_MIN_M2 = 1.0
OUTSIDE_TOLERANCE_FRACTION = 0.001

_REASON = re.compile(r"^(?P<text>[^\[]*)\[\s*(?P<x>[-+0-9.eE]+)[\s,]+(?P<y>[-+0-9.eE]+)")


@dataclass(frozen=True)
class Finding:
    """One topology problem: kind, unit codes, area (m²), location (lon, lat), message."""

    kind: str
    codes: tuple[str, ...]
    area_m2: float
    location: tuple[float, float]
    message: str
    geometry: BaseGeometry | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (area in m², location [lon, lat], geometry as GeoJSON if present)."""
        data: dict[str, Any] = {
            "kind": self.kind,
            "codes": list(self.codes),
            "area_m2": _num(self.area_m2),
            "location": [_num(v) for v in self.location],
            "message": self.message,
        }
        if self.geometry is not None:
            data["geometry"] = json.loads(shapely.to_geojson(self.geometry))
        return data


def _num(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def format_area(area_m2: float) -> str:
    """Human-readable area from square metres, rounded to a sensible precision."""
    if not math.isfinite(area_m2):
        return "an unknown area"
    if area_m2 < 10:
        return f"{area_m2:.2f} m²"
    if area_m2 < 1000:
        return f"{area_m2:.1f} m²"
    text = f"{area_m2:,.0f} m²"
    return f"{text} ({area_m2 / 1e6:.2f} km²)" if area_m2 >= 1e6 else text


def format_location(location: tuple[float, float]) -> str:
    """'(lon, lat)' in degrees to 6 decimals (~0.1 m)."""
    lon, lat = location
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return "an unknown location"
    return f"({lon:.6f}, {lat:.6f})"


def code_labels(codes: Iterable[Any], n: int, what: str = "") -> list[str]:
    """Codes as strings, one per geometry; ValueError when the counts differ."""
    out = [str(c) for c in codes]
    if len(out) != n:
        kind = f"{what} " if what else ""
        raise ValueError(f"{len(out)} {kind}codes for {n} geometries")
    return out


def _emit(
    kind: str,
    codes: list[tuple[str, ...]],
    areas: Any,
    pieces: np.ndarray,
    templates: str | list[str],
    locations: np.ndarray | None = None,
    **fields: Any,
) -> list[Finding]:
    """Build findings; each template is formatted with *codes, area, where and **fields[k]."""
    pts = representative_points(pieces) if locations is None else locations
    if isinstance(templates, str):
        templates = [templates] * len(codes)
    findings = []
    for k, (unit, area, template) in enumerate(zip(codes, areas, templates, strict=True)):
        loc = (float(pts[k, 0]), float(pts[k, 1]))
        extra = {name: values[k] for name, values in fields.items()}
        where = format_location(loc)
        msg = template.format(*unit, area=format_area(float(area)), where=where, **extra)
        findings.append(Finding(kind, unit, float(area), loc, msg, pieces[k]))
    return findings


def repair_invalid(codes: Iterable[Any], geoms: Any) -> tuple[np.ndarray, list[Finding]]:
    """Repair invalid polygons with make_valid (polygonal parts kept); report repairs/empties."""
    arr = as_geometry_array(geoms)
    names = code_labels(codes, len(arr))
    usable = non_empty(arr)
    bad = np.flatnonzero(usable & ~shapely.is_valid(arr))
    repaired = arr.copy()
    repaired[bad] = fixed = polygonal_parts(shapely.make_valid(arr[bad]))
    reasons, locs = [], representative_points(fixed)
    for k, reason in enumerate(shapely.is_valid_reason(arr[bad])):
        match = _REASON.match(str(reason))
        reasons.append(match["text"].strip() if match else str(reason))
        if match:  # GEOS reports where the geometry first goes wrong
            locs[k] = (float(match["x"]), float(match["y"]))
    unknown = ~np.isfinite(locs).all(axis=1)
    locs[unknown] = representative_points(shapely.envelope(arr[bad][unknown]))
    findings = _emit(
        INVALID_GEOMETRY,
        [(names[i],) for i in bad],
        areas_m2(fixed),
        arr[bad],
        "Unit {0} has an invalid geometry ({reason} at {where}); repaired with make_valid "
        "into {parts} polygon part(s) totalling {area}.",
        locs,
        reason=reasons,
        parts=shapely.get_num_geometries(fixed),
    )
    repaired = polygonal_parts(repaired)
    empty = np.flatnonzero(~non_empty(repaired))
    findings += _emit(
        EMPTY_GEOMETRY,
        [(names[i],) for i in empty],
        np.zeros(empty.size),
        np.full(empty.size, None),
        "Unit {0} has no polygon area: its geometry {why}.",
        representative_points(shapely.envelope(arr[empty])),
        why=["is empty after repair" if usable[i] else "is missing or empty" for i in empty],
    )
    return repaired, findings


def check_within_parent(
    parent_code: Any,
    parent_geom: BaseGeometry,
    child_codes: Iterable[Any],
    child_geoms: Any,
    tolerance_m2: float | None = None,
) -> list[Finding]:
    """Children sticking out of (or wholly outside) their parent beyond tolerance_m2 (m²)."""
    arr = as_geometry_array(child_geoms)
    names, parent = code_labels(child_codes, len(arr)), str(parent_code)
    _require_parent(parent, parent_geom)
    shapely.prepare(parent_geom)
    idx = np.flatnonzero(non_empty(arr))
    idx = idx[~shapely.covers(parent_geom, arr[idx])]
    sub = arr[idx]
    child_area = areas_m2(sub)
    outside = polygonal_parts(shapely.difference(sub, parent_geom))
    out_area = areas_m2(outside)
    if tolerance_m2 is None:
        tol = np.maximum(OUTSIDE_TOLERANCE_MIN_M2, OUTSIDE_TOLERANCE_FRACTION * child_area)
    else:
        tol = np.full(idx.size, float(tolerance_m2))
    disjoint = ~shapely.intersects(parent_geom, sub) | shapely.touches(parent_geom, sub)
    rep = np.flatnonzero(disjoint | (out_area > tol))
    whole = disjoint[rep]
    return _emit(
        OUTSIDE_PARENT,
        [(names[i],) for i in idx[rep]],
        np.where(whole, child_area[rep], out_area[rep]),
        np.where(whole, sub[rep], outside[rep]),
        [
            "Unit {0} lies entirely outside its parent {parent} ({area} near {where})."
            if w
            else "Unit {0} extends {area} ({share:.1f} % of its area) outside its parent {parent}, "
            "near {where}."
            for w in whole
        ],
        share=100.0 * out_area[rep] / np.where(child_area[rep] > 0, child_area[rep], np.inf),
        parent=[parent] * rep.size,
    )


def check_overlaps(
    codes: Iterable[Any], geoms: Any, tolerance_m2: float = DEFAULT_OVERLAP_TOLERANCE_M2
) -> list[Finding]:
    """Pairs of sibling units sharing more than tolerance_m2 (m²) of area; STRtree-based."""
    arr = as_geometry_array(geoms)
    names = code_labels(codes, len(arr))
    arr[~non_empty(arr)] = None  # empty units cannot overlap anything
    left, right = shapely.STRtree(arr).query(arr, predicate="intersects")
    left, right = left[left < right], right[left < right]  # each pair once
    inner = ~shapely.touches(arr[left], arr[right])  # skip neighbours sharing only an edge
    left, right = left[inner], right[inner]
    shared = polygonal_parts(shapely.intersection(arr[left], arr[right]))
    areas = areas_m2(shared)
    rep = np.flatnonzero(areas > tolerance_m2)
    return _emit(
        OVERLAP,
        [(names[a], names[b]) for a, b in zip(left[rep], right[rep], strict=True)],
        areas[rep],
        shared[rep],
        "Units {0} and {1} overlap by {area} near {where}.",
    )


def check_gaps(
    parent_code: Any,
    parent_geom: BaseGeometry,
    child_geoms: Any,
    tolerance_m2: float = DEFAULT_GAP_TOLERANCE_M2,
) -> list[Finding]:
    """Parent pieces covered by no child, each over tolerance_m2 (m²), largest first."""
    arr = as_geometry_array(child_geoms)
    parent = str(parent_code)
    _require_parent(parent, parent_geom)
    union = shapely.union_all(arr[non_empty(arr)])
    pieces = shapely.get_parts(
        polygonal_parts(as_geometry_array(shapely.difference(parent_geom, union)))
    )
    areas = areas_m2(pieces)
    order = np.argsort(-areas, kind="stable")
    order = order[areas[order] > tolerance_m2]
    return _emit(
        GAP,
        [(parent,)] * order.size,
        areas[order],
        pieces[order],
        "Parent {0} has a gap of {area} covered by none of its children, near {where}.",
    )


def check_siblings(
    parent_code: Any,
    parent_geom: BaseGeometry,
    child_codes: Iterable[Any],
    child_geoms: Any,
    *,
    check_gap: bool = True,
    outside_tolerance_m2: float | None = None,
    overlap_tolerance_m2: float = DEFAULT_OVERLAP_TOLERANCE_M2,
    gap_tolerance_m2: float = DEFAULT_GAP_TOLERANCE_M2,
) -> list[Finding]:
    """Repair, then check children within parent, sibling overlaps and gaps (tolerances in m²)."""
    names = [str(c) for c in child_codes]
    parents, findings = repair_invalid([parent_code], [parent_geom])
    children, child_findings = repair_invalid(names, child_geoms)
    findings += child_findings
    parent = parents[0]
    usable_parent = bool(non_empty(parents)[0])
    if usable_parent:
        findings += check_within_parent(parent_code, parent, names, children, outside_tolerance_m2)
    findings += check_overlaps(names, children, overlap_tolerance_m2)
    if check_gap and usable_parent:
        findings += check_gaps(parent_code, parent, children, gap_tolerance_m2)
    return findings


def _require_parent(code: str, geom: Any) -> None:
    if not bool(non_empty(as_geometry_array(geom))[0]):
        raise ValueError(f"parent {code} has no geometry")
