"""Demo cameras as registry rows: each placed in its grid and H3 cell by the locate core,
with its view sector (``cameras.sector``) and normalised aliases; no database access."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely

from cameras.events import normalise_alias
from cameras.sector import view_sector
from gridsvc.demo.cameras import DemoCamera
from gridsvc.geo import SRID
from gridsvc.spatial.locate import Locator


def camera_rows(
    fleet: Sequence[DemoCamera], adcode: str, locator: Locator, source: str
) -> tuple[list[dict], list[tuple[str, str, str]]]:
    """Rows of the ``cameras`` table (geometries as hex EWKB) and (adcode, alias, device_id)
    rows; a device outside every grid is left out (the demo places none there)."""
    lon = np.array([c.lon for c in fleet], dtype=float)
    lat = np.array([c.lat for c in fleet], dtype=float)
    found = locator.locate(lon, lat)
    codes = locator.codes(found.grid_id)
    cells = found.cells.view(np.int64)
    points = _ewkb(shapely.points(lon, lat))
    sectors = _ewkb(np.array([_sector(c) for c in fleet], dtype=object))
    rows: list[dict] = []
    aliases: list[tuple[str, str, str]] = []
    for i, cam in enumerate(fleet):
        if codes[i] is None:
            continue
        names = tuple(dict.fromkeys(normalise_alias(a) for a in cam.aliases))
        rows.append(
            {
                "adcode": adcode,
                "device_id": cam.device_id,
                "name": cam.name,
                "department": cam.department,
                "integrator": cam.integrator,
                "parent_id": cam.parent_id,
                "device_type": cam.device_type,
                "source": source,
                "manufacturer": cam.manufacturer,
                "model": cam.model,
                "address": cam.address,
                "civil_code": adcode,
                "geom": points[i],
                "grid_code": str(codes[i]),
                "h3": int(cells[i]),
                "height_m": cam.height_m,
                "heading_deg": cam.heading_deg,
                "fov_deg": cam.fov_deg,
                "range_m": cam.range_m,
                "sector": sectors[i],
                "ptz_type": cam.ptz_type,
                "streams": [dict(s) for s in cam.streams],
                "tags": ["demo"],
                "aliases": list(names),
                "attrs": {},
            }
        )
        aliases.extend((adcode, name, cam.device_id) for name in names)
    return rows, aliases


def _sector(cam: DemoCamera) -> shapely.Polygon | None:
    if cam.heading_deg is None or cam.fov_deg is None or cam.range_m is None:
        return None
    return view_sector(cam.lon, cam.lat, cam.heading_deg, cam.fov_deg, cam.range_m)


def _ewkb(geoms: np.ndarray) -> list[str | None]:
    """Hex EWKB with the SRID (what COPY into a geometry column reads), None for None."""
    return list(shapely.to_wkb(shapely.set_srid(geoms, SRID), hex=True, include_srid=True))
