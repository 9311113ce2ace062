from __future__ import annotations

import math

import pytest
import shapely
from shapely.geometry import Point

from cameras.sector import check_view, view_sector
from gridsvc.geo.measure import to_local

LON, LAT = 103.79, 25.49


def _local(geom: object) -> shapely.Geometry:
    return to_local(geom, LON, LAT)


def test_area_is_that_of_the_circular_sector() -> None:
    sector = _local(view_sector(LON, LAT, 45.0, 60.0, 100.0))
    expected = math.pi * 100.0**2 * 60.0 / 360.0
    assert sector.area == pytest.approx(expected, rel=0.01)


def test_points_along_the_heading_are_seen_and_behind_not() -> None:
    sector = view_sector(LON, LAT, 90.0, 40.0, 80.0)  # looking east
    east = Point(LON + 50.0 / (111_320 * math.cos(math.radians(LAT))), LAT)
    west = Point(LON - 50.0 / (111_320 * math.cos(math.radians(LAT))), LAT)
    far_east = Point(LON + 120.0 / (111_320 * math.cos(math.radians(LAT))), LAT)
    assert sector.contains(east)
    assert not sector.contains(west) and not sector.contains(far_east)


def test_a_dome_sees_a_disc() -> None:
    disc = _local(view_sector(LON, LAT, 0.0, 360.0, 30.0))
    assert shapely.is_valid(disc)
    assert disc.area == pytest.approx(math.pi * 30.0**2, rel=0.01)


def test_sector_across_north_is_valid() -> None:
    sector = view_sector(LON, LAT, 350.0, 90.0, 60.0)
    assert sector.is_valid and not sector.is_empty


@pytest.mark.parametrize(
    ("heading", "fov", "rng", "why"),
    [
        (360.0, 60.0, 50.0, "heading"),
        (-1.0, 60.0, 50.0, "heading"),
        (10.0, 0.0, 50.0, "field of view"),
        (10.0, 400.0, 50.0, "field of view"),
        (10.0, 60.0, 0.0, "range"),
        (10.0, 60.0, 9_000.0, "range"),
        (float("nan"), 60.0, 50.0, "heading"),
    ],
)
def test_bad_view_parameters(heading: float, fov: float, rng: float, why: str) -> None:
    assert why in (check_view(heading, fov, rng) or "")
    with pytest.raises(ValueError, match=why):
        view_sector(LON, LAT, heading, fov, rng)


def test_missing_parameters_are_not_an_error() -> None:
    assert check_view(None, 60.0, 50.0) is None
