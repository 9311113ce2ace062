"""Demo departmental layers (城管, 综治, 公安) over generated districts."""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib import resources

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from gridsvc.coding import (
    MULTI_COMMUNITY_FIRST,
    Level,
    department_code_parts,
    validate_department_code,
)
from gridsvc.demo.departments import DEPARTMENTS, DeptFeature, generate_department_layers
from gridsvc.demo.generate import GeneratedUnit, generate_hierarchy
from gridsvc.errors import InvalidInput
from gridsvc.geo.crs import parse_crs, transform_geometries
from gridsvc.geo.measure import area_m2
from gridsvc.topology import check_overlaps
from gridsvc.unify.conflicts import find_conflicts
from gridsvc.unify.crosswalk import crosswalk

KEYS = ["urban_management", "comprehensive_governance", "police"]
NAMES = {
    "urban_management": re.compile(r"^城管第\d+单元网格$"),
    "comprehensive_governance": re.compile(r"^综治网格\d+$"),
    "police": re.compile(r"^\w{2,3}警务区$"),
}


class District:
    """A generated district with its departmental layers."""

    def __init__(self, adcode: str, seed: int) -> None:
        path = resources.files("gridsvc") / "data" / "districts" / f"{adcode}.geojson"
        with path.open(encoding="utf-8") as fh:
            self.boundary: BaseGeometry = transform_geometries(
                [shape(json.load(fh))], parse_crs("gcj02")
            )[0]
        self.adcode, self.seed = adcode, seed
        units = generate_hierarchy(self.boundary, adcode, seed)
        self.grids: list[GeneratedUnit] = [u for u in units if u.level is Level.GRID]
        self.communities = [u for u in units if u.level is Level.COMMUNITY]
        self.layers = self.generate(seed)

    def generate(self, seed: int) -> dict[str, list[DeptFeature]]:
        return generate_department_layers(
            self.grids, self.communities, self.boundary, self.adcode, seed
        )


@pytest.fixture(scope="module")
def jinjiang() -> District:
    return District("510104", 7)


@pytest.fixture(scope="module")
def qilin() -> District:
    return District("530302", 0)


def test_departments() -> None:
    assert [d.key for d in DEPARTMENTS] == KEYS
    assert [d.name for d in DEPARTMENTS] == ["城管", "综治", "公安"]
    assert [d.service_object for d in DEPARTMENTS] == ["100100", "100200", "100300"]


@pytest.mark.parametrize("district", ["jinjiang", "qilin"])
def test_codes_names_and_geometries(district: str, request: pytest.FixtureRequest) -> None:
    d: District = request.getfixturevalue(district)
    assert list(d.layers) == KEYS
    communities = {c.code for c in d.communities}
    for dept in DEPARTMENTS:
        feats = d.layers[dept.key]
        codes = [f.code for f in feats]
        assert codes == sorted(codes) and len(set(codes)) == len(codes)
        assert len({f.name for f in feats}) == len(feats)
        multi = 0
        for f in feats:
            assert validate_department_code(f.code, d.adcode) is None
            parts = department_code_parts(f.code)
            assert parts["service_object"] == dept.service_object
            community = f.code[6:18]
            if int(parts["community"]) >= MULTI_COMMUNITY_FIRST:
                multi += 1
                assert any(c.startswith(f.code[6:15]) for c in communities)
            else:
                assert community in communities
            assert NAMES[dept.key].match(f.name), f.name
            assert isinstance(f.geometry, (Polygon, MultiPolygon)) and f.geometry.is_valid
            assert not f.geometry.is_empty
            minx, miny, maxx, maxy = f.geometry.bounds
            assert 100 < minx < maxx < 110 and 20 < miny < maxy < 35  # lon/lat in SW China
        assert multi > 0, f"{dept.key} has no grid spanning several communities"
        # A layer is a tiling of its own: no overlaps between its grids.
        assert check_overlaps(codes, [f.geometry for f in feats]) == []


def test_counts_on_qilin(qilin: District) -> None:
    counts = {key: len(feats) for key, feats in qilin.layers.items()}
    assert len(qilin.grids) > 900 and len(qilin.communities) > 100
    assert 400 <= counts["urban_management"] <= 650
    assert 220 <= counts["comprehensive_governance"] <= 420
    assert 40 <= counts["police"] <= 90


def test_layers_are_deterministic(jinjiang: District) -> None:
    again = jinjiang.generate(jinjiang.seed)
    for key in KEYS:
        one, two = jinjiang.layers[key], again[key]
        assert [(f.code, f.name) for f in one] == [(f.code, f.name) for f in two]
        assert all(a.geometry.equals_exact(b.geometry, 0.0) for a, b in zip(one, two, strict=True))
    other = jinjiang.generate(jinjiang.seed + 1)
    assert [f.geometry.wkb for f in other["urban_management"]] != [
        f.geometry.wkb for f in jinjiang.layers["urban_management"]
    ]


def test_layers_disagree_like_real_ones(jinjiang: District) -> None:
    d = jinjiang
    grid_codes = [g.code for g in d.grids]
    grid_geoms = [g.geometry for g in d.grids]
    kinds = {}
    for key in KEYS:
        feats = d.layers[key]
        geoms = [f.geometry for f in feats]
        rows = crosswalk(geoms, grid_codes, grid_geoms)
        found = find_conflicts(
            [f.code for f in feats], geoms, grid_codes, grid_geoms, d.boundary, rows
        )
        kinds[key] = Counter(c.kind for c in found)
        assert kinds[key]["boundary_mismatch"] > 0 and kinds[key]["uncovered"] > 0
    assert kinds["urban_management"]["sliver"] > 0
    # 城管 and 综治 stay inside the district; police beats reach outside in places.
    for key in ("urban_management", "comprehensive_governance"):
        outside = sum(area_m2(f.geometry.difference(d.boundary)) for f in d.layers[key])
        assert outside < 1.0
    assert kinds["police"]["outside_district"] > 0
    beyond = [area_m2(f.geometry.difference(d.boundary)) for f in d.layers["police"]]
    assert max(beyond) > 100_000.0  # a beat reaching a few hundred metres out
    # Granularity: 城管 finer than 综治, 综治 finer than 公安.
    n = [len(d.layers[k]) for k in KEYS]
    assert n[0] > n[1] > n[2] and n[0] < len(d.grids)


def test_borders_are_shifted_tens_of_metres(jinjiang: District) -> None:
    # Every 综治 grid is a group of unified grids moved by 20–80 m: its border runs near, but
    # not on, unified borders.
    unified = shapely.union_all([shapely.boundary(g.geometry) for g in jinjiang.grids])
    inner = [f for f in jinjiang.layers["comprehensive_governance"] if f.geometry.is_valid]
    pts = shapely.get_coordinates(shapely.boundary(np.array([f.geometry for f in inner])))
    sample = shapely.points(pts[:: max(1, len(pts) // 400)])
    inside = shapely.contains(jinjiang.boundary.buffer(-0.002), sample)  # away from the edge
    metres = shapely.distance(unified, sample[inside]) * 100_000.0  # roughly metres (± 10 %)
    assert np.median(metres) > 10.0 and np.percentile(metres, 90) < 100.0


def test_invalid_inputs(jinjiang: District) -> None:
    d = jinjiang
    with pytest.raises(InvalidInput, match="no grids"):
        generate_department_layers([], d.communities, d.boundary, d.adcode, 0)
    with pytest.raises(InvalidInput):
        generate_department_layers(d.grids, d.communities, d.boundary, "51010", 0)
    with pytest.raises(InvalidInput, match="community code of district 530302"):
        generate_department_layers(d.grids, d.communities, d.boundary, "530302", 0)


def test_accepts_plain_tuples(jinjiang: District) -> None:
    d = jinjiang
    grids = [(g.code, g.parent_code, g.geometry) for g in d.grids]
    communities = [(c.code, c.geometry) for c in d.communities]
    layers = generate_department_layers(grids, communities, d.boundary, d.adcode, d.seed)
    assert [f.code for f in layers["police"]] == [f.code for f in d.layers["police"]]
