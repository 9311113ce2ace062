"""The demo element files: Chinese column names, value labels and SPEC §8 mappings per kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from gridsvc.demo import people
from gridsvc.geo.crs import parse_crs


@dataclass(frozen=True)
class ElementFile:
    """One export: its file name, kind, source, rows (CSV columns) and mapping."""

    name: str
    kind: str
    source: str
    frame: pd.DataFrame
    mapping: dict[str, Any]
    encoding: str = "utf-8"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def map_name(self) -> str:
        return Path(self.name).with_suffix(".yaml").name


def _mapping(kind: str, source: str, crs: str | None, fields: dict[str, str], **more: Any) -> dict:
    out: dict[str, Any] = {"kind": kind, "source": source}
    if crs:
        out["crs"] = crs
    return {**out, **more, "fields": fields}


def _columns(columns: dict[str, tuple[str, Any]]) -> tuple[pd.DataFrame, dict[str, str]]:
    """The CSV rows and the mapping's fields from ``target: (column label, values)``."""
    frame = pd.DataFrame({label: values for label, values in columns.values()})
    return frame, {target: label for target, (label, _) in columns.items()}


def places_file(buildings: pd.DataFrame, compounds: pd.DataFrame) -> ElementFile:
    both = pd.concat(
        [
            buildings.assign(kind="楼栋"),
            compounds.assign(kind="小区", floors=None, households=None),
        ],
        ignore_index=True,
    )
    frame, fields = _columns(
        {
            "external_id": ("编号", both["external_id"]),
            "kind": ("类型", both["kind"]),
            "name": ("名称", both["name"]),
            "address": ("地址", both["address"]),
            "floors": ("层数", both["floors"].astype("Int64")),
            "households": ("户数", both["households"].astype("Int64")),
            "wkt": ("WKT", shapely.to_wkt(both["geometry"].to_numpy(), rounding_precision=7)),
        }
    )
    mapping = _mapping(
        "place",
        "住建楼栋库",
        "EPSG:4326",
        fields,
        values={"kind": {"楼栋": "building", "小区": "compound"}},
    )
    grids = np.concatenate([buildings["grid"].to_numpy(), compounds["grid"].to_numpy()])
    return ElementFile(
        "places.csv",
        "place",
        "住建楼栋库",
        frame,
        mapping,
        "utf-8-sig",
        {"grid": grids, "geometry": both["geometry"].to_numpy()},
    )


def _lonlat_gcj02(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 strings of the frame's WGS 84 lon/lat strings (Amap-sourced exports)."""
    lon, lat = frame["lon"].astype(float).to_numpy(), frame["lat"].astype(float).to_numpy()
    x, y = parse_crs("gcj02").from_wgs84(lon, lat)
    return np.char.mod("%.7f", np.asarray(x)), np.char.mod("%.7f", np.asarray(y))


def pois_file(pois: pd.DataFrame) -> ElementFile:
    x, y = _lonlat_gcj02(pois)
    frame, fields = _columns(
        {
            "external_id": ("编号", pois["external_id"]),
            "kind": ("类别", pois["kind"].map({"poi": "兴趣点", "service_centre": "党群服务中心"})),
            "name": ("名称", pois["name"]),
            "address": ("地址", pois["address"]),
            "lon": ("经度", x),
            "lat": ("纬度", y),
        }
    )
    values = {"kind": {"兴趣点": "poi", "党群服务中心": "service_centre"}}
    mapping = _mapping("place", "地名地址库", "gcj02", fields, values=values)
    return ElementFile("pois.csv", "place", "地名地址库", frame, mapping, "utf-8", _truth(pois))


def _truth(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Grid index and WGS 84 lon/lat of each row (NaN where the row has no point)."""
    lon = pd.to_numeric(frame["lon"].replace("", np.nan)).to_numpy(dtype=float)
    lat = pd.to_numeric(frame["lat"].replace("", np.nan)).to_numpy(dtype=float)
    return {"grid": frame["grid"].to_numpy(), "lon": lon, "lat": lat}


def persons_file(persons: pd.DataFrame) -> ElementFile:
    fields = dict(people.COLUMNS)
    mapping = _mapping(
        "person",
        "公安人口库",
        "EPSG:4490",
        fields,
        encoding="gbk",
        values={
            "gender": {"男": "male", "女": "female"},
            "registration": {
                "户籍": "registered",
                "流动": "floating",
                "境外": "foreign",
                "其他": "other",
            },
        },
        tags={"column": people.TAG_COLUMN, "flags": {people.VETERAN_FLAG: "veteran"}},
    )
    return ElementFile("persons.csv", "person", "公安人口库", persons, mapping, "gbk")


def things_file(things: pd.DataFrame) -> ElementFile:
    x, y = _lonlat_gcj02(things)
    frame, fields = _columns(
        {
            "external_id": ("部件编号", things["external_id"]),
            "class_code": ("小类代码", things["class_code"]),
            "name": ("部件名称", things["name"]),
            "status": ("状态", things["status"]),
            "owner_department": ("权属单位", things["owner"]),
            "lon": ("经度", x),
            "lat": ("纬度", y),
        }
    )
    values = {"status": {"完好": "intact", "损坏": "damaged", "丢失": "missing", "其他": "other"}}
    mapping = _mapping("thing", "数字城管部件库", "gcj02", fields, values=values)
    return ElementFile(
        "things.csv", "thing", "数字城管部件库", frame, mapping, "utf-8-sig", _truth(things)
    )


ORG_KINDS = {
    "party_org": "党组织",
    "enterprise": "企业",
    "social_org": "社会组织",
    "property_company": "物业公司",
    "owners_committee": "业主委员会",
}
PARTY_LEVELS = {
    "street_committee": "街道（乡镇）党（工）委",
    "community_committee": "社区（村）党组织",
    "grid_branch": "网格党支部",
}


def organisations_file(orgs: pd.DataFrame) -> ElementFile:
    frame, fields = _columns(
        {
            "external_id": ("组织编号", orgs["external_id"]),
            "kind": ("组织类型", orgs["kind"].map(ORG_KINDS)),
            "name": ("名称", orgs["name"]),
            "level": ("党组织层级", orgs["level"].map(PARTY_LEVELS).fillna("")),
            "parent_external_id": ("上级组织编号", orgs["parent"]),
            "grid_codes": ("所属网格", orgs["grid_codes"]),
            "credit_code": ("统一社会信用代码", orgs["credit_code"]),
            "contact": ("联系电话", orgs["contact"]),
            "address": ("地址", orgs["address"]),
            "registered_community": ("双报到社区", orgs["registered_community"]),
            "lon": ("经度", orgs["lon"]),
            "lat": ("纬度", orgs["lat"]),
        }
    )
    values = {
        "kind": {v: k for k, v in ORG_KINDS.items()},
        "level": {v: k for k, v in PARTY_LEVELS.items()},
    }
    mapping = _mapping("organisation", "组织库", "EPSG:4326", fields, values=values)
    return ElementFile(
        "organisations.csv", "organisation", "组织库", frame, mapping, "utf-8", _truth(orgs)
    )


STAFF_ROLES = {
    "网格长": "grid_leader",
    "社区民警": "police_officer",
    "社区工作者": "community_worker",
    "城管队员": "urban_management_officer",
    "市场监管员": "market_supervision_officer",
    "保洁员": "sanitation_worker",
    "志愿者": "volunteer",
    "党员": "party_member",
    "其他": "other_member",
}


def staff_file(staff: pd.DataFrame) -> ElementFile:
    frame, fields = _columns(
        {
            "external_id": ("人员编号", staff["external_id"]),
            "grid_code": ("网格编码", staff["grid_code"]),
            "role": ("岗位", staff["role"]),
            "name": ("姓名", staff["name"]),
            "phone": ("手机号", staff["phone"]),
            "duty_status": ("在岗状态", staff["duty_status"]),
            "organisation_external_id": ("所属组织编号", staff["organisation"]),
        }
    )
    values = {
        "role": STAFF_ROLES,
        "duty_status": {"在岗": "on_duty", "离岗": "off_duty", "请假": "on_leave"},
    }
    mapping = _mapping("staff", "网格员名册", None, fields, values=values)
    return ElementFile("staff.csv", "staff", "网格员名册", frame, mapping)


def situations_file(situations: pd.DataFrame) -> ElementFile:
    s = situations
    frame, fields = _columns(
        {
            "external_id": ("编号", s["external_id"]),
            "kind": ("类型", s["kind"]),
            "severity": ("等级", s["severity"]),
            "description": ("描述", s["description"]),
            "valid_from": ("开始时间", s["valid_from"]),
            "valid_to": ("结束时间", s["valid_to"]),
            "grid_code": ("网格编码", s["grid_code"]),
            "lon": ("经度", s["lon"]),
            "lat": ("纬度", s["lat"]),
        }
    )
    values = {"kind": {"舆情": "sentiment", "隐患": "hazard", "风险": "risk"}}
    mapping = _mapping("situation", "综治态势库", "EPSG:4326", fields, values=values)
    return ElementFile(
        "situations.csv", "situation", "综治态势库", frame, mapping, "utf-8", _truth(s)
    )
