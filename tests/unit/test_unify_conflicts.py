"""Conflicts of a departmental layer with the unified grid and the district (areas in m²)."""

from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache
from importlib import resources

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box, shape

from gridsvc.demo.departments import generate_department_layers
from gridsvc.demo.generate import generate_hierarchy
from gridsvc.geo.crs import parse_crs, transform_geometries
from gridsvc.geo.measure import area_m2, areas_m2
from gridsvc.topology import format_area, format_location
from gridsvc.unify.conflicts import KINDS, Conflict, clip_to_district, find_conflicts
from gridsvc.unify.crosswalk import crosswalk

# Three unified grids in a row at 25° N, each 0.01° (about 1 km) square; they are the district.
A = box(103.00, 25.00, 103.01, 25.01)
B = box(103.01, 25.00, 103.02, 25.01)
C = box(103.02, 25.00, 103.03, 25.01)
GRIDS = [A, B, C]
GRID_CODES = ["530302001001001", "530302001001002", "530302001001003"]
DISTRICT = box(103.00, 25.00, 103.03, 25.01)
HOLE = box(103.024, 25.004, 103.026, 25.006)
# D1 starts 0.002° east of A's west border: it takes 80 % of A and 20 % of B (mismatches),
# and leaves a strip of A uncovered. D2 takes the rest of B plus a 1e-6° (~0.1 m) sliver of C.
# D3 covers C but for a hole and a strip, and reaches 0.002° east outside the district.
D1 = box(103.002, 25.00, 103.012, 25.01)
D2 = box(103.012, 25.00, 103.020001, 25.01)
D3 = Polygon(box(103.020001, 25.00, 103.032, 25.01).exterior.coords, [HOLE.exterior.coords])
DEPT = [D1, D2, D3]
DEPT_CODES = ["10010053030200100101", "10010053030200100102", "10010053030200100103"]


def _conflicts(**kwargs: float) -> list[Conflict]:
    rows = crosswalk(DEPT, GRID_CODES, GRIDS)
    return find_conflicts(DEPT_CODES, DEPT, GRID_CODES, GRIDS, DISTRICT, rows, **kwargs)


def _of(conflicts: list[Conflict], kind: str) -> list[Conflict]:
    return [c for c in conflicts if c.kind == kind]


def test_boundary_mismatches_have_exact_shares() -> None:
    found = _of(_conflicts(), "boundary_mismatch")
    pairs = {(c.dept_codes, c.grid_codes): c for c in found}
    assert set(pairs) == {
        ((DEPT_CODES[0],), (GRID_CODES[0],)),
        ((DEPT_CODES[0],), (GRID_CODES[1],)),
        ((DEPT_CODES[1],), (GRID_CODES[1],)),
    }  # D3 covers 95.9 % of C: more than 1 − cut_share, so not a mismatch
    a_cut = pairs[((DEPT_CODES[0],), (GRID_CODES[0],))]
    assert a_cut.area_m2 == pytest.approx(0.8 * area_m2(A), rel=1e-9)
    assert a_cut.geometry is not None and a_cut.geometry.equals(box(103.002, 25.0, 103.01, 25.01))
    assert "80.0 % of 530302001001001" in a_cut.message
    assert DEPT_CODES[0] in a_cut.message and format_area(a_cut.area_m2) in a_cut.message
    assert format_location(a_cut.location) in a_cut.message
    assert a_cut.geometry.contains(shapely.Point(a_cut.location))
    b_cut = pairs[((DEPT_CODES[0],), (GRID_CODES[1],))]
    assert b_cut.area_m2 == pytest.approx(0.2 * area_m2(B), rel=1e-9)
    assert "20.0 % of 530302001001002" in b_cut.message


def test_cut_share_threshold() -> None:
    found = _of(_conflicts(cut_share=0.25), "boundary_mismatch")
    assert {(c.dept_codes[0], c.grid_codes[0]) for c in found} == set()  # 20 % and 80 % kept out
    found = _of(_conflicts(cut_share=0.01), "boundary_mismatch")
    assert ((DEPT_CODES[2],), (GRID_CODES[2],)) in {(c.dept_codes, c.grid_codes) for c in found}


def test_thin_strip_is_a_sliver() -> None:
    (sliver,) = _of(_conflicts(), "sliver")
    assert sliver.dept_codes == (DEPT_CODES[1],) and sliver.grid_codes == (GRID_CODES[2],)
    expected = area_m2(box(103.02, 25.00, 103.020001, 25.01))
    assert 100.0 < expected < 200.0
    assert sliver.area_m2 == pytest.approx(expected, rel=1e-6)
    assert "sliver" in sliver.message and format_area(sliver.area_m2) in sliver.message
    assert _of(_conflicts(sliver_m2=100.0), "sliver") == []


def test_holes_and_strips_are_uncovered_largest_first() -> None:
    strip, hole = _of(_conflicts(), "uncovered")
    assert strip.area_m2 == pytest.approx(area_m2(box(103.0, 25.0, 103.002, 25.01)), rel=1e-9)
    assert strip.grid_codes == (GRID_CODES[0],) and strip.dept_codes == ()
    assert hole.area_m2 == pytest.approx(area_m2(HOLE), rel=1e-9)
    assert hole.grid_codes == (GRID_CODES[2],)
    assert hole.geometry is not None and hole.geometry.equals(HOLE)
    assert "covered by no departmental grid" in hole.message and GRID_CODES[2] in hole.message
    assert len(_of(_conflicts(min_gap_m2=area_m2(HOLE) + 1.0), "uncovered")) == 1


def test_protrusion_is_outside_the_district() -> None:
    (out,) = _of(_conflicts(), "outside_district")
    assert out.dept_codes == (DEPT_CODES[2],) and out.grid_codes == ()
    assert out.area_m2 == pytest.approx(area_m2(box(103.03, 25.0, 103.032, 25.01)), rel=1e-9)
    assert "outside the district" in out.message and DEPT_CODES[2] in out.message


def test_kinds_and_order() -> None:
    found = _conflicts()
    assert Counter(c.kind for c in found) == {
        "boundary_mismatch": 3,
        "sliver": 1,
        "uncovered": 2,
        "outside_district": 1,
    }
    assert [c.kind for c in found] == sorted((c.kind for c in found), key=KINDS.index)


def test_district_defaults_to_the_union_of_unified_grids() -> None:
    rows = crosswalk(DEPT, GRID_CODES, GRIDS)
    assert find_conflicts(DEPT_CODES, DEPT, GRID_CODES, GRIDS, None, rows) == _conflicts()


def test_to_dict_is_json_friendly() -> None:
    for conflict in _conflicts():
        data = json.loads(json.dumps(conflict.to_dict()))
        assert data["kind"] == conflict.kind
        assert data["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert data["location"] == list(conflict.location)
        assert data["dept_codes"] == list(conflict.dept_codes)


def test_geometry_is_excluded_from_equality_and_repr() -> None:
    one = Conflict("sliver", ("a",), ("b",), 1.0, (0.0, 0.0), "m", A)
    two = Conflict("sliver", ("a",), ("b",), 1.0, (0.0, 0.0), "m", B)
    assert one == two and "POLYGON" not in repr(one)
    assert one.to_dict()["geometry"]["type"] == "Polygon"
    assert Conflict("sliver", (), (), 1.0, (0.0, 0.0), "m").to_dict()["geometry"] is None


def test_clip_to_district() -> None:
    tiny = box(103.0, 25.0, 103.0300001, 25.001)  # ~1 m² outside: clipped, not reported
    away = box(104.0, 25.0, 104.01, 25.01)
    codes = [*DEPT_CODES, "10010053030200100104", "10010053030200100105"]
    clipped, found = clip_to_district(codes, [*DEPT, tiny, away], DISTRICT)
    assert clipped[0] is D1 and clipped[1] is D2  # inside: untouched
    assert clipped[2].equals(D3.intersection(DISTRICT))
    assert clipped[3].equals(box(103.0, 25.0, 103.03, 25.001))
    assert clipped[4].is_empty
    assert [c.dept_codes for c in found] == [(codes[2],), (codes[4],)]
    assert all(c.kind == "outside_district" for c in found)
    assert found[0].area_m2 == pytest.approx(area_m2(box(103.03, 25.0, 103.032, 25.01)), rel=1e-9)
    assert "clipped" in found[0].message and "%" in found[0].message
    assert "entirely outside" in found[1].message
    assert found[1].area_m2 == pytest.approx(area_m2(away))


def test_clip_reports_a_large_share_of_a_small_feature() -> None:
    small = box(103.0299, 25.0, 103.03005, 25.0003)  # a third of ~560 m² outside (< 500 m²)
    _, found = clip_to_district(["10010053030200100101"], [small], DISTRICT)
    assert len(found) == 1 and found[0].area_m2 < 500.0


# --- on a generated district -----------------------------------------------------------------


@lru_cache(maxsize=1)
def _generated() -> tuple[list, dict, object]:
    path = resources.files("gridsvc") / "data" / "districts" / "510104.geojson"
    with path.open(encoding="utf-8") as fh:
        boundary = transform_geometries([shape(json.load(fh))], parse_crs("gcj02"))[0]
    units = generate_hierarchy(boundary, "510104", 3)
    grids = [u for u in units if u.level.value == "grid"]
    communities = [u for u in units if u.level.value == "community"]
    return grids, generate_department_layers(grids, communities, boundary, "510104", 3), boundary


@pytest.mark.parametrize("key", ["urban_management", "comprehensive_governance", "police"])
def test_conflicts_on_a_generated_district(key: str) -> None:
    grids, layers, boundary = _generated()
    feats = layers[key]
    codes, geoms = [f.code for f in feats], [f.geometry for f in feats]
    grid_codes, grid_geoms = [g.code for g in grids], [g.geometry for g in grids]
    rows = crosswalk(geoms, grid_codes, grid_geoms)
    found = find_conflicts(codes, geoms, grid_codes, grid_geoms, boundary, rows)
    kinds = Counter(c.kind for c in found)
    assert kinds["boundary_mismatch"] > 0 and kinds["uncovered"] > 0
    assert set(kinds) <= set(KINDS)
    assert (kinds["outside_district"] > 0) == (key == "police")  # the others are clipped
    for c in found:
        assert set(c.dept_codes) <= set(codes) and set(c.grid_codes) <= set(grid_codes)
        assert c.message and np.isfinite(c.location).all() and c.geometry is not None
        if c.kind == "boundary_mismatch":
            assert c.area_m2 > 200.0
        elif c.kind == "sliver":
            assert 1.0 < c.area_m2 < 200.0
        else:
            assert c.area_m2 > 500.0
        if c.kind == "outside_district":
            assert area_m2(c.geometry.intersection(boundary)) < 1.0
        if c.kind == "uncovered":
            assert area_m2(c.geometry.difference(boundary)) < 1.0
            assert float(areas_m2(shapely.intersection(np.array(geoms), c.geometry)).sum()) < 1.0
