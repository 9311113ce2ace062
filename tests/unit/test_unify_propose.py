"""Proposing a unified grid from overlaid departmental layers, community by community."""

from __future__ import annotations

import json
from collections import defaultdict
from importlib import resources

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box, shape
from shapely.geometry.base import BaseGeometry

from gridsvc.coding import Level, validate_code
from gridsvc.demo.departments import generate_department_layers
from gridsvc.demo.generate import generate_hierarchy
from gridsvc.errors import InvalidInput
from gridsvc.geo.crs import parse_crs, transform_geometries
from gridsvc.geo.measure import area_m2, areas_m2
from gridsvc.topology import check_overlaps
from gridsvc.unify.propose import ProposedGrid, propose_unified_grid

# Two communities side by side at 25° N, 0.01° (about 1 km) square.
K1 = box(103.00, 25.00, 103.01, 25.01)
K2 = box(103.01, 25.00, 103.02, 25.01)
COMMUNITIES = ["530302001001", "530302001002"]
# Layer 1 splits K1 at 103.005; its east grid E crosses into K2 and leaves K2's east uncovered.
W = box(103.00, 25.00, 103.005, 25.01)
E = box(103.005, 25.00, 103.015, 25.01)
# Layer 2 splits both at 25.005 and stops at 103.018: the strip east of it is covered by nobody.
N = box(103.00, 25.005, 103.018, 25.01)
S = box(103.00, 25.00, 103.018, 25.005)
# Layer 3 follows layer 1 but its north border leans east: a thin triangle (~8,000 m²) between
# them, which is merged into NE (its longest border, the slanted one).
W3 = Polygon([(103.0, 25.0), (103.005, 25.0), (103.005, 25.005), (103.0053, 25.01), (103.0, 25.01)])
LAYERS = [(["W", "E"], [W, E]), (["N", "S"], [N, S]), (["W3"], [W3])]


def _propose(**kwargs: float) -> list[ProposedGrid]:
    return propose_unified_grid(LAYERS, COMMUNITIES, [K1, K2], **kwargs)


def _union_error_m2(pieces: list[BaseGeometry], community: BaseGeometry) -> float:
    return area_m2(shapely.symmetric_difference(shapely.union_all(pieces), community))


def test_overlay_of_squares() -> None:
    proposed = _propose()
    assert [p.code for p in proposed] == [
        "530302001001001",
        "530302001001002",
        "530302001001003",
        "530302001001004",
        "530302001002001",
        "530302001002002",
        "530302001002003",
        "530302001002004",
        "530302001002005",
    ]
    assert [p.parent_code for p in proposed] == [COMMUNITIES[0]] * 4 + [COMMUNITIES[1]] * 5
    nw, ne, sw, se = proposed[:4]
    assert nw.geometry.equals(box(103.0, 25.005, 103.005, 25.01))
    assert ne.geometry.equals(box(103.005, 25.005, 103.01, 25.01))  # triangle merged in
    assert sw.geometry.equals(box(103.0, 25.0, 103.005, 25.005))
    assert se.geometry.equals(box(103.005, 25.0, 103.01, 25.005))
    assert [p.sources for p in proposed[:4]] == [
        ("W", "N", "W3"),
        ("E", "N", "W3"),  # the triangle is ~3 % of NE
        ("W", "S", "W3"),
        ("E", "S"),
    ]
    # K2 reads: row north (E∩N, N only, nobody), then row south (E∩S, S only).
    k2 = {p.sources: p.geometry for p in proposed[4:]}
    assert list(k2) == [("E", "N"), ("N",), (), ("E", "S"), ("S",)]
    assert k2[()].equals(box(103.018, 25.0, 103.02, 25.01))  # uncovered part is a piece too
    assert k2[("N",)].equals(box(103.015, 25.005, 103.018, 25.01))


def test_pieces_never_cross_communities_and_tile_them() -> None:
    proposed = _propose()
    for code, community in zip(COMMUNITIES, [K1, K2], strict=True):
        mine = [p.geometry for p in proposed if p.parent_code == code]
        assert all(community.covers(g) for g in mine)
        assert _union_error_m2(mine, community) < 1e-6
        assert check_overlaps([str(i) for i in range(len(mine))], mine, 1e-6) == []
        assert min(areas_m2(mine)) >= 20_000.0


def test_large_minimum_area_leaves_one_piece_per_community() -> None:
    proposed = _propose(min_area_m2=1e9)
    assert [p.code for p in proposed] == ["530302001001001", "530302001002001"]
    assert proposed[0].geometry.equals(K1) and proposed[1].geometry.equals(K2)
    # Sources come layer by layer (W and E cover half of K1 each, so either may come first).
    first = proposed[0].sources
    assert {first[0], first[1]} == {"W", "E"} and {first[2], first[3]} == {"N", "S"}
    assert first[4] == "W3"
    assert proposed[1].sources[0] == "E" and set(proposed[1].sources[1:]) == {"N", "S"}


def test_no_layers_gives_the_community() -> None:
    (only,) = propose_unified_grid([], ["530302001001"], [K1])
    assert only == ProposedGrid("530302001001001", "530302001001", K1, ())


def test_small_island_joins_the_nearest_piece() -> None:
    island = box(103.0101, 25.0, 103.0103, 25.0002)  # ~440 m², 10 m east of K1
    community = MultiPolygon([K1, island])
    (only,) = propose_unified_grid([], ["530302001001"], [community], min_area_m2=1000.0)
    assert only.geometry.equals(community)
    proposed = propose_unified_grid([(["W"], [W])], ["530302001001"], [community])
    assert len(proposed) == 2
    assert all(area_m2(p.geometry) >= 20_000.0 for p in proposed)
    assert _union_error_m2([p.geometry for p in proposed], community) < 1e-6


def test_invalid_inputs() -> None:
    with pytest.raises(InvalidInput, match="12"):
        propose_unified_grid(LAYERS, ["530302001"], [K1])
    with pytest.raises(InvalidInput, match="2 community codes for 1"):
        propose_unified_grid(LAYERS, COMMUNITIES, [K1])
    with pytest.raises(InvalidInput, match="1 departmental codes for 2"):
        propose_unified_grid([(["W"], [W, E])], COMMUNITIES, [K1, K2])
    with pytest.raises(InvalidInput, match="no geometry"):
        propose_unified_grid(LAYERS, COMMUNITIES[:1], [Polygon()])


# --- on generated districts ------------------------------------------------------------------


def _run(adcode: str, seed: int) -> tuple[list, list, list[ProposedGrid]]:
    path = resources.files("gridsvc") / "data" / "districts" / f"{adcode}.geojson"
    with path.open(encoding="utf-8") as fh:
        boundary = transform_geometries([shape(json.load(fh))], parse_crs("gcj02"))[0]
    units = generate_hierarchy(boundary, adcode, seed)
    grids = [u for u in units if u.level is Level.GRID]
    communities = [u for u in units if u.level is Level.COMMUNITY]
    layers = generate_department_layers(grids, communities, boundary, adcode, seed)
    pairs = [([f.code for f in feats], [f.geometry for f in feats]) for feats in layers.values()]
    proposed = propose_unified_grid(
        pairs, [c.code for c in communities], [c.geometry for c in communities]
    )
    return communities, pairs, proposed


@pytest.fixture(scope="module")
def qilin() -> tuple[list, list, list[ProposedGrid]]:
    return _run("530302", 0)


@pytest.fixture(scope="module")
def jinjiang() -> tuple[list, list, list[ProposedGrid]]:
    return _run("510104", 7)


@pytest.mark.parametrize("district", ["jinjiang", "qilin"])
def test_proposal_on_a_generated_district(district: str, request: pytest.FixtureRequest) -> None:
    communities, layers, proposed = request.getfixturevalue(district)
    all_codes = {code for codes, _ in layers for code in codes}
    by_community: dict[str, list[ProposedGrid]] = defaultdict(list)
    for p in proposed:
        by_community[p.parent_code].append(p)
    assert set(by_community) == {c.code for c in communities}
    assert len({p.code for p in proposed}) == len(proposed)
    assert len(proposed) > 1.2 * sum(len(codes) for codes, _ in layers[:1])
    for community in communities:
        mine = by_community[community.code]
        geoms = np.array([p.geometry for p in mine], dtype=object)
        assert shapely.is_valid(geoms).all()
        for p in mine:
            assert validate_code(p.code, Level.GRID, community.code) is None
            assert set(p.sources) <= all_codes
        # The pieces tile the community: no gap, no overlap beyond floating error.
        assert _union_error_m2(list(geoms), community.geometry) < 1e-3
        assert check_overlaps([p.code for p in mine], geoms, 1e-3) == []
        if len(mine) > 1:
            assert areas_m2(geoms).min() >= 20_000.0
    assert sum(bool(p.sources) for p in proposed) > 0.9 * len(proposed)
