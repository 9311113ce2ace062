"""Coordinate-system parsing and WGS 84 / GCJ-02 / BD-09 / EPSG conversions (no database)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely import LineString, Point, Polygon

from gridsvc.errors import InvalidInput
from gridsvc.geo import chinese
from gridsvc.geo.crs import (
    CoordinateSystem,
    out_of_range,
    parse_crs,
    transform_geometries,
)

GEOD = Geod(ellps="WGS84")

FORWARD = [chinese.wgs84_to_gcj02, chinese.gcj02_to_bd09, chinese.wgs84_to_bd09]
INVERSE = [chinese.gcj02_to_wgs84, chinese.bd09_to_gcj02, chinese.bd09_to_wgs84]
ALL_CONVERSIONS = FORWARD + INVERSE


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance in metres between WGS 84 points (vectorised)."""
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


@pytest.fixture(scope="module")
def china_grid() -> tuple[np.ndarray, np.ndarray]:
    """A lon/lat grid (degrees) over the whole China box, kept 0.05 deg inside its edges."""
    lon, lat = np.meshgrid(np.linspace(72.06, 137.78, 67), np.linspace(0.88, 55.77, 56))
    return lon, lat


# --- GCJ-02 / BD-09 -----------------------------------------------------------------------


# Published outputs of the widely used coordTransform_utils for input (128.543, 37.065).
REFERENCE_FORWARD = {
    chinese.wgs84_to_gcj02: (128.54820547949757, 37.065651049489816),
    chinese.gcj02_to_bd09: (128.54944656269413, 37.07113427883019),
    chinese.wgs84_to_bd09: (128.55468192918485, 37.07168344938498),
}
# Its inverses are the one-step approximations, which the exact inverses improve on slightly.
REFERENCE_APPROX_INVERSE = {
    chinese.gcj02_to_wgs84: (128.53779452050244, 37.06434895051018),
    chinese.bd09_to_gcj02: (128.5365893261212, 37.058754503281534),
    chinese.bd09_to_wgs84: (128.53136876750008, 37.0580926428705),
}


@pytest.mark.parametrize("convert", FORWARD, ids=lambda f: f.__name__)
def test_forward_matches_reference_implementation(convert):
    lon, lat = convert(128.543, 37.065)
    assert (float(lon), float(lat)) == pytest.approx(REFERENCE_FORWARD[convert], abs=1e-11)


@pytest.mark.parametrize("convert", INVERSE, ids=lambda f: f.__name__)
def test_inverse_close_to_one_step_approximation(convert):
    lon, lat = convert(128.543, 37.065)
    assert (float(lon), float(lat)) == pytest.approx(REFERENCE_APPROX_INVERSE[convert], abs=3e-5)


def test_beijing_gcj02_offset():
    lon, lat = chinese.wgs84_to_gcj02(116.397128, 39.916527)
    assert float(lon) == pytest.approx(116.40337, abs=1e-4)
    assert float(lat) == pytest.approx(39.91793, abs=1e-4)
    assert 100 < metres(116.397128, 39.916527, lon, lat) < 700


@pytest.mark.parametrize(
    ("there", "back"),
    [
        (chinese.wgs84_to_gcj02, chinese.gcj02_to_wgs84),
        (chinese.wgs84_to_bd09, chinese.bd09_to_wgs84),
        (chinese.gcj02_to_bd09, chinese.bd09_to_gcj02),
    ],
    ids=["gcj02", "bd09", "gcj02-bd09"],
)
def test_round_trip_across_china(china_grid, there, back):
    lon, lat = china_grid
    moved_lon, moved_lat = there(lon, lat)
    assert metres(lon, lat, moved_lon, moved_lat).min() > 1.0  # it really did shift
    lon2, lat2 = back(moved_lon, moved_lat)
    assert metres(lon, lat, lon2, lat2).max() < 1.0
    assert np.abs(lon2 - lon).max() < 1e-9
    assert np.abs(lat2 - lat).max() < 1e-9


@pytest.mark.parametrize("convert", ALL_CONVERSIONS, ids=lambda f: f.__name__)
def test_outside_china_passes_through(convert):
    # New York, Tokyo, Sydney, Null Island, just west / north of the box.
    lon = np.array([-74.006, 139.69, 151.21, 0.0, 72.0, 100.0])
    lat = np.array([40.7128, 35.69, -33.87, 0.0, 30.0, 55.9])
    out_lon, out_lat = convert(lon, lat)
    np.testing.assert_array_equal(out_lon, lon)
    np.testing.assert_array_equal(out_lat, lat)


@pytest.mark.parametrize("convert", ALL_CONVERSIONS, ids=lambda f: f.__name__)
def test_nan_and_inf_pass_through(convert):
    lon = np.array([np.nan, 116.4, 116.4, np.inf, 116.4])
    lat = np.array([39.9, np.nan, -np.inf, 39.9, 39.9])
    out_lon, out_lat = convert(lon, lat)
    np.testing.assert_array_equal(out_lon[:4], lon[:4])
    np.testing.assert_array_equal(out_lat[:4], lat[:4])
    assert np.isfinite(out_lon[4]) and out_lon[4] != 116.4


@pytest.mark.parametrize("convert", ALL_CONVERSIONS, ids=lambda f: f.__name__)
def test_shapes_and_inputs_preserved(convert):
    lon = np.full((3, 4), 116.4)
    lat = np.linspace(30.0, 40.0, 12).reshape(3, 4)
    lon_before = lon.copy()
    out_lon, out_lat = convert(lon, lat)
    assert out_lon.shape == out_lat.shape == (3, 4)
    assert out_lon.dtype == out_lat.dtype == np.float64
    np.testing.assert_array_equal(lon, lon_before)  # input untouched
    mixed_lon, _ = convert([116.4, 0.0], 30.0)  # list + scalar broadcast, one outside China
    assert mixed_lon.shape == (2,) and mixed_lon[1] == 0.0
    scalar_lon, scalar_lat = convert(116.4, 39.9)
    assert scalar_lon.shape == scalar_lat.shape == ()
    empty_lon, _ = convert(np.empty(0), np.empty(0))
    assert empty_lon.shape == (0,)


# --- parse_crs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label", "geographic"),
    [
        ("4326", "EPSG:4326", True),
        ("EPSG:4326", "EPSG:4326", True),
        ("epsg:32648", "EPSG:32648", False),
        ("wgs84", "EPSG:4326", True),
        ("WGS 84", "EPSG:4326", True),
        ("cgcs2000", "EPSG:4490", True),
        ("EPSG:4490", "EPSG:4490", True),
        ("EPSG:3857", "EPSG:3857", False),
        ("gcj02", "gcj02", True),
        ("gcj-02", "gcj02", True),
        ("GCJ02", "gcj02", True),
        ("bd09", "bd09", True),
        ("bd-09", "bd09", True),
        (" BD09 ", "bd09", True),
    ],
)
def test_parse_crs_accepted_forms(text, label, geographic):
    assert parse_crs(text) == CoordinateSystem(label=label, is_geographic=geographic)


@pytest.mark.parametrize("text", ["EPSG:999999", "foo", "", "EPSG:5773"])
def test_parse_crs_rejects(text):
    with pytest.raises(InvalidInput) as caught:
        parse_crs(text)
    message = caught.value.detail
    assert repr(text) in message
    assert "EPSG:4326" in message and "GCJ02" in message and "BD09" in message


def test_cgcs2000_is_identity():
    lon, lat = parse_crs("cgcs2000").to_wgs84([116.397128, 0.0], [39.916527, 0.0])
    np.testing.assert_array_equal(lon, [116.397128, 0.0])
    np.testing.assert_array_equal(lat, [39.916527, 0.0])


def test_web_mercator_known_point():
    radius = 6378137.0
    x, y = 12957588.728337, 4851421.175183
    lon, lat = parse_crs("EPSG:3857").to_wgs84(np.array([x, 0.0]), np.array([y, 0.0]))
    assert lon[0] == pytest.approx(math.degrees(x / radius), abs=1e-9)
    assert lat[0] == pytest.approx(math.degrees(2 * math.atan(math.exp(y / radius)) - math.pi / 2))
    assert (lon[0], lat[0]) == pytest.approx((116.4, 39.9), abs=1e-6)
    assert (lon[1], lat[1]) == (0.0, 0.0)
    x2, y2 = parse_crs("EPSG:3857").from_wgs84(lon, lat)
    np.testing.assert_allclose(x2, [x, 0.0], atol=1e-6)
    np.testing.assert_allclose(y2, [y, 0.0], atol=1e-6)


def test_utm_central_meridian():
    lon, lat = parse_crs("epsg:32648").to_wgs84(500000.0, 0.0)
    assert (float(lon), float(lat)) == pytest.approx((105.0, 0.0), abs=1e-9)


def test_chinese_systems_delegate():
    lon, lat = parse_crs("GCJ-02").to_wgs84(128.543, 37.065)
    assert (float(lon), float(lat)) == pytest.approx(
        tuple(map(float, chinese.gcj02_to_wgs84(128.543, 37.065))), abs=0
    )
    x, y = parse_crs("bd09").from_wgs84(128.543, 37.065)
    assert (float(x), float(y)) == pytest.approx(REFERENCE_FORWARD[chinese.wgs84_to_bd09])


# --- geometries ---------------------------------------------------------------------------


def test_transform_geometries_gcj02_polygon():
    gcj = parse_crs("gcj02")
    wgs = Polygon([(116.3, 39.8), (116.5, 39.8), (116.5, 40.0), (116.3, 40.0)])
    out = transform_geometries([wgs, None], gcj, to_wgs84=False)
    assert isinstance(out, np.ndarray) and out.shape == (2,) and out[1] is None
    expected = np.column_stack(chinese.wgs84_to_gcj02(*shapely.get_coordinates(wgs).T))
    np.testing.assert_array_equal(shapely.get_coordinates(out[0]), expected)
    back = transform_geometries(out, gcj)
    np.testing.assert_allclose(
        shapely.get_coordinates(back[0]), shapely.get_coordinates(wgs), atol=1e-9
    )
    assert back[0].geom_type == "Polygon" and back[0].is_valid


def test_transform_geometries_projected_and_empty():
    merc = parse_crs("3857")
    geoms = np.array([Point(12957588.728337, 4851421.175183), Point()], dtype=object)
    out = transform_geometries(geoms, merc)
    assert (out[0].x, out[0].y) == pytest.approx((116.4, 39.9), abs=1e-6)
    assert out[1].is_empty
    assert out[0] is not geoms[0]


def test_out_of_range():
    with np.errstate(invalid="ignore"):  # shapely warns when building NaN vertices
        nan_line = LineString([(0, 0), (np.nan, 1), (2, 2)])  # bounds() would miss this
        nan_point = Point(np.nan, 1)
    geoms = [
        Point(0, 95),
        Point(200, 0),
        nan_point,
        nan_line,
        Point(np.inf, 0),
        Point(116.4, 39.9),
        Polygon([(-180, -90), (180, -90), (180, 90), (-180, 90)]),
        LineString([(-179.9, 10), (179.9, -10)]),
        Point(),
        None,
    ]
    expected = [True, True, True, True, True, False, False, False, False, False]
    result = out_of_range(geoms)
    assert result.dtype == np.bool_
    assert result.tolist() == expected
    column = np.array([Point(0, 0), Point(0, 91)], dtype=object).reshape(2, 1)
    assert out_of_range(column).tolist() == [[False], [True]]
