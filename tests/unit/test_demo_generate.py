"""The demo hierarchy generator on real district boundaries (麒麟区 530302, 锦江区 510104)."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pyproj
import pytest
import shapely
from shapely.affinity import scale
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

import gridsvc
from gridsvc.coding import Level, default_band_height, validate_code
from gridsvc.demo.generate import GeneratedUnit, generate_hierarchy
from gridsvc.errors import InvalidInput

DISTRICTS = Path(gridsvc.__file__).parent / "data" / "districts"  # bundled with the package
QUJING_CENTRE = (103.79, 25.50)  # urban core of 麒麟区
# UTM zone 48N covers 102°E to 108°E, both test districts; an independent metric CRS.
TO_UTM = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32648", always_xy=True)


def _boundary(adcode: str) -> BaseGeometry:
    with open(DISTRICTS / f"{adcode}.geojson", encoding="utf-8") as fh:
        return shape(json.load(fh))


def _utm(geoms: list[BaseGeometry] | BaseGeometry) -> np.ndarray:
    def fn(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(TO_UTM.transform(coords[:, 0], coords[:, 1]))

    return shapely.transform(np.asarray(geoms, dtype=object), fn)


class Run:
    """One generation with its units grouped and projected for measuring (m, m²)."""

    def __init__(self, adcode: str, seed: int = 0, **kwargs: object) -> None:
        self.adcode = adcode
        self.boundary = _boundary(adcode)
        self.units = generate_hierarchy(self.boundary, adcode, seed, **kwargs)  # type: ignore[arg-type]
        self.by_level: dict[Level, list[GeneratedUnit]] = defaultdict(list)
        for unit in self.units:
            self.by_level[unit.level].append(unit)
        self.by_code = {u.code: u for u in self.units}
        self.region = _utm(self.boundary).item()
        self.metric = dict(
            zip([u.code for u in self.units], _utm([u.geometry for u in self.units]), strict=True)
        )

    def level(self, level: Level) -> list[GeneratedUnit]:
        return self.by_level[level]

    def metric_of(self, level: Level) -> np.ndarray:
        return np.array([self.metric[u.code] for u in self.level(level)], dtype=object)


@pytest.fixture(scope="module")
def qilin() -> Run:
    return Run("530302", 0, urban_center=QUJING_CENTRE)


@pytest.fixture(scope="module")
def jinjiang() -> Run:
    return Run("510104", 0)


# --- sizes -------------------------------------------------------------------------------


def test_counts_for_qilin(qilin: Run) -> None:
    streets, communities, grids = (qilin.level(lv) for lv in Level if lv is not Level.DISTRICT)
    assert 800 <= len(grids) <= 1200
    assert 8 <= len(streets) <= 15
    per_community = Counter(g.parent_code for g in grids)
    assert set(per_community) == {c.code for c in communities}
    assert 5 <= float(np.median(list(per_community.values()))) <= 15
    assert min(per_community.values()) >= 1
    assert not qilin.level(Level.DISTRICT)  # the district itself is not returned


def test_units_come_streets_first_then_communities_then_grids(qilin: Run) -> None:
    depths = [u.level.depth for u in qilin.units]
    assert depths == sorted(depths)
    for level in (Level.STREET, Level.COMMUNITY, Level.GRID):
        codes = [u.code for u in qilin.level(level)]
        assert codes == sorted(codes)


# --- codes -------------------------------------------------------------------------------


def test_codes_are_valid_unique_and_extend_their_parents(qilin: Run) -> None:
    codes = [u.code for u in qilin.units]
    assert len(set(codes)) == len(codes)
    for unit in qilin.units:
        assert validate_code(unit.code, unit.level, unit.parent_code) is None, unit
        assert unit.code.startswith("530302")
        assert len(unit.code) == unit.level.code_length
    for street in qilin.level(Level.STREET):
        assert street.parent_code == "530302"
    for unit in qilin.level(Level.COMMUNITY) + qilin.level(Level.GRID):
        parent = qilin.by_code[unit.parent_code]
        assert parent.level is unit.level.parent
    for grid in qilin.level(Level.GRID):
        assert len(grid.code) == 15


def test_sequences_run_from_001_without_holes(qilin: Run) -> None:
    children: dict[str, list[int]] = defaultdict(list)
    for unit in qilin.units:
        children[unit.parent_code].append(int(unit.code[-3:]))
    for seqs in children.values():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))


def test_first_child_is_in_the_northern_band(qilin: Run) -> None:
    """Reading order starts in the band hanging from the northernmost sibling."""
    children: dict[str, list[GeneratedUnit]] = defaultdict(list)
    for unit in qilin.units:
        children[unit.parent_code].append(unit)
    for siblings in children.values():
        if len(siblings) < 2:
            continue
        xy = shapely.get_coordinates(shapely.centroid([qilin.metric[u.code] for u in siblings]))
        band = default_band_height(xy[:, 0], xy[:, 1])
        first = next(i for i, u in enumerate(siblings) if u.code.endswith("001"))
        assert xy[:, 1].max() - xy[first, 1] <= 1.1 * band
        # Nobody clearly in the first row is clearly west of child 001.
        in_first_row = xy[:, 1] >= xy[:, 1].max() - 0.9 * band
        westward = xy[:, 0] < xy[first, 0] - 0.1 * band
        assert not (in_first_row & westward).any()


# --- geometry ----------------------------------------------------------------------------


def test_geometries_are_valid_polygons_in_degrees(qilin: Run) -> None:
    minx, miny, maxx, maxy = qilin.boundary.bounds
    for unit in qilin.units:
        geom = unit.geometry
        assert isinstance(geom, (Polygon, MultiPolygon))
        assert geom.is_valid and not geom.is_empty
        gx0, gy0, gx1, gy1 = geom.bounds
        eps = 1e-9
        assert minx - eps <= gx0 and gx1 <= maxx + eps and miny - eps <= gy0 and gy1 <= maxy + eps


@pytest.mark.parametrize("level", [Level.STREET, Level.COMMUNITY, Level.GRID])
def test_each_level_tiles_the_district(qilin: Run, level: Level) -> None:
    pieces = qilin.metric_of(level)
    union = shapely.union_all(pieces)
    area = qilin.region.area
    gaps = qilin.region.difference(union).area
    overlaps = float(shapely.area(pieces).sum()) - union.area
    outside = union.difference(qilin.region).area
    assert gaps < 1e-3 * area
    assert overlaps < 1e-3 * area
    assert outside < 1e-3 * area


def test_each_child_lies_within_its_parent(qilin: Run) -> None:
    """Checked in lon/lat, where the database compares geometries: no tolerance beyond noise."""
    children = [u for u in qilin.units if u.level is not Level.STREET]
    child_geoms = np.array([u.geometry for u in children], dtype=object)
    parent_geoms = np.array([qilin.by_code[u.parent_code].geometry for u in children])
    outside = shapely.area(shapely.difference(child_geoms, parent_geoms))
    assert (outside <= 1e-9 * shapely.area(child_geoms)).all()
    grown = shapely.buffer(parent_geoms, 1e-9)  # about 0.1 mm
    assert shapely.covers(grown, child_geoms).all()


def test_streets_lie_within_the_district(qilin: Run) -> None:
    streets = np.array([s.geometry for s in qilin.level(Level.STREET)], dtype=object)
    assert shapely.covers(qilin.boundary.buffer(1e-9), streets).all()


@pytest.mark.parametrize("level", [Level.COMMUNITY, Level.GRID])
def test_children_cover_their_parent(qilin: Run, level: Level) -> None:
    children: dict[str, list[BaseGeometry]] = defaultdict(list)
    for unit in qilin.level(level):
        children[unit.parent_code].append(unit.geometry)
    assert len(children) == len(qilin.level(level.parent))  # type: ignore[arg-type]
    for code, geoms in children.items():
        parent = qilin.by_code[code].geometry
        assert parent.symmetric_difference(shapely.union_all(geoms)).area <= 1e-9 * parent.area


def test_grid_sizes_grow_from_the_urban_core(qilin: Run) -> None:
    grids = qilin.metric_of(Level.GRID)
    areas_km2 = shapely.area(grids) / 1e6
    centre = _utm(Point(QUJING_CENTRE)).item()
    dist_km = shapely.distance(shapely.centroid(grids), centre) / 1000
    core = areas_km2[dist_km < 2.5]
    rural = areas_km2[dist_km > 15]
    assert len(core) >= 50
    assert 0.05 <= float(np.median(core)) <= 0.3
    assert 1.0 <= float(np.median(rural)) <= 10.0
    assert float(np.median(rural)) > 5 * float(np.median(core))


# --- names -------------------------------------------------------------------------------


def test_names(qilin: Run) -> None:
    streets = qilin.level(Level.STREET)
    assert all(s.name.endswith(("街道", "镇", "乡")) for s in streets)
    assert any(s.name.endswith("街道") for s in streets)
    assert any(s.name.endswith(("镇", "乡")) for s in streets)
    communities = qilin.level(Level.COMMUNITY)
    assert all(c.name.endswith(("社区", "村")) for c in communities)
    assert any(c.name.endswith("村") for c in communities)
    for grid in qilin.level(Level.GRID):
        community = qilin.by_code[grid.parent_code]
        assert grid.name == f"{community.name}第{int(grid.code[-3:])}网格"
    # The street holding the city centre is urban.
    centre = Point(QUJING_CENTRE)
    home = next(s for s in streets if s.geometry.buffer(1e-6).contains(centre))
    assert home.name.endswith("街道")


def test_sibling_names_are_distinct(qilin: Run) -> None:
    names: dict[str, list[str]] = defaultdict(list)
    for unit in qilin.units:
        names[unit.parent_code].append(unit.name)
    for siblings in names.values():
        assert len(set(siblings)) == len(siblings)


def test_units_are_frozen(qilin: Run) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        qilin.units[0].name = "x"  # type: ignore[misc]


# --- determinism -------------------------------------------------------------------------


def _fingerprint(units: list[GeneratedUnit]) -> list[tuple[str, str, str, str, bytes]]:
    return [(u.level.value, u.code, u.name, u.parent_code, u.geometry.wkb) for u in units]


def test_same_seed_gives_identical_output(qilin: Run) -> None:
    again = generate_hierarchy(qilin.boundary, "530302", 0, urban_center=QUJING_CENTRE)
    assert _fingerprint(again) == _fingerprint(qilin.units)


def test_qilin_defaults_to_the_qujing_city_centre(qilin: Run) -> None:
    default = generate_hierarchy(qilin.boundary, "530302", 0)
    assert _fingerprint(default) == _fingerprint(qilin.units)


def test_other_seed_gives_other_output(qilin: Run) -> None:
    other = generate_hierarchy(qilin.boundary, "530302", 1, urban_center=QUJING_CENTRE)
    assert [u.code for u in other] != [u.code for u in qilin.units] or [
        u.geometry.wkb for u in other
    ] != [u.geometry.wkb for u in qilin.units]
    grids = [u for u in other if u.level is Level.GRID]
    assert 800 <= len(grids) <= 1200


# --- a small urban district --------------------------------------------------------------


def test_small_urban_district(jinjiang: Run) -> None:
    grids = jinjiang.level(Level.GRID)
    assert 150 <= len(grids) <= 800
    assert 3 <= len(jinjiang.level(Level.STREET)) <= 15
    assert all(u.code.startswith("510104") for u in jinjiang.units)
    assert all(validate_code(u.code, u.level, u.parent_code) is None for u in jinjiang.units)
    assert all(u.geometry.is_valid for u in jinjiang.units)
    pieces = jinjiang.metric_of(Level.GRID)
    union = shapely.union_all(pieces)
    assert jinjiang.region.symmetric_difference(union).area < 1e-3 * jinjiang.region.area
    assert float(shapely.area(pieces).sum()) - union.area < 1e-3 * union.area
    assert float(np.median(shapely.area(pieces))) / 1e6 < 0.5
    assert sum(s.name.endswith("街道") for s in jinjiang.level(Level.STREET)) >= 3


# --- input checks ------------------------------------------------------------------------


def test_bad_inputs_are_rejected() -> None:
    square = Polygon([(103.7, 25.4), (103.8, 25.4), (103.8, 25.5), (103.7, 25.5)])
    with pytest.raises(InvalidInput, match="digits"):
        generate_hierarchy(square, "53030")
    with pytest.raises(InvalidInput):
        generate_hierarchy(Point(103.7, 25.4), "530302")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        generate_hierarchy(Polygon(), "530302")
    with pytest.raises(InvalidInput, match="seed"):
        generate_hierarchy(square, "530302", -1)
    with pytest.raises(InvalidInput, match="degrees"):
        generate_hierarchy(scale(square, 1000, 1000, origin=(0, 0)), "530302")


def test_tiny_boundary_still_tiles() -> None:
    square = Polygon([(103.79, 25.50), (103.791, 25.50), (103.791, 25.501), (103.79, 25.501)])
    units = generate_hierarchy(square, "530302", 5)
    grids = [u for u in units if u.level is Level.GRID]
    assert len(grids) >= 1
    union = shapely.union_all([g.geometry for g in grids])
    assert union.symmetric_difference(square).area < 1e-6 * square.area
