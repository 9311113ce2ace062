"""Demo housing: households packed into buildings (楼栋) grouped in compounds (小区). Pure.

Buildings come at real density: urban blocks of 6–33 floors, rural houses of 1–3 floors.
``occupancy`` is the share of their flats that hold a generated household (the quick demo
registers 1/20 of a real population, so its buildings are mostly empty).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from gridsvc.demo.area import DemoArea
from gridsvc.demo.names import FIRST_CHARS, URBAN_CHARS

HOUSEHOLD_SIZES = np.array([1, 2, 3, 4, 5, 6])
HOUSEHOLD_SHARES = np.array([0.22, 0.28, 0.24, 0.15, 0.07, 0.04])
URBAN_FLOORS = np.array([6, 7, 9, 11, 18, 26, 33])
URBAN_FLOOR_SHARES = np.array([0.25, 0.2, 0.1, 0.15, 0.15, 0.1, 0.05])
COMPOUND_SUFFIXES = ("小区", "花园", "家园", "苑", "新村", "公寓", "雅居")
BUILDINGS_PER_COMPOUND = (4, 12)


@dataclass(frozen=True)
class Housing:
    """Households (by household index) and buildings and compounds (data frames)."""

    household_grid: np.ndarray  # grid index per household
    household_size: np.ndarray
    household_building: np.ndarray  # building row per household
    buildings: pd.DataFrame  # external_id, name, address, floors, households, grid, geometry
    compounds: pd.DataFrame  # external_id, name, address, grid, geometry


def households(counts: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(grid index, size) per household so that each grid holds exactly ``counts`` residents."""
    grids, sizes = [], []
    for g in np.flatnonzero(counts):
        n = int(counts[g])
        s = rng.choice(HOUSEHOLD_SIZES, size=n, p=HOUSEHOLD_SHARES)
        total = np.cumsum(s)
        k = int(np.searchsorted(total, n)) + 1
        s = s[:k]
        s[-1] -= int(total[k - 1]) - n
        grids.append(np.full(k, g))
        sizes.append(s)
    if not grids:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(grids), np.concatenate(sizes)


def build_housing(
    area: DemoArea,
    household_grid: np.ndarray,
    household_size: np.ndarray,
    occupancy: float,
    rng: np.random.Generator,
) -> Housing:
    """Buildings for every grid's households (and compounds of urban buildings)."""
    hh_building = np.empty(len(household_grid), dtype=np.int64)
    b_grid: list[np.ndarray] = []
    b_floors: list[np.ndarray] = []
    b_flats: list[np.ndarray] = []
    order = np.argsort(household_grid, kind="stable")
    bounds = np.searchsorted(household_grid[order], np.arange(len(area) + 1))
    for g in np.flatnonzero(np.diff(bounds)):
        rows = order[bounds[g] : bounds[g + 1]]
        floors, flats = _building_sizes(bool(area.urban[g]), len(rows), occupancy, rng)
        slots = np.maximum(1, np.round(flats * min(occupancy, 1.0))).astype(np.int64)
        start = int(sum(len(f) for f in b_floors))
        hh_building[rows] = start + np.searchsorted(np.cumsum(slots), np.arange(len(rows)), "right")
        b_grid.append(np.full(len(floors), g))
        b_floors.append(floors)
        b_flats.append(flats)
    grid = np.concatenate(b_grid) if b_grid else np.empty(0, np.int64)
    floors = np.concatenate(b_floors) if b_floors else np.empty(0, np.int64)
    flats = np.concatenate(b_flats) if b_flats else np.empty(0, np.int64)
    urban = area.urban[grid]
    size = np.where(
        urban[:, None],
        np.column_stack([rng.uniform(14, 20, len(grid)), rng.uniform(30, 60, len(grid))]),
        np.column_stack([rng.uniform(8, 12, len(grid)), rng.uniform(10, 14, len(grid))]),
    )
    geoms = area.footprints(grid, size, rng)
    compound = _compound_of(grid, urban, rng)
    buildings, compounds = _frames(area, grid, floors, flats, geoms, compound, rng)
    return Housing(household_grid, household_size, hh_building, buildings, compounds)


def _building_sizes(
    urban: bool, n_households: int, occupancy: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(floors, flats) of enough buildings to hold ``n_households`` at ``occupancy``."""
    k = n_households + 1
    if urban:
        floors = rng.choice(URBAN_FLOORS, size=k, p=URBAN_FLOOR_SHARES)
        flats = floors * rng.integers(2, 4, k) * 2  # 2–3 stairwells, 2 flats per landing
    else:
        floors = rng.integers(1, 4, k)
        flats = np.where(rng.random(k) < 0.15, 2, 1)
    slots = np.maximum(1, np.round(flats * min(occupancy, 1.0)))
    need = int(np.searchsorted(np.cumsum(slots), n_households)) + 1
    return floors[:need], flats[:need]


def _compound_of(grid: np.ndarray, urban: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Compound number (0, 1, … within the grid) of each urban building; -1 for rural ones."""
    out = np.full(len(grid), -1, dtype=np.int64)
    for g in np.unique(grid[urban]):
        rows = np.flatnonzero(grid == g)
        per = int(rng.integers(*BUILDINGS_PER_COMPOUND))
        out[rows] = np.arange(len(rows)) // per
    return out


def _frames(
    area: DemoArea,
    grid: np.ndarray,
    floors: np.ndarray,
    flats: np.ndarray,
    geoms: np.ndarray,
    compound: np.ndarray,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    codes = area.codes[grid]
    seq = pd.Series(grid).groupby(grid).cumcount().to_numpy() + 1
    stems = [area.place_name(int(g)) for g in range(len(area))]
    names, addresses = [], []
    c_rows: list[dict] = []
    compound_name: dict[tuple[int, int], str] = {}
    for i, (g, c) in enumerate(zip(grid.tolist(), compound.tolist(), strict=True)):
        if c < 0:
            community = area.community_names.get(str(area.codes[g])[:12], "")
            group = int(str(area.codes[g])[-3:])
            names.append(f"{community}{group}组{seq[i]}号")
            addresses.append(f"{stems[g]}{group}组{seq[i]}号")
            continue
        if (g, c) not in compound_name:
            compound_name[g, c] = _compound_name(rng)
            c_rows.append({"grid": g, "number": c, "name": compound_name[g, c]})
        names.append(f"{compound_name[g, c]}{seq[i]}栋")
        addresses.append(f"{stems[g]}{names[-1]}")
    buildings = pd.DataFrame(
        {
            "external_id": np.char.add(np.char.add("LD", codes), np.char.zfill(seq.astype(str), 4)),
            "name": names,
            "address": addresses,
            "floors": floors,
            "households": flats,
            "grid": grid,
            "compound": compound,
            "geometry": geoms,
        }
    )
    comps = pd.DataFrame(c_rows, columns=["grid", "number", "name"])
    hulls = []
    for row in comps.itertuples():
        members = geoms[(grid == row.grid) & (compound == row.number)]
        hull = shapely.convex_hull(shapely.union_all(members)).buffer(8e-5, join_style="mitre")
        hull = shapely.intersection(hull, area.inner[row.grid])
        parts = shapely.get_parts(hull)
        parts = parts[shapely.get_type_id(parts) == 3]
        hulls.append(parts[int(np.argmax(shapely.area(parts)))] if len(parts) else members[0])
    comps["external_id"] = [
        f"XQ{area.codes[g]}{n + 1:02d}" for g, n in zip(comps["grid"], comps["number"], strict=True)
    ]
    comps["address"] = [
        f"{stems[g]}{name}" for g, name in zip(comps["grid"], comps["name"], strict=True)
    ]
    comps["geometry"] = hulls
    return buildings, comps


def _compound_name(rng: np.random.Generator) -> str:
    first = FIRST_CHARS[rng.integers(len(FIRST_CHARS))]
    second = URBAN_CHARS[rng.integers(len(URBAN_CHARS))]
    return first + second + COMPOUND_SUFFIXES[rng.integers(len(COMPOUND_SUFFIXES))]
