"""Camera coverage rules: the metric projection, sums over grids, the card's camera summary.
Pure: no I/O.

Coverage is computed in the UTM zone of the district's centre (``utm_srid``): PostGIS keeps
the transformation of an EPSG code cached per connection, whereas a PROJ string (a local
equal-area plane) is rebuilt on every call — 0.14 ms against 0.01 ms a geometry, which was
three quarters of a district's recompute. UTM distorts lengths by at most 0.1 % inside its
zone (a little more for a district reaching over a zone edge); areas are nevertheless
reported on the ellipsoid: a grid's area from PostGIS geography, its covered area as the
grid's covered share (UTM area over UTM area: the zone's scale cancels) times that area.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: Camera statuses of the registry (never_seen until the first event or heartbeat).
STATUSES = ("online", "offline", "never_seen")
#: Blind spots smaller than this (m²) are numerical residue of the union, not gaps.
MIN_BLIND_M2 = 0.01


def utm_srid(lon: float, lat: float) -> int:
    """EPSG code of the WGS 84 UTM zone holding (lon, lat) in degrees (326xx north, 327xx
    south); the Norway and Svalbard exceptions are ignored (no district of ours is there)."""
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise ValueError(f"({lon}, {lat}) is not a lon/lat in degrees")
    zone = min(60, int((lon + 180.0) // 6.0) + 1)
    return (32600 if lat >= 0.0 else 32700) + zone


def share(covered_m2: float, area_m2: float) -> float:
    """Covered share of an area in [0, 1] (0 for an empty area)."""
    if area_m2 <= 0.0:
        return 0.0
    return min(1.0, max(0.0, covered_m2 / area_m2))


def add_counts(total: dict[str, int], counts: Mapping[str, Any] | None) -> dict[str, int]:
    """Add ``counts`` (name → count) into ``total``; returns ``total``."""
    for name, n in (counts or {}).items():
        total[name] = total.get(name, 0) + int(n)
    return total


def aggregate(grids: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Totals over grid coverage rows: areas (m²), share, cameras, cameras by department."""
    area = covered = 0.0
    cameras, count = 0, 0
    by_department: dict[str, int] = {}
    for g in grids:
        count += 1
        area += float(g["area_m2"])
        covered += float(g["covered_m2"])
        cameras += int(g["cameras"])
        add_counts(by_department, g.get("by_department"))
    return {
        "grids": count,
        "area_m2": round(area, 1),
        "covered_m2": round(covered, 1),
        "share": share(covered, area),
        "cameras": cameras,
        "by_department": dict(sorted(by_department.items())),
    }


def camera_summary(
    groups: Iterable[Iterable[Any]], covered_m2: float | None, area_m2: float | None
) -> dict[str, Any]:
    """The grid card's camera section from (department, status, count) groups and the unit's
    covered and total area (m², None when the unit has no grids)."""
    by_department: dict[str, int] = {}
    by_status = dict.fromkeys(STATUSES, 0)
    for department, status, n in (tuple(g) for g in groups):
        by_department[department] = by_department.get(department, 0) + int(n)
        by_status[status] = by_status.get(status, 0) + int(n)
    coverage = None
    if area_m2:
        coverage = share(float(covered_m2 or 0.0), float(area_m2))
    return {
        "total": sum(by_department.values()),
        "by_department": dict(sorted(by_department.items())),
        "by_status": by_status,
        "coverage_share": coverage,
    }
