"""Declared coordinate systems: parse what a user says their data is in, convert to WGS 84.

Supports any EPSG code PROJ knows (2D geographic or projected) plus the Chinese web-map
systems GCJ-02 and BD-09 (:mod:`gridsvc.geo.chinese`). EPSG:4490 (CGCS2000) is treated as
identical to WGS 84: the two agree to a few centimetres, and no datum shift is attempted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from gridsvc.errors import InvalidInput
from gridsvc.geo import SRID, chinese
from gridsvc.geo.chinese import LonLat

#: Human-readable list of the accepted spellings, used in error messages.
ACCEPTED_FORMS = (
    "an EPSG code such as '4326', 'EPSG:4326' or 'EPSG:32648'; 'WGS84' (EPSG:4326); "
    "'CGCS2000' (EPSG:4490); 'GCJ02' (Amap/Tencent); 'BD09' (Baidu)"
)

_WGS84 = f"EPSG:{SRID}"
_CGCS2000 = "EPSG:4490"
#: Normalised spelling (lower case, no spaces, '-' or '_') -> canonical label.
_ALIASES = {"wgs84": _WGS84, "cgcs2000": _CGCS2000, "gcj02": "gcj02", "bd09": "bd09"}
#: Labels converted as the identity.
_IDENTITY = frozenset({_WGS84, _CGCS2000})
_Convert = Callable[[ArrayLike, ArrayLike], LonLat]
#: Chinese systems: label -> (to WGS 84, from WGS 84).
_CHINESE: dict[str, tuple[_Convert, _Convert]] = {
    "gcj02": (chinese.gcj02_to_wgs84, chinese.wgs84_to_gcj02),
    "bd09": (chinese.bd09_to_wgs84, chinese.wgs84_to_bd09),
}
_EPSG_RE = re.compile(r"(?:epsg:+)?(\d{1,9})")


@dataclass(frozen=True)
class CoordinateSystem:
    """A declared coordinate system; build it with :func:`parse_crs`.

    ``label`` is canonical ("EPSG:4326", "EPSG:32648", "gcj02", "bd09"); ``is_geographic``
    says whether x/y are longitude/latitude (degrees) rather than projected units (metres).
    """

    label: str
    is_geographic: bool

    def to_wgs84(self, x: ArrayLike, y: ArrayLike) -> LonLat:
        """(x, y) in this system's axis units (degrees or metres) -> WGS 84 (lon, lat) degrees."""
        return self._convert(x, y, to_wgs84=True)

    def from_wgs84(self, lon: ArrayLike, lat: ArrayLike) -> LonLat:
        """WGS 84 (lon, lat) degrees -> (x, y) in this system's axis units (degrees or metres)."""
        return self._convert(lon, lat, to_wgs84=False)

    def _convert(self, x: ArrayLike, y: ArrayLike, *, to_wgs84: bool) -> LonLat:
        xs, ys = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(y, np.float64))
        if self.label in _IDENTITY:
            return xs.copy(), ys.copy()
        if self.label in _CHINESE:
            return _CHINESE[self.label][0 if to_wgs84 else 1](xs, ys)
        out_x, out_y = _transformer(self.label, to_wgs84).transform(xs, ys)
        return np.asarray(out_x, np.float64), np.asarray(out_y, np.float64)


@lru_cache(maxsize=64)
def _transformer(label: str, to_wgs84: bool) -> Transformer:
    """PROJ transformer between ``label`` and WGS 84, lon/lat (x/y) axis order."""
    crs, wgs84 = CRS.from_user_input(label), CRS.from_epsg(SRID)
    source, target = (crs, wgs84) if to_wgs84 else (wgs84, crs)
    return Transformer.from_crs(source, target, always_xy=True)


def _invalid(text: object, reason: str) -> InvalidInput:
    return InvalidInput(f"Coordinate system {text!r} {reason}. Accepted: {ACCEPTED_FORMS}.")


@lru_cache(maxsize=256)
def _epsg_system(code: int) -> CoordinateSystem:
    """The system for an EPSG code, checked against the PROJ database."""
    label = f"EPSG:{code}"
    try:
        crs = CRS.from_epsg(code)
    except CRSError:
        raise _invalid(label, "is not a known EPSG code") from None
    if crs.is_compound or not (crs.is_geographic or crs.is_projected):
        raise _invalid(label, f"({crs.name}, {crs.type_name}) is not a 2D horizontal system")
    return CoordinateSystem(label=label, is_geographic=bool(crs.is_geographic))


def parse_crs(text: str) -> CoordinateSystem:
    """Parse a declared system: '4326', 'EPSG:32648', 'WGS 84', 'CGCS2000', 'GCJ-02', 'BD09'."""
    if not isinstance(text, str) or not text.strip():
        raise _invalid(text, "is empty")
    key = re.sub(r"[\s_\-]", "", text).lower()
    label = _ALIASES.get(key, key)
    if label in _CHINESE:
        return CoordinateSystem(label=label, is_geographic=True)
    match = _EPSG_RE.fullmatch(label.lower())
    if match is None:
        raise _invalid(text, "is not recognised")
    return _epsg_system(int(match.group(1)))


def transform_geometries(
    geoms: Sequence[shapely.Geometry | None] | NDArray[np.object_],
    crs: CoordinateSystem,
    *,
    to_wgs84: bool = True,
) -> NDArray[np.object_]:
    """Reproject geometries from ``crs`` to WGS 84 degrees (or back); returns a new 2D array."""
    convert = crs.to_wgs84 if to_wgs84 else crs.from_wgs84

    def apply(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        if coords.shape[0] == 0:
            return coords
        x, y = convert(coords[:, 0], coords[:, 1])
        return np.column_stack((x, y))

    return np.asarray(shapely.transform(np.asarray(geoms, dtype=object), apply), dtype=object)


def out_of_range(
    geoms: Sequence[shapely.Geometry | None] | NDArray[np.object_],
) -> NDArray[np.bool_]:
    """True where a WGS 84 geometry has a vertex off lon [-180, 180] / lat [-90, 90] degrees.

    Non-finite vertices count as out of range; None and empty geometries do not. Checks each
    vertex (not ``shapely.bounds``, whose envelope silently skips NaN vertices of lines).
    """
    arr = np.asarray(geoms, dtype=object)
    coords, index = shapely.get_coordinates(arr, return_index=True)
    lon, lat = coords[:, 0], coords[:, 1]
    ok = (np.abs(lon) <= 180.0) & (np.abs(lat) <= 90.0)  # False for NaN, no warning
    flagged = np.zeros(arr.size, dtype=bool)
    flagged[index[~ok]] = True
    return flagged.reshape(arr.shape)
