"""Demo residents (人口): members of the generated households, with names, ID numbers, phones,
registration, care tags and a building (some also with their own coordinates). Pure.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import shapely

from gridsvc.demo import identity
from gridsvc.demo.area import DemoArea
from gridsvc.demo.housing import Housing

#: Registration of a household: 户籍, 流动, 境外, 其他 (the CSV's own labels).
REGISTRATIONS = np.array(["户籍", "流动", "境外", "其他"])
REGISTRATION_SHARES = np.array([0.785, 0.19, 0.003, 0.022])
#: Home regions (county adcodes) of floating residents: Yunnan first, then other provinces.
HOME_REGIONS = np.array(
    ["530381", "530322", "530323", "530324", "530325", "530326", "530102", "530111"]
    + ["520102", "510104", "500101", "450102", "440106", "430102", "420102", "410102"]
    + ["350205", "330106", "320102", "110105", "360102", "340102", "610113", "620102"]
)
ETHNIC_GROUPS = np.array(["汉族", "彝族", "回族", "苗族", "壮族", "布依族", "白族"])
ETHNIC_SHARES = np.array([0.9, 0.04, 0.03, 0.01, 0.008, 0.007, 0.005])
OWN_COORDINATES = 0.12  # share of residents with coordinates of their own (GPS-collected)

#: Person CSV column for each target field (a 公安人口库-style export).
COLUMNS = {
    "external_id": "人员编号",
    "name": "姓名",
    "gender": "性别",
    "id_number": "公民身份号码",
    "birth_date": "出生日期",
    "phone": "联系电话",
    "household_id": "户号",
    "relation": "与户主关系",
    "building_id": "楼栋编号",
    "address": "现住址",
    "registration": "户籍类型",
    "lon": "经度",
    "lat": "纬度",
}
TAG_COLUMN = "标签"
VETERAN_FLAG = "是否退役军人"


def residents(
    area: DemoArea, housing: Housing, reference: dt.date, rng: np.random.Generator
) -> pd.DataFrame:
    """One row per resident, columns named as in the CSV (see COLUMNS)."""
    size = housing.household_size
    n = int(size.sum())
    hh = np.repeat(np.arange(len(size)), size)
    pos = np.arange(n) - np.repeat(np.cumsum(size) - size, size)
    hsize = size[hh]
    grid = housing.household_grid[hh]
    urban = area.urban[grid]
    relation = _relations(pos, hsize, rng)
    age, male = _ages_and_genders(relation, hh, hsize, rng)
    days = age * 365.25 + rng.uniform(0, 365, n)
    birth = np.datetime64(reference, "D") - days.astype("timedelta64[D]")
    registration = REGISTRATIONS[rng.choice(4, len(size), p=REGISTRATION_SHARES)][hh]
    region = np.where(
        registration == "流动", HOME_REGIONS[rng.integers(0, len(HOME_REGIONS), n)], area.adcode
    )
    ids = identity.id_numbers(region, birth, male, rng)
    foreign = registration == "境外"
    no_id = foreign | ((age < 1) & (rng.random(n) < 0.4))
    names = identity.person_names(male, rng)
    names = np.where(foreign, identity.latin_names(n, rng), names)
    phones = np.where((age >= 12) & (rng.random(n) < 0.9), identity.mobiles(n, rng), "")
    building = housing.household_building[hh]
    b = housing.buildings
    lon, lat = _coordinates(area, b, building, grid, rng)
    frame = pd.DataFrame(
        {
            "人员编号": np.char.add("RK", np.char.zfill((np.arange(n) + 1).astype(str), 9)),
            "姓名": names,
            "性别": np.where(male, "男", "女"),
            "公民身份号码": np.where(no_id, "", ids),
            "出生日期": pd.to_datetime(birth).strftime("%Y-%m-%d"),
            "联系电话": phones,
            "户号": _household_ids(area, housing)[hh],
            "与户主关系": relation,
            "楼栋编号": b["external_id"].to_numpy()[building],
            "现住址": _addresses(b, building, rng),
            "户籍类型": registration,
            "民族": ETHNIC_GROUPS[rng.choice(len(ETHNIC_GROUPS), n, p=ETHNIC_SHARES)],
            "经度": lon,
            "纬度": lat,
        }
    )
    frame[TAG_COLUMN], veteran = _care_tags(age, male, hh, hsize, urban, rng)
    frame[VETERAN_FLAG] = np.where(veteran, "是", "否")
    return frame


def _household_ids(area: DemoArea, housing: Housing) -> np.ndarray:
    """户号 of each household: HH, the grid code and a 4-digit number within the grid."""
    grid = housing.household_grid
    seq = np.arange(len(grid)) - np.searchsorted(grid, grid) + 1
    return np.char.add(np.char.add("HH", area.codes[grid]), np.char.zfill(seq.astype(str), 4))


def _relations(pos: np.ndarray, hsize: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """与户主关系: 本人, 配偶, 子女, 父母 (a 5+ household's last member), 孙子女 rarely."""
    n = len(pos)
    out = np.full(n, "子女", dtype=object)
    out[pos == 0] = "本人"
    spouse = (pos == 1) & ((hsize >= 3) | (rng.random(n) < 0.8))
    out[spouse] = "配偶"
    out[(pos == hsize - 1) & (hsize >= 5) & (pos >= 2)] = "父母"
    out[(pos >= 4) & (out == "子女") & (rng.random(n) < 0.5)] = "孙子女"
    return out.astype(str)


def _ages_and_genders(
    relation: np.ndarray, hh: np.ndarray, hsize: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Ages (whole years) and genders consistent within each household."""
    n = len(relation)
    head_age = np.clip(rng.normal(47, 13, n), 21, 90)
    lone_old = (hsize == 1) & (rng.random(n) < 0.4)
    head_age = np.where(lone_old, rng.uniform(65, 93, n), head_age)
    head_age = head_age[np.searchsorted(hh, hh)]  # the household head's draw, for everyone
    head_male = (rng.random(n) < 0.62)[np.searchsorted(hh, hh)]
    age = np.select(
        [relation == "本人", relation == "配偶", relation == "父母", relation == "孙子女"],
        [
            head_age,
            np.clip(head_age + rng.normal(-2, 3, n), 20, 95),
            np.clip(head_age + rng.uniform(22, 32, n), 45, 99),
            np.clip(head_age - rng.uniform(45, 60, n), 0, 20),
        ],
        np.clip(head_age - rng.uniform(22, 36, n), 0, 70),
    )
    male = np.select(
        [relation == "本人", relation == "配偶"], [head_male, ~head_male], rng.random(n) < 0.51
    )
    return np.floor(age).astype(np.int64), male.astype(bool)


def _coordinates(
    area: DemoArea,
    buildings: pd.DataFrame,
    building: np.ndarray,
    grid: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Own coordinates (7 decimals) for some residents, inside their grid; "" for the rest."""
    n = len(building)
    own = np.flatnonzero(rng.random(n) < OWN_COORDINATES)
    centre = shapely.get_coordinates(
        shapely.centroid(buildings["geometry"].to_numpy()[building[own]])
    )
    jitter = centre + rng.normal(0, 6e-5, centre.shape)  # a few metres off the footprint
    inside = shapely.contains_xy(area.inner[grid[own]], jitter[:, 0], jitter[:, 1])
    xy = np.where(inside[:, None], jitter, centre)
    lon = np.full(n, "", dtype=object)
    lat = np.full(n, "", dtype=object)
    lon[own] = np.char.mod("%.7f", xy[:, 0])
    lat[own] = np.char.mod("%.7f", xy[:, 1])
    return lon, lat


def _addresses(
    buildings: pd.DataFrame, building: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Building address, plus 单元 and room for blocks of flats."""
    n = len(building)
    floors = buildings["floors"].to_numpy()[building]
    base = buildings["address"].to_numpy().astype(str)[building]
    block = buildings["compound"].to_numpy()[building] >= 0
    unit = rng.integers(1, 4, n).astype(str)
    floor = (np.floor(rng.random(n) * floors) + 1).astype(np.int64).astype(str)
    room = np.char.add(np.char.add(np.char.add(unit, "单元"), floor), rng.choice(["01", "02"], n))
    return np.where(block, np.char.add(base, room), base)


def _care_tags(
    age: np.ndarray,
    male: np.ndarray,
    hh: np.ndarray,
    hsize: np.ndarray,
    urban: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """The 标签 cell (labels joined by 、) and the veteran flag, at plausible rates."""
    n = len(age)
    low_income_hh = (
        rng.random(int(hh.max()) + 1 if n else 0)
        < np.where(urban, 0.02, 0.06)[np.unique(hh, return_index=True)[1]]
    )
    tags = {
        "独居老人": (hsize == 1) & (age >= 65),
        "留守儿童": ~urban & (age < 16) & (rng.random(n) < 0.08),
        "残疾人": rng.random(n) < np.where(age >= 60, 0.05, 0.015),
        "低保": low_income_hh[hh],
        "重点关注": rng.random(n) < 0.005,
        "党员": (age >= 18) & (rng.random(n) < 0.07),
    }
    cell = np.full(n, "", dtype=object)
    for label, has in tags.items():
        cell = np.where(has, np.where(cell == "", label, cell + "、" + label), cell)
    veteran = male & (age >= 22) & (age <= 85) & (rng.random(n) < 0.03)
    return cell.astype(str), veteran
