"""The demo camera generator on 麒麟区 (530302): the issue's counts per department, valid and
unique GB/T 28181 IDs, positions inside the district beside the grid boundaries, traffic at
junctions, NVR channels, vendor aliases, deterministic from the seed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import shapely

import gridsvc
from cameras.deviceid import parse_device_id
from cameras.sector import check_view
from gridsvc.demo import roads
from gridsvc.demo.area import DemoArea
from gridsvc.demo.cameras import DemoCamera, generate_cameras
from gridsvc.demo.generate import generate_hierarchy
from gridsvc.geo.crs import parse_crs, transform_geometries
from gridsvc.geo.measure import metres_per_degree

ADCODE = "530302"
BOUNDARY = Path(gridsvc.__file__).parent / "data" / "districts" / f"{ADCODE}.geojson"


@pytest.fixture(scope="module")
def area() -> DemoArea:
    boundary = transform_geometries(
        [shapely.from_geojson(BOUNDARY.read_text())], parse_crs("gcj02")
    )
    units = generate_hierarchy(boundary[0], ADCODE, 0, urban_center=(103.795, 25.5))
    return DemoArea.from_units(units, ADCODE, "曲靖市麒麟区")


@pytest.fixture(scope="module")
def fleet(area: DemoArea) -> list[DemoCamera]:
    return generate_cameras(area, seed=0)


def feeds(fleet: list[DemoCamera]) -> list[DemoCamera]:
    return [c for c in fleet if c.device_type == "132"]


def test_counts_per_department(fleet: list[DemoCamera]) -> None:
    counts = Counter(c.department for c in feeds(fleet))
    assert counts == {"police": 900, "traffic": 500, "urban_management": 400, "smart": 59}
    nvrs = Counter(c.department for c in fleet if c.device_type == "118")
    assert nvrs["police"] > 0 and nvrs["urban_management"] > 0 and not nvrs["traffic"]


def test_scale_multiplies_every_department(area: DemoArea) -> None:
    small = Counter(c.department for c in feeds(generate_cameras(area, seed=0, scale=0.01)))
    assert small == {"police": 9, "traffic": 5, "urban_management": 4, "smart": 1}
    with pytest.raises(ValueError):
        generate_cameras(area, scale=0)


def test_device_ids_valid_unique_and_by_department(fleet: list[DemoCamera]) -> None:
    ids = [c.device_id for c in fleet]
    assert len(set(ids)) == len(ids)
    networks = {"police": {5}, "traffic": {0, 6}, "urban_management": {0, 6}, "smart": {0, 6}}
    for cam in fleet:
        decoded = parse_device_id(cam.device_id)
        assert decoded.adcode == ADCODE
        assert decoded.type_code == cam.device_type
        assert decoded.network in networks[cam.department], cam
    integrators = {(c.department, c.integrator) for c in fleet}
    assert ("police", "police-hik") in integrators and ("traffic", "traffic-dahua") in integrators
    assert ("urban_management", "cg-uniview") in integrators
    assert len({i for _, i in integrators}) == len(integrators)  # one integrator each


def test_positions_inside_the_district_and_off_the_boundaries(
    area: DemoArea, fleet: list[DemoCamera]
) -> None:
    district = shapely.union_all(area.geoms)
    lon = np.array([c.lon for c in fleet])
    lat = np.array([c.lat for c in fleet])
    assert shapely.contains_xy(district, lon, lat).all()
    # a camera never stands on a grid boundary: exactly one grid holds it
    tree = shapely.STRtree(area.geoms)
    hits = tree.query(shapely.points(lon, lat), predicate="intersects")
    assert np.bincount(hits[0], minlength=len(fleet)).max() == 1


def test_denser_in_the_urban_core(area: DemoArea, fleet: list[DemoCamera]) -> None:
    tree = shapely.STRtree(area.geoms)
    pts = shapely.points([c.lon for c in feeds(fleet)], [c.lat for c in feeds(fleet)])
    grid = tree.query(pts, predicate="within")[1]
    per_grid = np.bincount(grid, minlength=len(area))
    urban = per_grid[area.urban].sum() / area.area_m2[area.urban].sum()
    rural = per_grid[~area.urban].sum() / area.area_m2[~area.urban].sum()
    assert urban > 10 * rural


def test_traffic_cameras_stand_at_junctions(area: DemoArea, fleet: list[DemoCamera]) -> None:
    points, _ = roads.junctions(roads.segments(area))
    traffic = [c for c in fleet if c.department == "traffic"]
    per_lon, per_lat = metres_per_degree(np.array([25.5]))
    for cam in traffic:
        d = np.hypot((points[:, 0] - cam.lon) * per_lon[0], (points[:, 1] - cam.lat) * per_lat[0])
        assert d.min() < 50.0, cam
    assert all("交叉口" in c.name or "路口" in c.name for c in traffic)


def test_view_parameters(fleet: list[DemoCamera]) -> None:
    for cam in feeds(fleet):
        assert check_view(cam.heading_deg, cam.fov_deg, cam.range_m) is None, cam
        assert cam.ptz_type in (1, 2, 3, 4) and cam.height_m and 2.0 < cam.height_m < 12.0
        assert cam.range_m is not None and cam.fov_deg is not None
        if cam.ptz_type == 1:
            assert cam.fov_deg == 360.0 and cam.range_m <= 60.0
        if cam.ptz_type in (3, 4):
            assert 50.0 <= cam.fov_deg <= 90.0 and 30.0 <= cam.range_m <= 120.0


def test_streams_aliases_and_nvr_channels(fleet: list[DemoCamera]) -> None:
    by_id = {c.device_id: c for c in fleet}
    for cam in feeds(fleet):
        assert cam.streams and all(s["url"].startswith("rtsp://admin:") for s in cam.streams)
        assert {s["name"] for s in cam.streams} == {"main", "sub"}
    aliases = [a for c in fleet for a in c.aliases]
    assert len(set(aliases)) == len(aliases)
    police = [c for c in feeds(fleet) if c.department == "police" and c.parent_id is None]
    assert all(c.aliases[0].startswith("mac:") and c.aliases[0].endswith("/1") for c in police)
    assert any(a.startswith("ip:") and a.endswith("/1") for a in police[0].aliases)
    assert any(a.startswith("onvif:") for c in fleet for a in c.aliases)
    channels = Counter(c.parent_id for c in fleet if c.parent_id)
    assert channels and max(channels.values()) <= 16
    for parent, n in channels.items():
        assert by_id[parent].device_type == "118" and n >= 1


def test_deterministic_from_the_seed(area: DemoArea, fleet: list[DemoCamera]) -> None:
    assert generate_cameras(area, seed=0) == fleet
    other = generate_cameras(area, seed=1)
    assert [(c.lon, c.lat) for c in other] != [(c.lon, c.lat) for c in fleet]


def test_names_are_chinese_place_names(fleet: list[DemoCamera]) -> None:
    for cam in fleet:
        assert cam.name and any("\u4e00" <= ch <= "\u9fff" for ch in cam.name), cam
        assert cam.address.startswith("曲靖市麒麟区")
