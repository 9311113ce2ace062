"""The demo element generator on 麒麟区 (530302): deterministic, valid codes, inside its grids,
realistic density, and files a mapping can read."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
import yaml

import gridsvc
from gridsvc.demo.area import DemoArea
from gridsvc.demo.elements import generate_elements, write_elements
from gridsvc.demo.exports import ElementFile
from gridsvc.demo.generate import generate_hierarchy
from gridsvc.geo.crs import parse_crs, transform_geometries
from ingest.kinds import FIELDS

ADCODE = "530302"
REFERENCE = dt.date(2026, 11, 28)
BOUNDARY = Path(gridsvc.__file__).parent / "data" / "districts" / f"{ADCODE}.geojson"
# Independent statements of the two check-character rules (GB 11643, GB 32100, GB 11714).
ID_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CREDIT_SET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


@pytest.fixture(scope="module")
def area() -> DemoArea:
    boundary = transform_geometries(
        [shapely.from_geojson(BOUNDARY.read_text())], parse_crs("gcj02")
    )
    units = generate_hierarchy(boundary[0], ADCODE, 0, urban_center=(103.795, 25.5))
    return DemoArea.from_units(units, ADCODE, "曲靖市麒麟区")


@pytest.fixture(scope="module")
def files(area: DemoArea) -> dict[str, ElementFile]:
    return {f.name: f for f in generate_elements(area, seed=0, reference=REFERENCE)}


def id_valid(number: str) -> bool:
    if len(number) != 18 or not number[:17].isdigit():
        return False
    check = "10X98765432"[sum(int(c) * w for c, w in zip(number, ID_W, strict=False)) % 11]
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return number[17] == check and 11 <= int(number[:2]) <= 82


def credit_valid(code: str) -> bool:
    if len(code) != 18 or any(c not in CREDIT_SET for c in code):
        return False
    total = sum(CREDIT_SET.index(c) * w for c, w in zip(code, CREDIT_W, strict=False))
    org = code[8:17]  # GB 11714 organisation code with its own check character
    c9 = 11 - sum(int(c) * w for c, w in zip(org, [3, 7, 9, 10, 5, 8, 4, 2], strict=False)) % 11
    return code[17] == CREDIT_SET[(31 - total % 31) % 31] and org[8] == {10: "X", 11: "0"}.get(
        c9, str(c9)
    )


def test_same_seed_same_files_other_seed_other_files(area: DemoArea, files) -> None:
    again = generate_elements(area, seed=0, reference=REFERENCE)
    for f in again:
        pd.testing.assert_frame_equal(f.frame, files[f.name].frame)
    other = {f.name: f for f in generate_elements(area, seed=1, reference=REFERENCE)}
    assert not other["persons.csv"].frame["姓名"].equals(files["persons.csv"].frame["姓名"])


def test_id_numbers_pass_the_check_and_match_the_person(area: DemoArea, files) -> None:
    p = files["persons.csv"].frame
    given = p[p["公民身份号码"] != ""]
    assert len(given) > 0.97 * len(p)
    assert all(id_valid(n) for n in given["公民身份号码"])
    assert given["公民身份号码"].is_unique
    ids = given["公民身份号码"]
    assert (ids.str[6:14] == given["出生日期"].str.replace("-", "")).all()
    assert ((ids.str[16].astype(int) % 2 == 1) == (given["性别"] == "男")).all()
    registered = given["户籍类型"] == "户籍"
    assert (ids[registered].str[:6] == ADCODE).all()
    assert (ids[given["户籍类型"] == "流动"].str[:6] != ADCODE).mean() == 1.0
    assert (p.loc[p["户籍类型"] == "境外", "公民身份号码"] == "").all()
    assert not id_valid(ids.iloc[0][:17] + ("0" if ids.iloc[0][17] != "0" else "1"))


def test_credit_codes_pass_the_check(files) -> None:
    orgs = files["organisations.csv"].frame
    codes = orgs.loc[orgs["统一社会信用代码"] != "", "统一社会信用代码"]
    assert len(codes) > 500
    assert all(credit_valid(c) for c in codes)
    assert (codes.str[2:8] == ADCODE).all()
    assert not credit_valid(codes.iloc[0][:17] + ("0" if codes.iloc[0][17] != "0" else "1"))


def test_every_point_and_building_inside_its_grid(area: DemoArea, files) -> None:
    places = files["places.csv"]
    inside = shapely.within(places.extra["geometry"], area.geoms[places.extra["grid"]])
    assert inside.all()
    for name in ("pois.csv", "things.csv", "organisations.csv", "situations.csv"):
        truth = files[name].extra
        has = ~np.isnan(truth["lon"])
        grids = area.geoms[truth["grid"][has]]
        assert shapely.contains_xy(grids, truth["lon"][has], truth["lat"][has]).all(), name
    things = files["things.csv"].frame  # written in GCJ-02: back to WGS 84, still inside
    lon, lat = parse_crs("gcj02").to_wgs84(
        things["经度"].astype(float), things["纬度"].astype(float)
    )
    assert shapely.contains_xy(area.geoms[files["things.csv"].extra["grid"]], lon, lat).all()


def test_residents_with_coordinates_are_inside_their_buildings_grid(area: DemoArea, files) -> None:
    p = files["persons.csv"].frame
    own = p[p["经度"] != ""]
    assert 0.08 < len(own) / len(p) < 0.16
    b = files["places.csv"].frame.set_index("编号")
    grid_code = pd.Series(area.codes, index=area.codes)
    codes = own["楼栋编号"].str[2:17]
    assert set(own["楼栋编号"]) <= set(b.index)
    geoms = area.geoms[np.searchsorted(area.codes, codes.to_numpy())]
    assert (grid_code[codes].to_numpy() == codes.to_numpy()).all()
    assert shapely.contains_xy(geoms, own["经度"].astype(float), own["纬度"].astype(float)).all()


def test_density_and_hierarchy_counts(area: DemoArea, files) -> None:
    p = files["persons.csv"].frame
    assert len(p) == 50_000
    size = p.groupby("户号").size()
    assert 2.3 < size.mean() < 3.0
    per_grid = p.groupby(p["户号"].str[2:17]).size()
    assert len(per_grid) > 0.97 * len(area)
    urban = pd.Series(area.urban, index=area.codes)
    assert per_grid[urban[per_grid.index]].mean() > 1.5 * per_grid[~urban[per_grid.index]].mean()
    tags = p["标签"].str.split("、").explode().value_counts() / len(p)
    assert 0.04 < tags["党员"] < 0.08 and 0.01 < tags["低保"] < 0.06
    assert 0.02 < tags["独居老人"] < 0.08 and tags["重点关注"] < 0.01
    assert 0.005 < (p["是否退役军人"] == "是").mean() < 0.03
    staff = files["staff.csv"].frame
    per = staff.groupby("网格编码")["岗位"]
    assert (per.size().between(7, 10)).all() and len(per) == len(area)
    assert (per.apply(lambda r: (r == "网格长").sum()) == 1).all()
    orgs = files["organisations.csv"].frame
    branches = orgs[orgs["党组织层级"] == "网格党支部"]
    assert sorted(branches["所属网格"]) == sorted(area.codes)
    assert set(branches["上级组织编号"]) <= set(orgs["组织编号"])
    spread = pd.Series(files["organisations.csv"].extra["grid"]).groupby(orgs["组织类型"]).nunique()
    assert spread["社会组织"] > 20 and spread["企业"] > 0.3 * len(area)
    pois = files["pois.csv"].frame
    assert (pois["类别"] == "党群服务中心").sum() == len(area.community_names)
    buildings = files["places.csv"].frame
    assert (buildings["类型"] == "楼栋").sum() / len(area) > 5


def test_scale_multiplies_the_counts(area: DemoArea, files) -> None:
    double = {f.name: f for f in generate_elements(area, seed=0, scale=2, reference=REFERENCE)}
    assert len(double["persons.csv"].frame) == 100_000
    ratio = len(double["things.csv"].frame) / len(files["things.csv"].frame)
    assert 1.8 < ratio < 2.2
    assert len(double["staff.csv"].frame) == len(files["staff.csv"].frame)


def test_written_files_map_onto_their_columns(files, tmp_path: Path) -> None:
    written = write_elements(list(files.values()), tmp_path)
    assert [k for k, _, _ in written][:3] == ["place", "place", "person"]
    for kind, csv_path, map_path in written:
        mapping = yaml.safe_load(map_path.read_text(encoding="utf-8"))
        encoding = mapping.get("encoding", "utf-8-sig")
        header = csv_path.read_bytes().split(b"\n", 1)[0].decode(encoding).strip().split(",")
        assert set(mapping["fields"].values()) <= set(header), csv_path.name
        targets = {f.name: f for f in FIELDS[kind]}
        assert set(mapping["fields"]) <= set(targets)
        for field, labels in mapping.get("values", {}).items():
            assert set(labels.values()) <= set(targets[field].choices), (csv_path.name, field)
    raw = (tmp_path / "persons.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("gbk").count("\r\n") == 50_001
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest[2] == {
        "kind": "person",
        "file": "persons.csv",
        "map": "persons.yaml",
        "rows": 50_000,
    }
