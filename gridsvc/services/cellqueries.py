"""Queries on the H3 index: cells of a grid, grids near a cell or point, counts per cell."""

from __future__ import annotations

import numpy as np
from sqlalchemy import Engine

from gridsvc.auth import Action, Principal, authorize, require_unit, search_district
from gridsvc.errors import InvalidInput, NotFound
from gridsvc.services.cells import LocatorCache
from gridsvc.services.locate import Located, coordinate_error
from gridsvc.spatial import h3cells

#: Most index cells one query may expand to (a resolution-5 cell holds 117,649 at res 11).
MAX_CELLS = 200_000


def _parse_cell(text: str) -> np.uint64:
    try:
        cells = h3cells.str_to_cells([text])
    except (ValueError, TypeError):
        cells = np.zeros(1, dtype=np.uint64)
    if not cells[0]:
        raise InvalidInput(f"'{text}' is not a valid H3 cell index")
    return cells[0]


def _at_resolution(cells: np.ndarray, resolution: int) -> np.ndarray:
    """The cells covering ``cells`` at ``resolution`` (parents, or all children)."""
    current = h3cells.cell_resolution(cells)
    if (current == resolution).all():
        return cells
    if (current > resolution).all():
        return np.unique(h3cells.cell_parents(cells, resolution))
    return np.unique(h3cells.cell_children(cells, resolution))


def _grids_of(
    engine: Engine, locators: LocatorCache, cells: np.ndarray, district: str | None
) -> list[str]:
    """Codes of the grids touching ``cells``, in ``district`` (None: every indexed district)."""
    found: set[str] = set()
    for adcode in [district] if district else locators.districts(engine):
        locator = locators.get(engine, adcode)
        if locator is not None:
            found.update(locator.index.grids_of_cells(cells))
    return sorted(found)


def grids_near_cell(
    engine: Engine, locators: LocatorCache, principal: Principal, cell: str, k: int,
    district: str | None = None,
) -> dict:  # fmt: skip
    """Codes of the grids touching the cells within ``k`` rings of ``cell`` (any resolution).

    Only codes are answered, so a grid leader may ask about any grid; a key limited to a
    district only ever finds grids of its district.
    """
    authorize(principal, Action.LOCATE)
    scope = search_district(principal, district)
    c = _parse_cell(cell)
    depth = max(0, locators.resolution - int(h3cells.cell_resolution([c])[0]))
    cells_needed = (3 * k * (k + 1) + 1) * 7**depth
    if cells_needed > MAX_CELLS:
        raise InvalidInput(
            f"cell {cell} with k={k} covers about {cells_needed:,} cells at the index "
            f"resolution {locators.resolution}; the limit is {MAX_CELLS:,}: use a finer cell "
            "or a smaller k"
        )
    disk = h3cells.grid_disk(np.array([c], dtype=np.uint64), k)
    cells = _at_resolution(disk, locators.resolution)
    return {"h3": cell, "k": k, "grids": _grids_of(engine, locators, cells, scope)}


def grids_near_point(
    engine: Engine, locators: LocatorCache, principal: Principal, lon: float, lat: float,
    k: int, district: str | None = None,
) -> dict:  # fmt: skip
    """Codes of the grids touching the cells within ``k`` rings of a WGS 84 point's cell."""
    authorize(principal, Action.LOCATE)
    scope = search_district(principal, district)
    problem = coordinate_error(lon, lat)
    if problem:
        raise InvalidInput(f"point ({lon}, {lat}): {problem}")
    cell = h3cells.latlng_to_cells(np.array([lat]), np.array([lon]), locators.resolution)
    disk = h3cells.grid_disk(cell, k)
    return {
        "lon": lon, "lat": lat, "h3": str(h3cells.cells_to_str(cell)[0]), "k": k,
        "grids": _grids_of(engine, locators, disk, scope),
    }  # fmt: skip


def cells_of_grid(engine: Engine, locators: LocatorCache, principal: Principal, code: str) -> dict:
    """A grid's interior cells (wholly inside it) and boundary cells (shared or partial)."""
    require_unit(principal, code)
    locator = locators.get(engine, code[:6])
    index = locator.index if locator else None
    if index is None or code not in set(index.codes):
        raise NotFound(f"no H3 cells for grid '{code}': is it a grid of an indexed district?")
    gid = int(np.searchsorted(index.codes, code))
    interior = index.cells[index.owner == gid]
    cell_of_candidate = np.repeat(np.arange(len(index.cells)), np.diff(index.cand_ptr))
    boundary = index.cells[cell_of_candidate[index.cand_ids == gid]]
    return {
        "grid_code": code,
        "resolution": index.resolution,
        "interior": h3cells.cells_to_str(np.sort(interior)).tolist(),
        "boundary": h3cells.cells_to_str(np.sort(boundary)).tolist(),
    }


def aggregate(found: Located, resolution: int, index_resolution: int) -> dict:
    """Counts of located points per H3 cell at ``resolution`` and per unit up the hierarchy."""
    valid = np.array([e is None for e in found.errors], dtype=bool)
    if resolution <= index_resolution:
        cells = h3cells.cell_parents(found.cells[valid], resolution)
    else:
        cells = h3cells.latlng_to_cells(found.lat[valid], found.lon[valid], resolution)
    uniq, counts = np.unique(cells, return_counts=True)
    codes = [c for c in found.grid_codes[valid] if c is not None]
    levels = {"grids": 15, "communities": 12, "streets": 9, "districts": 6}
    by_unit = {}
    for name, n in levels.items():
        keys, nums = np.unique(np.array([c[:n] for c in codes] or [""], dtype=object),
                               return_counts=True)  # fmt: skip
        by_unit[name] = {k: int(v) for k, v in zip(keys, nums, strict=True) if k}
    return {
        "resolution": resolution,
        "points": int(valid.sum()),
        "invalid": int((~valid).sum()),
        "outside": int(valid.sum()) - len(codes),
        "cells": dict(zip(h3cells.cells_to_str(uniq).tolist(), counts.tolist(), strict=True)),
        **by_unit,
    }
