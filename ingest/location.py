"""Where each element is: coordinates or geometries in the declared CRS converted to WGS 84
and checked against the district (bad, swapped, outside). Pure, column-wise.

A location outside the district whose x and y exchanged would fall inside it is reported as
swapped (latitude given as longitude); one beyond ±180/±90 degrees, or not a number, as a
bad coordinate; any other location off the district as outside. Messages never repeat the
coordinates: whereabouts are personal data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray

from gridsvc.geo.crs import CoordinateSystem, out_of_range, transform_geometries


@dataclass(frozen=True)
class Finding:
    """Rows (mask) failing one check of one field, and why (one text, or one per row)."""

    mask: NDArray[np.bool_]
    field: str | None
    code: str
    reason: str | NDArray[np.object_]


@dataclass(frozen=True)
class DistrictArea:
    """A district's polygon in WGS 84 (prepared) and its bounding box, for location checks."""

    polygon: shapely.Geometry
    bbox: tuple[float, float, float, float]

    @classmethod
    def from_geometry(cls, geom: shapely.Geometry) -> DistrictArea:
        """The area of a WGS 84 (multi)polygon."""
        polygon = shapely.from_wkb(shapely.to_wkb(geom))  # a private copy to prepare
        shapely.prepare(polygon)
        minx, miny, maxx, maxy = (float(v) for v in polygon.bounds)
        return cls(polygon, (minx, miny, maxx, maxy))

    def contains_xy(self, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.bool_]:
        """True where (lon, lat) in degrees lies in the district or on its boundary."""
        minx, miny, maxx, maxy = self.bbox
        inside = (lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy)
        idx = np.flatnonzero(inside)
        inside[idx] = shapely.intersects_xy(self.polygon, lon[idx], lat[idx])
        return inside

    def intersects(self, geoms: NDArray[np.object_]) -> NDArray[np.bool_]:
        """True where a WGS 84 geometry touches the district (False for None)."""
        return np.asarray(shapely.intersects(self.polygon, geoms), dtype=bool)


@dataclass
class Located:
    """WGS 84 locations: a point per row (NaN where none) and non-point geometries."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    geometry: NDArray[np.object_]  # shapely for lines/polygons, None for points and no location
    findings: list[Finding] = field(default_factory=list)

    @property
    def present(self) -> NDArray[np.bool_]:
        """True where the row has a location."""
        return ~np.isnan(self.lon)


def _in_range(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.bool_]:
    return (np.abs(lon) <= 180.0) & (np.abs(lat) <= 90.0)


def locate_points(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    crs: CoordinateSystem,
    area: DistrictArea,
    where: str,
) -> Located:
    """Points (x, y) in ``crs`` (NaN = missing) → WGS 84, checked against ``area``.

    ``where`` names the fields in messages, e.g. "lon/lat (columns 经度, 纬度)".
    """
    with np.errstate(invalid="ignore", over="ignore"):
        lon, lat = crs.to_wgs84(x, y)
    n = len(x)
    given = ~(np.isnan(x) & np.isnan(y))
    one_only = np.isnan(x) ^ np.isnan(y)
    finite = np.isfinite(lon) & np.isfinite(lat)
    checked = given & ~one_only & finite
    inside = np.zeros(n, dtype=bool)
    inside[checked] = area.contains_xy(lon[checked], lat[checked])
    off = checked & ~inside
    swapped = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(off)
    if idx.size:
        with np.errstate(invalid="ignore", over="ignore"):
            slon, slat = crs.to_wgs84(y[idx], x[idx])
        ok = np.isfinite(slon) & np.isfinite(slat)
        swapped[idx[ok]] = area.contains_xy(slon[ok], slat[ok])
    bad_range = off & ~swapped & ~_in_range(lon, lat)
    outside = off & ~swapped & ~bad_range
    findings = [
        Finding(one_only, "lon", "bad_coordinate", f"{where}: only one of the two is given"),
        Finding(
            given & ~one_only & ~finite,
            "lon",
            "bad_coordinate",
            f"{where}: not a valid coordinate in {crs.label}",
        ),
        Finding(bad_range, "lon", "bad_coordinate", f"{where}: beyond ±180 / ±90 degrees"),
        Finding(
            swapped,
            "lon",
            "swapped_coordinates",
            f"{where}: longitude and latitude appear swapped "
            "(exchanged, they fall inside the district)",
        ),
        Finding(outside, "lon", "outside_district", f"{where}: the point is outside the district"),
    ]
    keep = checked & inside
    lon = np.where(keep, lon, np.nan)
    lat = np.where(keep, lat, np.nan)
    return Located(lon, lat, np.full(n, None, dtype=object), findings)


def _swap(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    return np.asarray(shapely.transform(geoms, lambda c: c[:, ::-1]), dtype=object)


def locate_geometries(
    geoms: NDArray[np.object_], crs: CoordinateSystem, area: DistrictArea, where: str
) -> Located:
    """Geometries in ``crs`` (None = missing) → WGS 84, checked against ``area``; points are
    returned as lon/lat, other shapes also as geometry (with their point on surface)."""
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    given = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    wgs = np.full(n, None, dtype=object)
    wgs[given] = transform_geometries(geoms[given], crs)
    valid = given & ~out_of_range(wgs) & ~shapely.is_missing(wgs)
    inside = np.zeros(n, dtype=bool)
    inside[valid] = area.intersects(wgs[valid])
    off = given & ~inside
    swapped = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(off)
    if idx.size:
        back = transform_geometries(_swap(geoms[idx]), crs)
        ok = ~out_of_range(back)
        swapped[idx[ok]] = area.intersects(back[ok])
    bad_range = off & ~swapped & ~valid
    outside = off & ~swapped & valid
    findings = [
        Finding(
            bad_range,
            "geometry",
            "bad_coordinate",
            f"{where}: coordinates beyond ±180 / ±90 degrees",
        ),
        Finding(
            swapped,
            "geometry",
            "swapped_coordinates",
            f"{where}: x and y appear swapped (exchanged, the shape falls in the district)",
        ),
        Finding(
            outside, "geometry", "outside_district", f"{where}: the shape is outside the district"
        ),
    ]
    keep = given & inside
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    shapes = np.full(n, None, dtype=object)
    if keep.any():
        kept = wgs[keep]
        points = shapely.get_type_id(kept) == 0
        anchor = np.where(points, kept, shapely.point_on_surface(kept))
        lon[keep], lat[keep] = shapely.get_x(anchor), shapely.get_y(anchor)
        shapes[np.flatnonzero(keep)[~points]] = kept[~points]
    return Located(lon, lat, shapes, findings)
