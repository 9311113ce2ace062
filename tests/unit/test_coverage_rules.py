"""The pure coverage rules: the UTM zone of a district, shares and sums, the card section."""

from __future__ import annotations

import pytest

from cameras.coverage import aggregate, camera_summary, share, utm_srid


@pytest.mark.parametrize(
    ("lon", "lat", "srid"),
    [
        (103.8, 25.5, 32648),  # 麒麟区, 曲靖
        (104.07, 30.66, 32648),  # 锦江区, 成都
        (118.0, 24.48, 32650),  # 海沧区, 厦门
        (-180.0, 10.0, 32601),
        (180.0, 10.0, 32660),
        (151.2, -33.9, 32756),
    ],
)
def test_utm_zone_of_a_centre(lon: float, lat: float, srid: int) -> None:
    assert utm_srid(lon, lat) == srid


def test_utm_zone_refuses_what_is_not_lon_lat() -> None:
    with pytest.raises(ValueError, match="not a lon/lat"):
        utm_srid(500_000.0, 2_800_000.0)


def test_share_is_clamped_and_safe() -> None:
    assert share(50.0, 200.0) == 0.25
    assert share(201.0, 200.0) == 1.0
    assert share(0.0, 0.0) == 0.0


def test_aggregate_sums_grids() -> None:
    rows = [
        {"area_m2": 100.0, "covered_m2": 50.0, "cameras": 2, "by_department": {"police": 2}},
        {"area_m2": 300.0, "covered_m2": 0.0, "cameras": 1, "by_department": {"traffic": 1}},
        {"area_m2": 100.0, "covered_m2": 100.0, "cameras": 0, "by_department": {}},
    ]
    assert aggregate(rows) == {
        "grids": 3,
        "area_m2": 500.0,
        "covered_m2": 150.0,
        "share": 0.3,
        "cameras": 3,
        "by_department": {"police": 2, "traffic": 1},
    }
    assert aggregate([])["share"] == 0.0


def test_camera_summary_of_the_card() -> None:
    groups = [["police", "online", 3], ["police", "never_seen", 1], ["traffic", "offline", 2]]
    assert camera_summary(groups, 25.0, 100.0) == {
        "total": 6,
        "by_department": {"police": 4, "traffic": 2},
        "by_status": {"online": 3, "offline": 2, "never_seen": 1},
        "coverage_share": 0.25,
    }
    empty = camera_summary([], None, None)
    assert empty["total"] == 0 and empty["coverage_share"] is None
    assert empty["by_status"] == {"online": 0, "offline": 0, "never_seen": 0}
