"""Generate a plausible street → community → grid hierarchy inside a real district boundary.

Grid seeds are sampled with a density that is high in the urban core (grids of ~0.15 km²)
and in a few rural town seats, and low in the countryside (grids of a few km²). Seeds are
clustered top-down into streets and communities; each level is the Voronoi diagram of its
children's sites clipped to the parent, so children tile their parent exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from gridsvc.coding import Level, number_children, validate_code
from gridsvc.demo import tessellate as ts
from gridsvc.demo.names import NameGenerator, grid_name
from gridsvc.errors import InvalidInput

#: Known city centres (lon, lat) used when no ``urban_center`` is given.
KNOWN_URBAN_CENTERS: dict[str, tuple[float, float]] = {"530302": (103.79, 25.50)}

URBAN_AREA_KM2 = 0.15  # target grid area in the urban core
TOWN_AREA_KM2 = 0.4  # target grid area at a rural town seat
RURAL_AREA_KM2 = 4.5  # target grid area in open countryside
CORE_RADIUS_KM = 3.5  # radius of the dense urban core
RAMP_KM = 6.0  # width of the urban → rural transition
TOWN_RADIUS_KM = 3.0  # radius of a town seat's denser area
KM2_PER_TOWN = 150.0  # one town seat per this much district area
GRIDS_PER_COMMUNITY = 8
MIN_CLUSTER = 4  # fewest seeds a k-means cluster keeps (smaller ones are folded)
URBAN_STREET_KM2 = 0.5  # a street whose median target grid area is below this is a 街道
URBAN_COMMUNITY_KM2 = 1.0  # likewise for a 社区 (town seats included)


@dataclass(frozen=True)
class GeneratedUnit:
    """One generated street, community or grid; geometry in lon/lat degrees (EPSG:4326)."""

    level: Level
    code: str
    name: str
    parent_code: str
    geometry: Polygon | MultiPolygon


@dataclass
class _Node:
    geometry: Polygon | MultiPolygon  # local metres
    seeds: np.ndarray
    urban: bool = False
    children: list[_Node] = field(default_factory=list)


@dataclass(frozen=True)
class _Density:
    """Target grid area as a function of position (local metres)."""

    centre: tuple[float, float]
    towns: np.ndarray  # (n, 2)

    def area_km2(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Target grid area (km²) at the given local coordinates (m)."""
        ratio = math.log(RURAL_AREA_KM2 / URBAN_AREA_KM2)
        d = np.hypot(x - self.centre[0], y - self.centre[1]) / 1000.0
        area = URBAN_AREA_KM2 * np.exp(ratio * _smoothstep((d - CORE_RADIUS_KM) / RAMP_KM))
        if len(self.towns):
            # The town profile grows with distance, so only the nearest town matters.
            d2 = np.full(np.shape(x), np.inf)
            for tx, ty in self.towns:
                d2 = np.minimum(d2, (x - tx) ** 2 + (y - ty) ** 2)
            d = np.sqrt(d2) / 1000.0
            town_ratio = math.log(RURAL_AREA_KM2 / TOWN_AREA_KM2)
            town = TOWN_AREA_KM2 * np.exp(town_ratio * _smoothstep(d / TOWN_RADIUS_KM))
            area = np.minimum(area, town)
        return area

    def area_m2(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Target grid area (m²) at the given local coordinates (m)."""
        return self.area_km2(x, y) * 1e6


def _smoothstep(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _place_towns(
    region: BaseGeometry, centre: tuple[float, float], rng: np.random.Generator
) -> np.ndarray:
    """Town seats (local m): spread over the countryside, away from the city and each other."""
    wanted = round(region.area / 1e6 / KM2_PER_TOWN)
    towns: list[tuple[float, float]] = []
    if wanted == 0:
        return np.zeros((0, 2))
    minx, miny, maxx, maxy = region.bounds
    x = rng.uniform(minx, maxx, 4000)
    y = rng.uniform(miny, maxy, 4000)
    inside = shapely.contains_xy(region, x, y)
    away = np.hypot(x - centre[0], y - centre[1]) > 1000.0 * (CORE_RADIUS_KM + 0.6 * RAMP_KM)
    for px, py in zip(x[inside & away], y[inside & away], strict=True):
        if all(math.hypot(px - tx, py - ty) > 6000.0 for tx, ty in towns):
            towns.append((float(px), float(py)))
            if len(towns) >= wanted:
                break
    return np.array(towns, dtype=float).reshape(-1, 2)


def _expected_grids(region: BaseGeometry, density: _Density, steps: int = 200) -> int:
    """Expected number of grids, ∫ 1/area over the region, on a regular sample lattice."""
    minx, miny, maxx, maxy = region.bounds
    dx, dy = (maxx - minx) / steps, (maxy - miny) / steps
    gx, gy = np.meshgrid(minx + dx * (np.arange(steps) + 0.5), miny + dy * (np.arange(steps) + 0.5))
    x, y = gx.ravel(), gy.ravel()
    inside = shapely.contains_xy(region, x, y)
    total = float((dx * dy / density.area_m2(x[inside], y[inside])).sum())
    return max(1, round(total))


def _split(parent: _Node, count: int, rng: np.random.Generator) -> list[_Node]:
    """Cut a node into about ``count`` children by k-means of its seeds and clipped Voronoi."""
    seeds = parent.seeds
    if count <= 1 or len(seeds) <= 1:
        return [_Node(parent.geometry, seeds)]
    centres, _ = ts.kmeans(seeds, count, rng, min_size=MIN_CLUSTER)
    return _nodes(ts.partition(centres, parent.geometry), seeds)


def _nodes(pieces: list[Polygon | MultiPolygon | None], seeds: np.ndarray) -> list[_Node]:
    kept = [p for p in pieces if p is not None]
    labels = ts.assign(seeds, list(kept))
    return [_Node(piece, seeds[labels == i]) for i, piece in enumerate(kept)]


def _grids(community: _Node) -> list[_Node]:
    """One grid per seed of the community (the whole community when it has ≤ 1 seed)."""
    if len(community.seeds) <= 1:
        return [_Node(community.geometry, community.seeds)]
    return _nodes(ts.partition(community.seeds, community.geometry), community.seeds)


def _is_urban(node: _Node, density: _Density, threshold_km2: float) -> bool:
    pts = node.seeds
    if len(pts) == 0:
        pts = shapely.get_coordinates(node.geometry.representative_point())
    return float(np.median(density.area_km2(pts[:, 0], pts[:, 1]))) <= threshold_km2


def _ordered(parent_code: str, nodes: list[_Node]) -> list[tuple[str, _Node]]:
    """Children with their codes, numbered in reading order of their centroids."""
    centroids = shapely.get_coordinates(shapely.centroid([n.geometry for n in nodes]))
    codes = number_children(parent_code, [tuple(c) for c in centroids])
    return sorted(zip(codes, nodes, strict=True), key=lambda pair: pair[0])


def _check_inputs(boundary: BaseGeometry, adcode: str, seed: int) -> None:
    problem = validate_code(adcode, Level.DISTRICT)
    if problem is not None:
        raise InvalidInput(problem, adcode=adcode)
    if not isinstance(boundary, (Polygon, MultiPolygon)) or boundary.is_empty:
        raise InvalidInput("boundary must be a non-empty Polygon or MultiPolygon")
    minx, miny, maxx, maxy = boundary.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidInput("boundary must be in longitude/latitude degrees")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidInput(f"seed must be a non-negative integer (got {seed!r})")


def generate_hierarchy(
    boundary: BaseGeometry,
    adcode: str,
    seed: int = 0,
    *,
    urban_center: tuple[float, float] | None = None,
) -> list[GeneratedUnit]:
    """Streets, communities then grids (each sorted by code) tiling a lon/lat district boundary."""
    _check_inputs(boundary, adcode, seed)
    lonlat_centre = boundary.centroid
    to_local, to_lonlat = ts.local_transforms(lonlat_centre.x, lonlat_centre.y)
    region = ts.polygonal(shapely.transform(boundary, to_local))
    if region is None or region.area <= 0:
        raise InvalidInput("boundary has no area")

    if urban_center is None:
        urban_center = KNOWN_URBAN_CENTERS.get(adcode)
    if urban_center is None:
        point = boundary.representative_point()
        urban_center = (point.x, point.y)
    if len(urban_center) != 2 or not all(math.isfinite(v) for v in urban_center):
        raise InvalidInput(f"urban_center must be (lon, lat) (got {urban_center!r})")
    cx, cy = to_local(np.array([urban_center], dtype=float))[0]

    rng = np.random.default_rng(int(seed))
    density = _Density((float(cx), float(cy)), _place_towns(region, (cx, cy), rng))
    total = _expected_grids(region, density)
    seeds = ts.sample_seeds(region, density.area_m2, total, rng, min_area_m2=URBAN_AREA_KM2 * 1e6)
    seeds = ts.relax(seeds, region)

    district = _Node(region, seeds)
    n_streets = int(np.clip(round(math.sqrt(len(seeds)) / 2.6), 1, 15))
    district.children = _split(district, n_streets, rng)
    for street in district.children:
        street.urban = _is_urban(street, density, URBAN_STREET_KM2)
        n_communities = max(1, round(len(street.seeds) / GRIDS_PER_COMMUNITY))
        street.children = _split(street, n_communities, rng)
        for community in street.children:
            community.urban = street.urban or _is_urban(community, density, URBAN_COMMUNITY_KM2)
            community.children = _grids(community)

    return _label(district, adcode, NameGenerator(int(seed), int(adcode)), to_lonlat)


def _label(
    district: _Node, adcode: str, names: NameGenerator, to_lonlat: ts.Coords
) -> list[GeneratedUnit]:
    """Codes and names for the tree, with geometries transformed back to lon/lat."""
    rows: dict[Level, list[tuple[str, str, str, BaseGeometry]]] = {
        Level.STREET: [],
        Level.COMMUNITY: [],
        Level.GRID: [],
    }
    for street_code, street in _ordered(adcode, district.children):
        street_name = names.street(street.urban)
        rows[Level.STREET].append((street_code, street_name, adcode, street.geometry))
        for community_code, community in _ordered(street_code, street.children):
            community_name = names.community(community.urban)
            rows[Level.COMMUNITY].append(
                (community_code, community_name, street_code, community.geometry)
            )
            for seq, (grid_code, grid) in enumerate(
                _ordered(community_code, community.children), start=1
            ):
                name = grid_name(community_name, seq)
                rows[Level.GRID].append((grid_code, name, community_code, grid.geometry))

    units: list[GeneratedUnit] = []
    for level, level_rows in rows.items():
        local = np.array([row[3] for row in level_rows], dtype=object)
        lonlat = shapely.transform(local, to_lonlat)
        for (code, name, parent_code, _), geom in zip(level_rows, lonlat, strict=True):
            if not geom.is_valid:
                geom = ts.polygonal(geom)
            units.append(GeneratedUnit(level, code, name, parent_code, geom))
    return units
