"""The demo district as element generators see it: grids with their community and street,
urban or rural, and seeded sampling of points and small footprints inside a grid. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from gridsvc.geo.measure import areas_m2, metres_per_degree

MARGIN_M = 5.0  # sampled points keep this far inside their grid (coordinate round trips)
URBAN_GRID_M2 = 1.2e6  # grids smaller than this are urban (社区); larger ones rural (村)


@dataclass(frozen=True)
class DemoArea:
    """Grids (arrays aligned by grid index) and the names of their communities and streets."""

    adcode: str
    prefix: str  # address prefix, e.g. 曲靖市麒麟区
    codes: np.ndarray  # grid codes (str)
    names: np.ndarray  # grid names
    geoms: np.ndarray  # grid polygons (lon/lat)
    inner: np.ndarray  # the grids shrunk by MARGIN_M (the grid itself when that empties it)
    urban: np.ndarray  # bool
    area_m2: np.ndarray
    community_names: dict[str, str]
    street_names: dict[str, str]

    @classmethod
    def from_units(cls, units: Sequence[Any], adcode: str, prefix: str) -> DemoArea:
        """From generated units or stored unit shapes (level, code, name, geometry)."""

        def level(u: Any) -> str:
            return str(getattr(u.level, "value", u.level))

        grids = sorted((u for u in units if level(u) == "grid"), key=lambda u: u.code)
        if not grids:
            raise ValueError(f"district {adcode} has no grids to place elements in")
        geoms = np.array([u.geometry for u in grids], dtype=object)
        lat = shapely.get_coordinates(shapely.centroid(geoms))[:, 1]
        inner = shapely.buffer(geoms, -MARGIN_M / metres_per_degree(lat)[0])
        inner = np.where(shapely.is_empty(inner) | (shapely.area(inner) <= 0), geoms, inner)
        shapely.prepare(inner)
        area = areas_m2(geoms)
        comms = {u.code: u.name for u in units if level(u) == "community"}
        urban = np.array([not comms.get(u.code[:12], "").endswith("村") for u in grids])
        return cls(
            adcode=adcode,
            prefix=prefix,
            codes=np.array([u.code for u in grids]),
            names=np.array([u.name for u in grids]),
            geoms=geoms,
            inner=inner,
            urban=urban & (area < URBAN_GRID_M2),
            area_m2=area,
            community_names=comms,
            street_names={u.code: u.name for u in units if level(u) == "street"},
        )

    def __len__(self) -> int:
        return len(self.codes)

    def community_of(self, grid: np.ndarray) -> np.ndarray:
        """Community codes of grid indices."""
        return np.array([c[:12] for c in self.codes[grid]]) if len(grid) else np.array([], str)

    def place_name(self, grid: int) -> str:
        """The address stem of a grid: prefix, street and community names."""
        code = str(self.codes[grid])
        return (
            self.prefix
            + self.street_names.get(code[:9], "")
            + self.community_names.get(code[:12], "")
        )

    def points(self, grid: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One uniform point (lon, lat) inside the inner grid of each grid index, shape (n, 2)."""
        grid = np.asarray(grid, dtype=np.int64)
        out = np.empty((len(grid), 2))
        order = np.argsort(grid, kind="stable")
        bounds = np.searchsorted(grid[order], np.arange(len(self) + 1))
        for g in np.flatnonzero(np.diff(bounds)):
            rows = order[bounds[g] : bounds[g + 1]]
            out[rows] = self._sample(int(g), len(rows), rng)
        return out

    def _sample(self, g: int, n: int, rng: np.random.Generator) -> np.ndarray:
        poly = self.inner[g]
        x0, y0, x1, y1 = shapely.bounds(poly)
        share = max(float(shapely.area(poly)) / max((x1 - x0) * (y1 - y0), 1e-18), 0.02)
        found: list[np.ndarray] = []
        have = 0
        for _ in range(200):
            k = int((n - have) / share * 1.3) + 8
            xy = np.column_stack([rng.uniform(x0, x1, k), rng.uniform(y0, y1, k)])
            xy = xy[shapely.contains_xy(poly, xy[:, 0], xy[:, 1])]
            found.append(xy)
            have += len(xy)
            if have >= n:
                return np.concatenate(found)[:n]
        point = shapely.get_coordinates(shapely.point_on_surface(poly))[0]
        return np.vstack([*found, np.tile(point, (n - have, 1))])[:n]

    def footprints(
        self, grid: np.ndarray, size_m: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """Rotated rectangles (width, depth in metres per row) inside their grids."""
        grid = np.asarray(grid, dtype=np.int64)
        out = np.empty(len(grid), dtype=object)
        todo = np.arange(len(grid))
        for attempt in range(6):
            shrink = 1.0 if attempt < 5 else 0.0  # last resort: a 6 m square
            sizes = size_m[todo] * shrink + (1 - shrink) * 6.0
            rects = _rectangles(self.points(grid[todo], rng), sizes, rng)
            ok = shapely.within(rects, self.geoms[grid[todo]])
            out[todo[ok]] = rects[ok]
            todo = todo[~ok]
            if len(todo) == 0:
                break
        if len(todo):  # a sliver of a grid: a tiny square at a point inside it
            centre = shapely.point_on_surface(self.geoms[grid[todo]])
            out[todo] = shapely.buffer(centre, 1e-6, cap_style="square")
        return out


def _rectangles(centres: np.ndarray, size_m: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rectangles of ``size_m`` (n, 2) metres around centres (lon/lat), randomly rotated."""
    n = len(centres)
    if n == 0:
        return np.empty(0, dtype=object)
    corners = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])
    local = corners[None, :, :] * size_m[:, None, :]
    angle = rng.uniform(0, np.pi, n)
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    x = local[:, :, 0] * cos - local[:, :, 1] * sin
    y = local[:, :, 0] * sin + local[:, :, 1] * cos
    per_lon, per_lat = metres_per_degree(centres[:, 1])
    lon = centres[:, 0:1] + x / np.asarray(per_lon)[:, None]
    lat = centres[:, 1:2] + y / np.asarray(per_lat)[:, None]
    return shapely.polygons(np.stack([lon, lat], axis=2))
