"""Crosswalk between departmental grids and unified grids: pairs, areas (m²) and shares."""

from __future__ import annotations

import json
from collections import defaultdict
from functools import lru_cache
from importlib import resources

import numpy as np
import pytest
import shapely
from shapely.geometry import box, shape

from gridsvc.demo.departments import DeptFeature, generate_department_layers
from gridsvc.demo.generate import GeneratedUnit, generate_hierarchy
from gridsvc.geo.crs import parse_crs, transform_geometries
from gridsvc.geo.measure import area_m2, areas_m2
from gridsvc.unify.crosswalk import CrosswalkRow, crosswalk

# Two unified grids side by side at 25° N, 0.01° (about 1 km) square.
A = box(103.00, 25.00, 103.01, 25.01)
B = box(103.01, 25.00, 103.02, 25.01)
CODES = ["530302001001001", "530302001001002"]


def test_shifted_border_gives_exact_shares() -> None:
    dept = box(103.0025, 25.00, 103.0125, 25.01)  # a quarter of a grid to the east
    rows = crosswalk([dept], CODES, [A, B])
    assert [(r.dept_index, r.grid_code) for r in rows] == [(0, CODES[0]), (0, CODES[1])]
    first, second = rows
    # Pieces on the same band of latitude: area ratios are exact.
    assert first.share_of_grid == pytest.approx(0.75, rel=1e-9)
    assert second.share_of_grid == pytest.approx(0.25, rel=1e-9)
    assert first.share_of_dept == pytest.approx(0.75, rel=1e-9)
    assert second.share_of_dept == pytest.approx(0.25, rel=1e-9)
    assert first.overlap_m2 == pytest.approx(0.75 * area_m2(A), rel=1e-9)
    assert first.overlap_m2 + second.overlap_m2 == pytest.approx(area_m2(dept), rel=1e-9)
    assert 1.0e6 < area_m2(A) < 1.2e6  # 0.01° × 0.01° at 25° N is about 1.1 km²


def test_rows_are_frozen_dataclasses() -> None:
    row = crosswalk([A], CODES, [A, B])[0]
    assert row == CrosswalkRow(0, CODES[0], row.overlap_m2, 1.0, 1.0)
    with pytest.raises(AttributeError):
        row.overlap_m2 = 0.0  # type: ignore[misc]


def test_touching_and_disjoint_pairs_are_left_out() -> None:
    far = box(104.0, 26.0, 104.01, 26.01)
    rows = crosswalk([A, far], CODES, [A, B])  # A only touches B
    assert [(r.dept_index, r.grid_code) for r in rows] == [(0, CODES[0])]


def test_min_overlap_filters_thin_overlaps() -> None:
    strip = box(103.00, 25.00, 103.0100001, 25.01)  # 1e-7° (about 1 cm) into B: ~11 m²
    rows = crosswalk([strip], CODES, [A, B])
    assert [r.grid_code for r in rows] == CODES
    assert 5.0 < rows[1].overlap_m2 < 20.0
    rows = crosswalk([strip], CODES, [A, B], min_overlap_m2=20.0)
    assert [r.grid_code for r in rows] == CODES[:1]


def test_missing_and_empty_geometries_keep_their_index() -> None:
    rows = crosswalk([None, shapely.Polygon(), B], CODES, [A, B])
    assert [(r.dept_index, r.grid_code) for r in rows] == [(2, CODES[1])]


def test_code_count_must_match() -> None:
    with pytest.raises(ValueError, match="1 grid codes for 2"):
        crosswalk([A], CODES[:1], [A, B])


def test_many_to_many_order_is_by_dept_then_grid() -> None:
    grids = [box(103.0 + 0.01 * i, 25.0 + 0.01 * j, 103.01 + 0.01 * i, 25.01 + 0.01 * j)
             for j in range(3) for i in range(3)]  # fmt: skip
    codes = [f"530302001001{k + 1:03d}" for k in range(9)]
    dept = [box(103.005, 25.005, 103.025, 25.025), box(103.0, 25.0, 103.03, 25.03)]
    rows = crosswalk(dept, codes, grids)
    keys = [(r.dept_index, codes.index(r.grid_code)) for r in rows]
    assert keys == sorted(keys)
    assert sum(r.dept_index == 0 for r in rows) == 9 and sum(r.dept_index == 1 for r in rows) == 9
    assert sum(r.share_of_dept for r in rows if r.dept_index == 1) == pytest.approx(1.0)
    centre = [r for r in rows if r.dept_index == 0 and r.grid_code == codes[4]][0]
    assert centre.share_of_grid == pytest.approx(1.0) and centre.share_of_dept == pytest.approx(
        0.25, rel=1e-3
    )


# --- on a generated district -----------------------------------------------------------------


@lru_cache(maxsize=2)
def _generated(adcode: str) -> tuple[list[GeneratedUnit], dict[str, list[DeptFeature]], object]:
    path = resources.files("gridsvc") / "data" / "districts" / f"{adcode}.geojson"
    with path.open(encoding="utf-8") as fh:
        boundary = transform_geometries([shape(json.load(fh))], parse_crs("gcj02"))[0]
    units = generate_hierarchy(boundary, adcode, 7)
    grids = [u for u in units if u.level.value == "grid"]
    communities = [u for u in units if u.level.value == "community"]
    return grids, generate_department_layers(grids, communities, boundary, adcode, 7), boundary


@pytest.mark.parametrize("key", ["urban_management", "comprehensive_governance", "police"])
def test_shares_sum_to_one_on_a_generated_district(key: str) -> None:
    grids, layers, boundary = _generated("510104")
    feats = layers[key]
    dept = np.array([f.geometry for f in feats], dtype=object)
    grid_geoms = np.array([g.geometry for g in grids], dtype=object)
    codes = [g.code for g in grids]
    rows = crosswalk(dept, codes, grid_geoms)
    by_grid: dict[str, float] = defaultdict(float)
    by_dept: dict[int, float] = defaultdict(float)
    for r in rows:
        assert r.overlap_m2 > 1.0
        assert 0.0 < r.share_of_grid <= 1.0 and 0.0 < r.share_of_dept <= 1.0
        by_grid[r.grid_code] += r.share_of_grid
        by_dept[r.dept_index] += r.share_of_dept
    # Grids the layer covers completely are shared out in full (the layer has no overlaps).
    uncovered = areas_m2(shapely.difference(grid_geoms, shapely.union_all(dept)))
    covered = [c for c, gap in zip(codes, uncovered, strict=True) if gap < 1e-3]
    assert len(covered) > len(codes) // 3
    for code in covered:
        assert by_grid[code] == pytest.approx(1.0, abs=1e-4)
    # And every departmental grid inside the district is shared out over unified grids.
    outside = areas_m2(shapely.difference(dept, boundary))
    inside = [i for i in range(len(feats)) if outside[i] < 1e-3]
    assert inside
    for i in inside:
        assert by_dept[i] == pytest.approx(1.0, abs=1e-4)
    # Departments do not follow unified borders: some grids are cut.
    assert any(0.05 < r.share_of_grid < 0.95 for r in rows)
