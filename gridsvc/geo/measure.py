"""Metric measurement of lon/lat geometries (WGS 84 degrees, SRID 4326).

Areas scale planar square degrees by the ellipsoid's local metres per degree (well under
0.1 % off for district-sized polygons); ``to_local`` projects to a Lambert azimuthal
equal-area plane where shapes and lengths are needed. Also holds the small vectorised array
helpers (polygonal parts, representative points) that measurement code shares.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from gridsvc.geo import SRID

_POLYGON, _MULTIPOLYGON = 3, 6  # shapely type ids
#: Projection centres are rounded to this many decimals (~1 m) so the transformer cache is shared.
_CENTRE_DECIMALS = 5


@lru_cache(maxsize=256)
def _laea(lon0: float, lat0: float) -> Transformer:
    crs = CRS.from_proj4(
        f"+proj=laea +lat_0={lat0} +lon_0={lon0} +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
    )
    return Transformer.from_crs(CRS.from_epsg(SRID), crs, always_xy=True)


def local_equal_area(lon0: float, lat0: float) -> Transformer:
    """Cached EPSG:4326 (degrees) → LAEA (metres) transformer centred on (lon0, lat0)."""
    if not (np.isfinite(lon0) and np.isfinite(lat0)):
        raise ValueError(f"projection centre must be finite, got ({lon0}, {lat0})")
    lon = ((float(lon0) + 180.0) % 360.0) - 180.0
    lat = min(90.0, max(-90.0, float(lat0)))
    return _laea(round(lon, _CENTRE_DECIMALS), round(lat, _CENTRE_DECIMALS))


def to_local(geoms: Any, lon0: float, lat0: float) -> Any:
    """Project lon/lat geometries (degrees) to LAEA metres centred on (lon0, lat0); vectorised."""
    transformer = local_equal_area(lon0, lat0)

    def _project(coords: np.ndarray) -> np.ndarray:
        if len(coords) == 0:
            return coords
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, _project)


def bounds_centre(geoms: Any) -> tuple[float, float] | None:
    """Centre (lon, lat in degrees) of the total bounds of the geometries, None when all empty."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    if not np.isfinite(xmin):
        return None
    return (float(xmin + xmax) / 2.0, float(ymin + ymax) / 2.0)


_WGS84_A = 6378137.0
_WGS84_E2 = 0.00669437999014


def metres_per_degree(lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """Metres per degree of longitude and of latitude on the WGS 84 ellipsoid at ``lat``."""
    phi = np.radians(np.asarray(lat, dtype=float))
    w = np.sqrt(1.0 - _WGS84_E2 * np.sin(phi) ** 2)
    per_lon = np.radians(1.0) * _WGS84_A * np.cos(phi) / w
    per_lat = np.radians(1.0) * _WGS84_A * (1.0 - _WGS84_E2) / w**3
    return per_lon, per_lat


def areas_m2(geoms: Any) -> np.ndarray:
    """Area in square metres of each lon/lat geometry (empty → 0, None → NaN); vectorised.

    The planar area in square degrees is scaled by the ellipsoid's metres per degree at the
    geometry's centroid latitude. Unlike projecting the vertices first, this keeps a sliver
    whose vertices are collinear in lon/lat (as PostGIS sees them) at zero area.
    """
    arr = np.asarray(geoms, dtype=object)
    flat = arr.reshape(-1)
    out = np.zeros(flat.shape, dtype=float)
    missing = shapely.is_missing(flat)
    out[missing] = np.nan
    present = ~missing & ~shapely.is_empty(flat)
    if present.any():
        geo = flat[present]
        per_lon, per_lat = metres_per_degree(shapely.get_y(shapely.centroid(geo)))
        out[present] = shapely.area(geo) * per_lon * per_lat
    return out.reshape(arr.shape)


def area_m2(geom: Any) -> float:
    """Area in square metres of a single lon/lat geometry."""
    return float(areas_m2(np.array([geom], dtype=object))[0])


def as_geometry_array(geoms: Any) -> np.ndarray:
    """1-d object array of geometries from a geometry, None or an iterable of them."""
    if isinstance(geoms, BaseGeometry) or geoms is None:
        geoms = [geoms]
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    return arr


def non_empty(arr: np.ndarray) -> np.ndarray:
    """Boolean mask of geometries that are neither missing (None) nor empty."""
    return ~(shapely.is_missing(arr) | shapely.is_empty(arr))


def representative_points(arr: np.ndarray) -> np.ndarray:
    """(n, 2) lon/lat (degrees) of a point inside each geometry; NaN for missing/empty."""
    out = np.full((len(arr), 2), np.nan)
    ok = np.flatnonzero(non_empty(arr))
    if ok.size:
        pts = shapely.point_on_surface(arr[ok])
        out[ok, 0], out[ok, 1] = shapely.get_x(pts), shapely.get_y(pts)
    return out


def polygonal_parts(arr: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of each geometry (empty Polygon when none)."""
    out = arr.copy()
    mixed = np.flatnonzero(~np.isin(shapely.get_type_id(arr), (_POLYGON, _MULTIPOLYGON)))
    if mixed.size == 0:
        return out
    parts, idx = shapely.get_parts(arr[mixed], return_index=True)
    parts, sub = shapely.get_parts(parts, return_index=True)  # collections may hold multis
    idx = idx[sub]
    keep = (shapely.get_type_id(parts) == _POLYGON) & ~shapely.is_empty(parts)
    collected = np.empty(mixed.size, dtype=object)
    if keep.any():
        shapely.multipolygons(parts[keep], indices=idx[keep], out=collected)
        single = np.flatnonzero(np.bincount(idx[keep], minlength=mixed.size) == 1)
        collected[single] = shapely.get_geometry(collected[single], 0)
    none = np.flatnonzero(shapely.is_missing(collected))
    collected[none] = shapely.from_wkt(np.full(none.size, "POLYGON EMPTY"))
    out[mixed] = collected
    return out
