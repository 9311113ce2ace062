"""Unit tests for gridsvc.topology and gridsvc.geo.measure (pure geometry, no database)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely import MultiPolygon, Point, Polygon, box

from gridsvc.geo.measure import area_m2, areas_m2, local_equal_area, to_local
from gridsvc.topology import (
    EMPTY_GEOMETRY,
    GAP,
    INVALID_GEOMETRY,
    OUTSIDE_PARENT,
    OVERLAP,
    Finding,
    check_gaps,
    check_overlaps,
    check_siblings,
    check_within_parent,
    repair_invalid,
)

LON0, LAT0, CELL = 103.8, 25.5, 0.005


def cell(i: int, j: int, size: float = CELL) -> Polygon:
    return box(LON0 + i * size, LAT0 + j * size, LON0 + (i + 1) * size, LAT0 + (j + 1) * size)


def tiling(n: int = 3, size: float = CELL) -> tuple[Polygon, list[str], list[Polygon]]:
    cells = [cell(i, j, size) for j in range(n) for i in range(n)]
    codes = [f"5301020010{k:02d}" for k in range(len(cells))]
    parent = box(LON0, LAT0, LON0 + n * size, LAT0 + n * size)
    return parent, codes, cells


def geod_area(geom: Polygon) -> float:
    return abs(Geod(ellps="WGS84").geometry_area_perimeter(geom)[0])


def inside(finding: Finding, geom: Polygon) -> bool:
    return geom.buffer(1e-9).contains(Point(finding.location))


# --- measure ---------------------------------------------------------------------------------


def test_area_of_hundredth_degree_square_near_kunming() -> None:
    square = box(LON0, LAT0, LON0 + 0.01, LAT0 + 0.01)
    # WGS 84 metres per degree at the square's mid-latitude (meridian / parallel arcs).
    a, e2, phi = 6378137.0, 6.69437999014e-3, math.radians(LAT0 + 0.005)
    w = 1 - e2 * math.sin(phi) ** 2
    south_north = math.radians(0.01) * a * (1 - e2) / w**1.5
    west_east = math.radians(0.01) * a * math.cos(phi) / math.sqrt(w)
    assert south_north == pytest.approx(1107.8, abs=0.1)
    assert west_east == pytest.approx(1005.3, abs=0.1)
    area = area_m2(square)
    assert area == pytest.approx(south_north * west_east, rel=1e-3)
    assert area == pytest.approx(geod_area(square), rel=1e-3)


def test_areas_m2_is_vectorised_and_handles_empty_and_missing() -> None:
    big = box(LON0, LAT0, LON0 + 0.2, LAT0 + 0.2)  # district-sized, ~400 km²
    geoms = np.array([big, Polygon(), None, cell(5, 5)], dtype=object)
    result = areas_m2(geoms)
    assert result.shape == (4,)
    assert result[0] == pytest.approx(geod_area(big), rel=1e-3)
    assert result[1] == 0.0
    assert math.isnan(result[2])
    assert result[3] == pytest.approx(geod_area(cell(5, 5)), rel=1e-3)
    # The equal-area projection makes the centre irrelevant for area.


def test_local_projection_is_cached_and_centred() -> None:
    assert local_equal_area(LON0, LAT0) is local_equal_area(LON0, LAT0)
    projected = to_local(Point(LON0, LAT0), LON0, LAT0)
    assert projected.x == pytest.approx(0.0, abs=1e-6)
    assert projected.y == pytest.approx(0.0, abs=1e-6)


# --- repair ----------------------------------------------------------------------------------


def test_bow_tie_is_detected_and_repaired() -> None:
    bow_tie = Polygon([(103.80, 25.50), (103.81, 25.51), (103.81, 25.50), (103.80, 25.51)])
    good = cell(0, 0)
    repaired, findings = repair_invalid(["A", "B"], [bow_tie, good])
    assert [f.kind for f in findings] == [INVALID_GEOMETRY]
    finding = findings[0]
    assert finding.codes == ("A",)
    assert "self-intersection" in finding.message.lower()
    assert "A" in finding.message
    assert finding.location == pytest.approx((103.805, 25.505))
    assert repaired[1] is good
    fixed = repaired[0]
    assert fixed.is_valid and isinstance(fixed, MultiPolygon) and len(fixed.geoms) == 2
    assert finding.area_m2 == pytest.approx(area_m2(box(103.80, 25.50, 103.81, 25.51)) / 2, 1e-3)


def test_degenerate_and_missing_geometries_become_empty_findings() -> None:
    sliver = Polygon([(LON0, LAT0), (LON0 + 0.01, LAT0), (LON0 + 0.02, LAT0), (LON0, LAT0)])
    repaired, findings = repair_invalid([1, 2, 3], [sliver, None, Polygon()])
    kinds = {(f.kind, f.codes) for f in findings}
    assert (INVALID_GEOMETRY, ("1",)) in kinds
    assert {(EMPTY_GEOMETRY, (c,)) for c in "123"} <= kinds
    assert all(g.is_empty and g.geom_type == "Polygon" for g in repaired)
    for f in findings:
        json.dumps(f.to_dict(), allow_nan=False)


# --- within parent ---------------------------------------------------------------------------


def test_child_sticking_out_of_parent() -> None:
    parent, _, _ = tiling()
    sticking = box(LON0 + 0.010, LAT0, LON0 + 0.016, LAT0 + 0.005)  # 0.001° beyond the east edge
    findings = check_within_parent("P", parent, ["C1", "C2"], [cell(0, 0), sticking])
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.kind, finding.codes) == (OUTSIDE_PARENT, ("C2",))
    expected = box(LON0 + 0.015, LAT0, LON0 + 0.016, LAT0 + 0.005)
    assert finding.area_m2 == pytest.approx(area_m2(expected), rel=1e-3)
    assert inside(finding, expected)
    assert "C2" in finding.message and "P" in finding.message and "m²" in finding.message


def test_child_entirely_outside_parent() -> None:
    parent, _, _ = tiling()
    far = cell(10, 10)
    touching = box(LON0 + 0.015, LAT0, LON0 + 0.02, LAT0 + 0.005)  # shares the east edge only
    findings = check_within_parent("P", parent, ["far", "touch"], [far, touching])
    assert [f.codes for f in findings] == [("far",), ("touch",)]
    assert all("entirely outside" in f.message for f in findings)
    assert findings[0].area_m2 == pytest.approx(area_m2(far), rel=1e-6)


def test_outside_tolerance_is_respected() -> None:
    parent, _, _ = tiling()
    # Sticks out by 1e-7° (~1 cm × 550 m ≈ 5.5 m²): below 0.1 % of the child's area.
    nearly = box(LON0 + 0.010, LAT0, LON0 + 0.015 + 1e-7, LAT0 + 0.005)
    assert check_within_parent("P", parent, ["C"], [nearly]) == []
    assert len(check_within_parent("P", parent, ["C"], [nearly], tolerance_m2=1.0)) == 1


# --- overlaps --------------------------------------------------------------------------------


def test_overlapping_siblings_report_both_codes_and_area() -> None:
    a = cell(0, 0)
    b = box(LON0 + 0.004, LAT0, LON0 + 0.009, LAT0 + 0.005)  # overlaps a by 0.001° × 0.005°
    c = cell(0, 1)  # touches a along an edge only
    findings = check_overlaps(["a", "b", "c"], [a, b, c])
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.kind, finding.codes) == (OVERLAP, ("a", "b"))
    expected = box(LON0 + 0.004, LAT0, LON0 + 0.005, LAT0 + 0.005)
    assert finding.area_m2 == pytest.approx(area_m2(expected), rel=1e-3)
    assert inside(finding, expected)
    assert "a" in finding.message and "b" in finding.message


def test_contained_and_identical_siblings_overlap() -> None:
    big, small = cell(0, 0), cell(0, 0).buffer(-0.001)
    findings = check_overlaps(["big", "small", "twin"], [big, small, cell(0, 0)])
    assert {f.codes for f in findings} == {("big", "small"), ("big", "twin"), ("small", "twin")}


def test_overlap_below_tolerance_is_not_reported() -> None:
    a = cell(0, 0)
    b = box(LON0 + CELL - 1e-8, LAT0, LON0 + 2 * CELL, LAT0 + CELL)  # ~0.001 m × 553 m ≈ 0.55 m²
    assert check_overlaps(["a", "b"], [a, b]) == []
    assert len(check_overlaps(["a", "b"], [a, b], tolerance_m2=0.1)) == 1


# --- gaps ------------------------------------------------------------------------------------


def test_gap_in_the_middle() -> None:
    parent, codes, cells = tiling()
    findings = check_gaps("P", parent, cells[:4] + cells[5:])
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.kind, finding.codes) == (GAP, ("P",))
    assert finding.area_m2 == pytest.approx(area_m2(cell(1, 1)), rel=1e-3)
    assert inside(finding, cell(1, 1))
    assert "P" in finding.message


def test_gaps_at_the_edge_are_reported_separately() -> None:
    parent, _, cells = tiling()
    east = LON0 + 3 * CELL
    # Shrink the east column by 0.0005° and drop the south-west cell: two separate gaps.
    shrunk = [box(*(g.bounds[:2]), min(g.bounds[2], east - 0.0005), g.bounds[3]) for g in cells[1:]]
    findings = check_gaps("P", parent, shrunk)
    assert len(findings) == 2
    strip = box(east - 0.0005, LAT0, east, LAT0 + 3 * CELL)
    assert findings[0].area_m2 == pytest.approx(area_m2(cell(0, 0)), rel=1e-3)  # largest first
    assert findings[1].area_m2 == pytest.approx(area_m2(strip), rel=1e-3)
    assert inside(findings[1], strip)


def test_tiny_gap_below_tolerance_is_not_reported() -> None:
    parent, _, cells = tiling()
    # A 1e-7° wide sliver along the east edge: ~0.01 m × 1.66 km ≈ 17 m².
    east = LON0 + 3 * CELL - 1e-7
    shrunk = [box(*g.bounds[:2], min(g.bounds[2], east), g.bounds[3]) for g in cells]
    assert check_gaps("P", parent, shrunk, tolerance_m2=100.0) == []
    assert len(check_gaps("P", parent, shrunk, tolerance_m2=1.0)) == 1


# --- combined --------------------------------------------------------------------------------


def test_clean_tiling_has_no_findings() -> None:
    parent, codes, cells = tiling()
    assert check_siblings("P", parent, codes, cells) == []


def test_check_siblings_combines_all_checks_and_is_json_friendly() -> None:
    parent, codes, cells = tiling()
    bow_tie = Polygon([(103.80, 25.50), (103.805, 25.505), (103.805, 25.50), (103.80, 25.505)])
    cells[0] = bow_tie  # invalid, and half of cell (0, 0) is left uncovered
    cells[8] = box(*cells[8].bounds[:2], LON0 + 0.016, cells[8].bounds[3])  # sticks out east
    cells[4] = cells[4].buffer(0.0002, join_style="mitre")  # overlaps all its neighbours
    findings = check_siblings("P", parent, codes, cells)
    kinds = [f.kind for f in findings]
    assert kinds.count(INVALID_GEOMETRY) == 1
    assert kinds.count(OUTSIDE_PARENT) == 1  # cell 8; the grown centre cell stays inside
    assert kinds.count(OVERLAP) == 8
    assert kinds.count(GAP) == 2
    for finding in findings:
        data = finding.to_dict()
        text = json.dumps(data, allow_nan=False)
        assert json.loads(text)["kind"] == finding.kind
        assert data["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    no_gap = check_siblings("P", parent, codes, cells, check_gap=False)
    assert [f.kind for f in no_gap] == [k for k in kinds if k != GAP]


def test_finding_equality_ignores_geometry() -> None:
    one = Finding(GAP, ("P",), 12.5, (103.8, 25.5), "gap", cell(0, 0))
    two = Finding(GAP, ("P",), 12.5, (103.8, 25.5), "gap", None)
    assert one == two
    assert "POLYGON" not in repr(one)
    assert "geometry" not in two.to_dict()
    assert one.to_dict()["location"] == [103.8, 25.5]


def test_thousand_children_with_a_detailed_parent() -> None:
    n, size = 32, 0.001
    parent, codes, cells = tiling(n, size)
    wobbly = shapely.segmentize(parent, 1e-5)  # a parent with ~13k vertices
    cells[5] = cells[5].buffer(0.0001, join_style="mitre")
    findings = check_siblings("P", wobbly, codes, cells)
    assert {f.kind for f in findings} == {OVERLAP, OUTSIDE_PARENT}
