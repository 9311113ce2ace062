"""Demo departmental grid layers (城管, 综治, 公安) that disagree with the unified grid.

Each layer groups unified grids (or whole communities) and moves every border by a smooth
displacement field of 20–80 m, so slivers and boundary mismatches appear against the unified
grid while the layer itself stays a gap-free tiling. 城管 drops a few grids (gaps), 综治 is
coarser, and 公安 beats are whole communities that spill over the district border in places
and leave some communities out. Deterministic from the seed; geometries in lon/lat degrees.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gridsvc.coding import (
    MULTI_COMMUNITY_FIRST,
    Level,
    default_band_height,
    reading_order,
    validate_code,
)
from gridsvc.demo.names import FIRST_CHARS, URBAN_CHARS
from gridsvc.errors import InvalidInput
from gridsvc.geo.measure import as_geometry_array, metres_per_degree, non_empty, polygonal_parts
from gridsvc.geo.measure import representative_points as rep_points


@dataclass(frozen=True)
class Department:
    """A department that draws its own grid layer; ``service_object`` is a demo 6-digit code."""

    key: str
    name: str
    service_object: str


#: Departments in display order. The service-object codes are demo values, not a national list.
DEPARTMENTS: tuple[Department, ...] = (
    Department("urban_management", "城管", "100100"),
    Department("comprehensive_governance", "综治", "100200"),
    Department("police", "公安", "100300"),
)


@dataclass(frozen=True)
class DeptFeature:
    """One departmental grid: 20-digit CJ/T 349-style code, Chinese name, lon/lat geometry."""

    code: str
    name: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class _Style:
    sizes: tuple[int, ...]  # units per group
    weights: tuple[float, ...]  # probability of each size
    cross_share: float  # share of groups allowed to cross community borders (same street)
    drop_share: float  # share of units left out (gaps)
    shift_m: float  # mean border shift (m); waves add ± 2 × 15 m
    clip: bool  # clip to the district


_STYLES = {
    "urban_management": _Style((1, 2, 3, 4), (0.15, 0.4, 0.3, 0.15), 0.10, 0.015, 50.0, True),
    "comprehensive_governance": _Style((3, 4, 5, 6), (0.25, 0.3, 0.25, 0.2), 0.25, 0.0, 45.0, True),
    "police": _Style((1, 2, 3, 4), (0.2, 0.35, 0.3, 0.15), 1.0, 0.02, 55.0, False),
}
WAVE_M = 15.0  # amplitude of each of the two waves added to the shift
LOBES = 3  # police beats that reach outside the district
LOBE_M = (300.0, 700.0)  # how far a lobe reaches outside (m)


def _unit(item: Any) -> tuple[str, str | None, BaseGeometry]:
    """(code, parent code or None, geometry) of a GeneratedUnit-like object or a tuple."""
    if hasattr(item, "geometry"):
        return str(item.code), getattr(item, "parent_code", None), item.geometry
    if len(item) == 3:
        return str(item[0]), str(item[1]), item[2]
    return str(item[0]), None, item[1]


class _Plane:
    """Equirectangular metres around the district centre, and a smooth displacement field."""

    def __init__(self, district: BaseGeometry) -> None:
        c = district.centroid
        self.lon0, self.lat0 = c.x, c.y
        per_lon, per_lat = metres_per_degree(self.lat0)
        self.scale = np.array([float(per_lon), float(per_lat)])

    def to_m(self, g: Any) -> Any:
        return shapely.transform(g, lambda xy: (xy - [self.lon0, self.lat0]) * self.scale)

    def to_deg(self, g: Any) -> Any:
        return shapely.transform(g, lambda xy: xy / self.scale + [self.lon0, self.lat0])

    def field(self, rng: np.random.Generator, shift_m: float) -> Callable[[np.ndarray], np.ndarray]:
        """A displacement (lon/lat → lon/lat) of shift_m ± 2·WAVE_M metres, varying over km."""
        angle = rng.uniform(0, 2 * np.pi)
        base = shift_m * np.array([np.cos(angle), np.sin(angle)])
        k = 2 * np.pi / rng.uniform(1500.0, 4000.0, (2, 2))  # wave numbers (1/m), per axis
        direction = rng.uniform(0, 2 * np.pi, (2, 2))
        phase = rng.uniform(0, 2 * np.pi, (2, 2))

        def move(xy: np.ndarray) -> np.ndarray:
            m = (xy - [self.lon0, self.lat0]) * self.scale
            d = np.tile(base, (len(m), 1))
            for axis in range(2):
                for w in range(2):
                    along = m[:, 0] * np.cos(direction[axis, w]) + m[:, 1] * np.sin(
                        direction[axis, w]
                    )
                    d[:, axis] += WAVE_M * np.sin(k[axis, w] * along + phase[axis, w])
            return xy + d / self.scale

        return move


def _conforming(geoms: np.ndarray) -> np.ndarray:
    """The tiles rebuilt from their noded boundaries, so neighbours share every vertex."""
    noded = shapely.union_all(shapely.boundary(geoms))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    # Each face goes to the tile it overlaps most (interior points of thin faces are unreliable).
    f_idx, g_idx = shapely.STRtree(geoms).query(faces, predicate="intersects")
    shared = shapely.area(shapely.intersection(faces[f_idx], geoms[g_idx]))
    owner = np.full(len(faces), -1)
    best = np.zeros(len(faces))
    for f, g, a in zip(f_idx.tolist(), g_idx.tolist(), shared.tolist(), strict=True):
        if a > best[f]:
            owner[f], best[f] = g, a
    owner[best <= 0.5 * shapely.area(faces)] = -1  # holes of the district belong to no tile
    out = geoms.copy()
    for g in np.unique(owner[owner >= 0]):
        out[g] = shapely.coverage_union_all(faces[owner == g])
    return out


def _adjacency(geoms: np.ndarray, plane: _Plane) -> list[list[int]]:
    """Neighbours (sharing more than 1 m of border) of each tile, sorted."""
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left != right
    left, right = left[keep], right[keep]
    shared = shapely.intersection(shapely.boundary(geoms[left]), shapely.boundary(geoms[right]))
    long = shapely.length(plane.to_m(shared)) > 1.0
    nbrs: list[list[int]] = [[] for _ in range(len(geoms))]
    for a, b in zip(left[long].tolist(), right[long].tolist(), strict=True):
        nbrs[a].append(b)
    return [sorted(n) for n in nbrs]


def _groups(
    nbrs: list[list[int]], community: list[str], style: _Style, rng: np.random.Generator
) -> list[list[int]]:
    """Grow contiguous groups of units (never across streets), in random order."""
    n = len(nbrs)
    owner = np.full(n, -1)
    dropped = rng.permutation(n)[: round(style.drop_share * n)]
    owner[dropped] = -2
    groups: list[list[int]] = []
    for start in rng.permutation(n).tolist():
        if owner[start] != -1:
            continue
        size = int(rng.choice(style.sizes, p=style.weights))
        cross = bool(rng.random() < style.cross_share)
        group = [start]
        owner[start] = len(groups)
        while len(group) < size:
            cands = sorted(
                {
                    b
                    for a in group
                    for b in nbrs[a]
                    if owner[b] == -1
                    and community[b][:9] == community[start][:9]
                    and (cross or community[b] == community[start])
                }
            )
            if not cands:
                break
            pick = cands[int(rng.integers(len(cands)))]
            owner[pick] = len(groups)
            group.append(pick)
        groups.append(sorted(group))
    return groups


def _codes(
    service_object: str, groups: list[list[int]], community: list[str], points: np.ndarray
) -> list[str]:
    """CJ/T 349-style codes; multi-community groups take community parts 601+ per street."""
    order = reading_order(points[:, 0], points[:, 1], default_band_height(*points.T))
    codes = [""] * len(groups)
    seq: dict[str, int] = {}
    for k in order.tolist():
        comms = sorted({community[u] for u in groups[k]})
        if len(comms) == 1:
            key = comms[0]
        else:
            street = comms[0][:9]
            multi = seq.get(street + "*", MULTI_COMMUNITY_FIRST - 1) + 1
            seq[street + "*"] = multi
            key = f"{street}{multi:03d}"
        seq[key] = seq.get(key, 0) + 1
        if seq[key] > 99 or int(key[-3:]) > 999:
            raise InvalidInput(f"too many departmental grids in {key} for 2-digit sequences")
        codes[k] = f"{service_object}{key}{seq[key]:02d}"
    return codes


def _valid(geoms: np.ndarray) -> np.ndarray:
    bad = np.flatnonzero(~shapely.is_valid(geoms))
    geoms[bad] = polygonal_parts(shapely.make_valid(geoms[bad]))
    return geoms


def _lobes(
    beats: np.ndarray, district: BaseGeometry, plane: _Plane, rng: np.random.Generator
) -> None:
    """Let a few beats on the district border reach 300–700 m outside it (in place)."""
    taken = shapely.union(district, shapely.union_all(beats))
    added = 0
    for k in rng.permutation(np.flatnonzero(shapely.intersects(beats, district.boundary))):
        beat = beats[k]
        reach = plane.to_deg(plane.to_m(beat).buffer(rng.uniform(*LOBE_M)))
        parts = shapely.get_parts(polygonal_parts(as_geometry_array(reach.difference(taken))))
        if parts.size == 0:
            continue
        lobe = parts[int(np.argmax(shapely.area(parts)))]
        centre = plane.to_m(lobe.representative_point())
        lobe = lobe.intersection(plane.to_deg(centre.buffer(1000.0)))
        grown = polygonal_parts(as_geometry_array(beat.union(lobe)))[0]
        if grown.geom_type != beat.geom_type or not grown.is_valid:
            continue  # the lobe would hang off the beat: try another beat
        beats[k] = grown
        taken = taken.union(lobe)
        added += 1
        if added == LOBES:
            break


def generate_department_layers(
    grids: Sequence[Any],
    communities: Sequence[Any],
    district: BaseGeometry,
    adcode: str,
    seed: int = 0,
) -> dict[str, list[DeptFeature]]:
    """城管, 综治 and 公安 layers (by department key) over a generated district, from the seed."""
    problem = validate_code(adcode, Level.DISTRICT)
    if problem is not None:
        raise InvalidInput(problem, adcode=adcode)
    grid_rows = [_unit(g) for g in grids]
    if not grid_rows:
        raise InvalidInput("no grids to build departmental layers from")
    for code, parent, _ in grid_rows:
        if parent is None or validate_code(parent, Level.COMMUNITY) or parent[:6] != adcode:
            raise InvalidInput(f"grid {code} needs a community code of district {adcode}")
    plane = _Plane(district)
    tiles = _conforming(np.array([g for _, _, g in grid_rows], dtype=object))
    grid_comm = [str(p) for _, p, _ in grid_rows]
    own = {code: geom for code, _, geom in (_unit(c) for c in communities)}
    comm_codes = sorted(set(own) | set(grid_comm))
    comm_tiles = np.empty(len(comm_codes), dtype=object)
    for i, code in enumerate(comm_codes):
        members = [k for k, c in enumerate(grid_comm) if c == code]
        # A community is the union of its grids (shared vertices); without grids, its own shape.
        comm_tiles[i] = shapely.coverage_union_all(tiles[members]) if members else own[code]
    units = {"grid": (tiles, grid_comm), "community": (comm_tiles, comm_codes)}
    layers: dict[str, list[DeptFeature]] = {}
    for number, dept in enumerate(DEPARTMENTS):
        rng = np.random.default_rng([int(seed), int(adcode), number, 0x67726964])
        style = _STYLES[dept.key]
        geoms, comm = units["community" if dept.key == "police" else "grid"]
        groups = _groups(_adjacency(geoms, plane), comm, style, rng)
        merged = np.array([shapely.coverage_union_all(geoms[g]) for g in groups], dtype=object)
        codes = _codes(dept.service_object, groups, comm, rep_points(merged))
        moved = _valid(shapely.transform(merged, plane.field(rng, style.shift_m)))
        if style.clip:
            moved = _valid(polygonal_parts(shapely.intersection(moved, district)))
        else:
            _lobes(moved, district, plane, rng)
            moved = _valid(moved)
        keep = non_empty(moved)
        order = sorted(np.flatnonzero(keep).tolist(), key=lambda k: codes[k])
        names = _names(dept.key, len(order), rng)
        layers[dept.key] = [
            DeptFeature(codes[k], name, moved[k]) for k, name in zip(order, names, strict=True)
        ]
    return layers


def _names(key: str, n: int, rng: np.random.Generator) -> list[str]:
    """Chinese names: 城管第N单元网格, 综治网格N or XX警务区 (unique)."""
    if key == "urban_management":
        return [f"城管第{i}单元网格" for i in range(1, n + 1)]
    if key == "comprehensive_governance":
        return [f"综治网格{i}" for i in range(1, n + 1)]
    used: set[str] = set()
    names = []
    for i in range(n):
        for _ in range(100):
            stem = (
                FIRST_CHARS[rng.integers(len(FIRST_CHARS))]
                + URBAN_CHARS[rng.integers(len(URBAN_CHARS))]
            )
            if stem[0] != stem[1] and stem not in used:
                break
        else:
            stem = f"第{i + 1}"
        used.add(stem)
        names.append(f"{stem}警务区")
    return names
