"""Locate points: grid, community, street and district codes and the H3 cell of each."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine

from gridsvc.errors import InvalidInput
from gridsvc.geo.crs import parse_crs
from gridsvc.services.cells import LocatorCache
from gridsvc.spatial import h3cells


@dataclass
class Located:
    """Per-point answers: grid code (None outside every grid), H3 cell, error text."""

    lon: np.ndarray
    lat: np.ndarray
    grid_codes: np.ndarray
    cells: np.ndarray
    errors: list[str | None]

    def rows(self, ids: list | None = None) -> list[dict]:
        """The JSON answer for every point (with its ``id`` when given)."""
        h3 = np.full(len(self.cells), None, dtype=object)
        known = self.cells != 0
        h3[known] = h3cells.cells_to_str(self.cells[known])
        out = []
        for i, code in enumerate(self.grid_codes):
            row: dict = {"lon": _finite(self.lon[i]), "lat": _finite(self.lat[i])}
            if ids is not None and ids[i] is not None:
                row["id"] = ids[i]
            if self.errors[i]:
                row["error"] = self.errors[i]
            else:
                row.update(
                    inside=code is not None,
                    grid_code=code,
                    community_code=code[:12] if code else None,
                    street_code=code[:9] if code else None,
                    district_code=code[:6] if code else None,
                    h3=h3[i],
                )
            out.append(row)
        return out


def _finite(value: object) -> float | None:
    """The number as a float, or None when JSON can't hold it (NaN, infinity)."""
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


def coordinate_error(lon: float, lat: float) -> str | None:
    """Why a WGS 84 point is unusable, or None."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return "coordinates must be finite numbers (got NaN or infinity)"
    if not -90 <= lat <= 90:
        return f"lat {lat} is out of range [-90, 90]" + (
            "; lon and lat look swapped" if -90 <= lon <= 90 else ""
        )
    if not -180 <= lon <= 180:
        return f"lon {lon} is out of range [-180, 180]"
    return None


def to_wgs84(x: np.ndarray, y: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert declared-CRS coordinates to WGS 84 lon/lat (degrees)."""
    system = parse_crs(crs)
    with np.errstate(invalid="ignore"):
        lon, lat = system.to_wgs84(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon, float), np.asarray(lat, float)


def locate(
    engine: Engine, cache: LocatorCache, lon: np.ndarray, lat: np.ndarray,
    district: str | None = None,
) -> Located:  # fmt: skip
    """Locate WGS 84 points in the indexed districts (or one); invalid points carry an error."""
    n = len(lon)
    errors = [coordinate_error(float(a), float(b)) for a, b in zip(lon, lat, strict=True)]
    valid = np.array([e is None for e in errors], dtype=bool)
    codes = np.full(n, None, dtype=object)
    cells = np.zeros(n, dtype=np.uint64)
    todo = np.flatnonzero(valid)
    districts = [district] if district else cache.districts(engine)
    for adcode in districts:
        locator = cache.get(engine, adcode)
        if locator is None or not len(todo):
            continue
        found = locator.locate(lon[todo], lat[todo])
        cells[todo] = found.cells
        hit = found.grid_id >= 0
        codes[todo[hit]] = locator.codes(found.grid_id[hit])
        todo = todo[~hit]
    if len(todo):
        cells[todo] = h3cells.latlng_to_cells(lat[todo], lon[todo], cache.resolution)
    return Located(lon, lat, codes, cells, errors)


def parse_points(body: bytes, content_type: str) -> tuple[np.ndarray, np.ndarray, list, str | None]:
    """(x, y, ids, crs) from a JSON or CSV locate request; InvalidInput naming the bad row."""
    if "csv" in content_type:
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            where = f"invalid byte at offset {exc.start}"
            raise InvalidInput(f"CSV body must be UTF-8 ({where})") from None
        return _parse_csv(text)
    try:
        doc = json.loads(body)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise InvalidInput(f"request body is not valid JSON (error at {where})") from None
    except ValueError:  # not UTF-8, or a number too long to convert
        raise InvalidInput("request body is not valid JSON text in UTF-8") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("points"), list):
        raise InvalidInput('JSON body must be {"points": [[lon, lat], ...], "crs": "EPSG:4326"}')
    xs, ys, ids = [], [], []
    for i, p in enumerate(doc["points"]):
        if isinstance(p, dict):
            x, y, ident = p.get("lon", p.get("x")), p.get("lat", p.get("y")), p.get("id")
        elif isinstance(p, list | tuple) and len(p) >= 2:
            x, y, ident = p[0], p[1], None
        else:
            raise InvalidInput(f'points[{i}] must be [lon, lat] or {{"lon":…, "lat":…}}')
        xs.append(_number(x, f"points[{i}].lon"))
        ys.append(_number(y, f"points[{i}].lat"))
        ids.append(ident)
    return np.array(xs, float), np.array(ys, float), ids, doc.get("crs")


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput(f"{where} must be a number (got {_shown(value)})")
    try:
        return float(value)
    except (ValueError, OverflowError):
        raise InvalidInput(f"{where} must be a number (got {_shown(value)})") from None


def _shown(value: object) -> str:
    """A short repr for error messages (huge integers can't even be printed in full)."""
    try:
        text = repr(value)
    except ValueError:  # int beyond sys.get_int_max_str_digits
        return "a huge integer"
    return text if len(text) <= 40 else text[:37] + "..."


def _parse_csv(text: str) -> tuple[np.ndarray, np.ndarray, list, str | None]:
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    lon_key = next((f for f in ("lon", "lng", "longitude", "x") if f in fields), None)
    lat_key = next((f for f in ("lat", "latitude", "y") if f in fields), None)
    if lon_key is None or lat_key is None:
        raise InvalidInput(f"CSV header must name lon and lat columns (got {fields})")
    reader.fieldnames = fields
    xs, ys, ids = [], [], []
    for row_no, row in enumerate(reader, start=2):
        xs.append(_number((row.get(lon_key) or "").strip(), f"CSV line {row_no}, column {lon_key}"))
        ys.append(_number((row.get(lat_key) or "").strip(), f"CSV line {row_no}, column {lat_key}"))
        ids.append(row.get("id"))
    return np.array(xs, float), np.array(ys, float), ids, None
