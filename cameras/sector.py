"""View sectors: the ground a camera sees, as a polygon in lon/lat. Pure: no I/O.

A sector is the circular sector with its apex at the camera, centred on ``heading`` (degrees
clockwise from north), ``fov`` degrees wide and ``range_m`` metres deep, built in a local
azimuthal equidistant plane centred on the camera (distances from the apex are exact) and
returned in WGS 84. A camera with a field of view of 360° (a dome on a pole) sees a disc.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from pyproj import CRS, Transformer
from shapely.geometry import Polygon

#: Points on the arc per 90° of field of view (and at least 4 on any arc).
ARC_POINTS_PER_90 = 16
MAX_RANGE_M = 5_000.0


@lru_cache(maxsize=4096)
def _from_aeqd(lon: float, lat: float) -> Transformer:
    crs = CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs")
    return Transformer.from_crs(crs, CRS.from_epsg(4326), always_xy=True)


def sector_ring_m(heading: float, fov: float, range_m: float) -> np.ndarray:
    """The sector's ring in metres (x east, y north) around the apex at (0, 0)."""
    if fov >= 360.0:
        angles = np.radians(np.linspace(0.0, 360.0, 4 * ARC_POINTS_PER_90 + 1))
        return np.column_stack([range_m * np.sin(angles), range_m * np.cos(angles)])
    n = max(4, int(np.ceil(fov / 90.0 * ARC_POINTS_PER_90)) + 1)
    angles = np.radians(np.linspace(heading - fov / 2.0, heading + fov / 2.0, n))
    arc = np.column_stack([range_m * np.sin(angles), range_m * np.cos(angles)])
    apex = np.zeros((1, 2))
    return np.vstack([apex, arc, apex])


def check_view(heading: float | None, fov: float | None, range_m: float | None) -> str | None:
    """Why these view parameters cannot make a sector, or None when they can."""
    if heading is None or fov is None or range_m is None:
        return None
    if not np.isfinite(heading) or not 0.0 <= heading < 360.0:
        return f"heading {heading} must be in [0, 360) degrees clockwise from north"
    if not np.isfinite(fov) or not 0.0 < fov <= 360.0:
        return f"field of view {fov} must be in (0, 360] degrees"
    if not np.isfinite(range_m) or not 0.0 < range_m <= MAX_RANGE_M:
        return f"range {range_m} must be in (0, {MAX_RANGE_M:g}] metres"
    return None


def view_sector(lon: float, lat: float, heading: float, fov: float, range_m: float) -> Polygon:
    """The view sector (lon/lat polygon) of a camera at (lon, lat); ValueError on bad values."""
    reason = check_view(heading, fov, range_m)
    if reason:
        raise ValueError(reason)
    ring = sector_ring_m(heading, fov, range_m)
    x, y = _from_aeqd(round(lon, 7), round(lat, 7)).transform(ring[:, 0], ring[:, 1])
    return Polygon(np.column_stack([x, y]))
