"""Demo places of service, components, organisations, grid staff and situations. Pure.

Counts follow the residents (per 1,000, urban or rural) except those fixed by the hierarchy:
one party–mass service centre and one community party committee per community, one party
branch and 1+5+N staff per grid, one party working committee per street.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from gridsvc.demo import identity
from gridsvc.demo.area import DemoArea
from gridsvc.demo.names import FIRST_CHARS, URBAN_CHARS

#: POI types: (label, per 1,000 urban residents, per 1,000 rural residents).
POI_TYPES = (
    ("超市", 1.2, 0.8),
    ("药店", 0.6, 0.3),
    ("餐馆", 2.5, 0.6),
    ("幼儿园", 0.25, 0.15),
    ("小学", 0.1, 0.12),
    ("卫生服务站", 0.12, 0.2),
    ("菜市场", 0.1, 0.05),
    ("银行网点", 0.15, 0.03),
    ("快递驿站", 0.5, 0.2),
    ("加油站", 0.05, 0.05),
)
#: Components (部件): 5-digit demo class codes in the GB/T 30428.2 classes (01 public
#: facilities, 02 roads and traffic, 03 city appearance, 04 greenery), name, per 1,000
#: urban / rural residents, owning department.
COMPONENTS = (
    ("01001", "上水井盖", 8.0, 1.0, "自来水公司"),
    ("01002", "污水井盖", 8.0, 1.0, "住建局排水管理处"),
    ("01003", "雨水井盖", 10.0, 1.5, "住建局排水管理处"),
    ("01004", "电力井盖", 3.0, 0.5, "供电局"),
    ("01005", "通信井盖", 4.0, 0.5, "电信分公司"),
    ("01006", "燃气井盖", 2.0, 0.0, "燃气公司"),
    ("01008", "消防栓", 2.0, 0.3, "消防救援大队"),
    ("01017", "路灯", 12.0, 4.0, "城市管理局"),
    ("02001", "交通信号灯", 0.5, 0.05, "交警大队"),
    ("02004", "公交站亭", 0.6, 0.2, "公交公司"),
    ("03002", "公共厕所", 0.5, 0.4, "环境卫生管理处"),
    ("03003", "垃圾箱", 6.0, 2.0, "环境卫生管理处"),
    ("03006", "广告牌", 1.5, 0.2, "城市管理局"),
    ("04001", "古树名木", 0.1, 0.3, "园林绿化处"),
)
COMPONENT_STATUSES = np.array(["完好", "损坏", "丢失", "其他"])
COMPONENT_STATUS_SHARES = np.array([0.93, 0.045, 0.01, 0.015])
INDUSTRIES = ("商贸", "餐饮", "建材", "物流", "科技", "农业开发", "食品", "汽车服务", "文化传媒")
ENTERPRISES_PER_1000 = 25.0
SOCIAL_ORGS_PER_1000 = 1.0
#: Staff roles as the staff roster spells them; 1 leader, 5 standing, 1–4 dynamic.
LEADER = "网格长"
STANDING = ("社区民警", "社区工作者", "城管队员", "市场监管员", "保洁员")
DYNAMIC = ("志愿者", "党员", "其他")
DUTY = np.array(["在岗", "离岗", "请假"])
DUTY_SHARES = np.array([0.7, 0.25, 0.05])
SITUATIONS = {
    "舆情": ("居民反映噪音扰民", "网络反映小区停车难", "群众投诉物业服务", "反映道路积水"),
    "隐患": ("电动车楼道充电", "消防通道堵塞", "老旧电线私拉乱接", "边坡落石"),
    "风险": ("邻里纠纷可能激化", "燃气管道老化", "汛期山洪风险", "工地扬尘超标"),
}
SITUATIONS_PER_1000 = 4.0
SEVERITY_SHARES = np.array([0.5, 0.3, 0.15, 0.05])


def per_grid(
    rate_urban: float,
    rate_rural: float,
    residents: np.ndarray,
    urban: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Poisson counts per grid at a rate per 1,000 residents (urban or rural)."""
    rate = np.where(urban, rate_urban, rate_rural) * residents / 1000.0
    return rng.poisson(rate)


def _xy(area: DemoArea, grid: np.ndarray, rng: np.random.Generator) -> tuple[list, list]:
    xy = area.points(grid, rng)
    return list(np.char.mod("%.7f", xy[:, 0])), list(np.char.mod("%.7f", xy[:, 1]))


def pois(area: DemoArea, residents: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Points of interest and one party–mass service centre per community (place rows)."""
    rows: list[pd.DataFrame] = []
    for label, urban_rate, rural_rate in POI_TYPES:
        grid = np.repeat(
            np.arange(len(area)), per_grid(urban_rate, rural_rate, residents, area.urban, rng)
        )
        stem = [FIRST_CHARS[i] + URBAN_CHARS[j] for i, j in rng.integers(0, 20, (len(grid), 2))]
        rows.append(pd.DataFrame({"grid": grid, "kind": "poi", "name": [s + label for s in stem]}))
    firsts: dict[str, int] = {}
    for g in np.argsort(-residents, kind="stable").tolist():
        firsts.setdefault(str(area.codes[g])[:12], g)
    centres = sorted(firsts)
    rows.append(
        pd.DataFrame(
            {
                "grid": [firsts[c] for c in centres],
                "kind": "service_centre",
                "name": [f"{area.community_names.get(c, c)}党群服务中心" for c in centres],
            }
        )
    )
    out = pd.concat(rows, ignore_index=True)
    grid = out["grid"].to_numpy()
    out["lon"], out["lat"] = _xy(area, grid, rng)
    out["address"] = [area.place_name(g) for g in grid]
    seq = out.groupby("grid").cumcount() + 1
    out["external_id"] = [f"DM{area.codes[g]}{s:03d}" for g, s in zip(grid, seq, strict=True)]
    return out


def things(area: DemoArea, residents: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Components (部件) with class codes, statuses and owning departments."""
    parts = []
    for code, name, urban_rate, rural_rate, owner in COMPONENTS:
        grid = np.repeat(
            np.arange(len(area)), per_grid(urban_rate, rural_rate, residents, area.urban, rng)
        )
        parts.append(pd.DataFrame({"grid": grid, "class_code": code, "name": name, "owner": owner}))
    out = pd.concat(parts, ignore_index=True)
    grid = out["grid"].to_numpy()
    out["lon"], out["lat"] = _xy(area, grid, rng)
    out["status"] = COMPONENT_STATUSES[rng.choice(4, len(out), p=COMPONENT_STATUS_SHARES)]
    out["external_id"] = [f"BJ{i + 1:08d}" for i in range(len(out))]
    return out


def organisations(
    area: DemoArea, residents: np.ndarray, compounds: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Party organisations (street → community → grid branch), enterprises, social groups,
    property companies and owners' committees."""
    rows: list[dict] = []
    grids = np.arange(len(area))
    for street in sorted(area.street_names):
        name = area.street_names[street]
        body = "党工委" if name.endswith("街道") else "党委"
        g = int(np.flatnonzero([c.startswith(street) for c in area.codes])[0])
        rows.append(_org(f"DZ{street}", "party_org", name + body, g, level="street_committee"))
    for comm in sorted(area.community_names):
        name = area.community_names[comm]
        g = int(np.flatnonzero([c.startswith(comm) for c in area.codes])[0])
        rows.append(
            _org(
                f"DZ{comm}",
                "party_org",
                name + ("党总支" if name.endswith("村") else "党委"),
                g,
                level="community_committee",
                parent=f"DZ{comm[:9]}",
            )
        )
    for g in grids.tolist():
        code = str(area.codes[g])
        rows.append(
            _org(
                f"DZ{code}",
                "party_org",
                f"{area.names[g]}党支部",
                g,
                level="grid_branch",
                parent=f"DZ{code[:12]}",
                grid_codes=code,
            )
        )
    for at in np.repeat(grids, per_grid(ENTERPRISES_PER_1000, 8.0, residents, area.urban, rng)):
        stem = (
            FIRST_CHARS[rng.integers(len(FIRST_CHARS))]
            + URBAN_CHARS[rng.integers(len(URBAN_CHARS))]
        )
        small = rng.random() < 0.45
        name = f"{stem}{INDUSTRIES[rng.integers(len(INDUSTRIES))]}" + (
            "店" if small else "有限公司"
        )
        rows.append(
            _org("", "enterprise", area.prefix[:3] + name, int(at), prefix="92" if small else "91")
        )
    for at in np.repeat(grids, per_grid(SOCIAL_ORGS_PER_1000, 0.5, residents, area.urban, rng)):
        stem = (
            FIRST_CHARS[rng.integers(len(FIRST_CHARS))]
            + URBAN_CHARS[rng.integers(len(URBAN_CHARS))]
        )
        label = ("志愿者协会", "老年协会", "文体协会", "社会工作服务中心")[rng.integers(4)]
        rows.append(
            _org("", "social_org", stem + label, int(at), prefix="52" if "中心" in label else "51")
        )
    for i, row in enumerate(compounds.itertuples()):
        if i % 4 == 0:
            stem = (
                FIRST_CHARS[rng.integers(len(FIRST_CHARS))]
                + URBAN_CHARS[rng.integers(len(URBAN_CHARS))]
            )
            company = f"XQ-WY{i:05d}"
            rows.append(
                _org(
                    company,
                    "property_company",
                    f"{area.prefix[:3]}{stem}物业服务有限公司",
                    int(row.grid),
                    prefix="91",
                )
            )
        if rng.random() < 0.4:
            rows.append(
                _org(
                    f"{row.external_id}-YW",
                    "owners_committee",
                    f"{row.name}业主委员会",
                    int(row.grid),
                )
            )
    out = pd.DataFrame(rows)
    out["lon"], out["lat"] = _xy(area, out["grid"].to_numpy(), rng)
    coded = out["prefix"] != ""
    out.loc[coded, "credit_code"] = identity.credit_codes(
        out.loc[coded, "prefix"].tolist(), area.adcode, rng
    )
    out["credit_code"] = out["credit_code"].fillna("")
    missing = out["external_id"] == ""
    out.loc[missing, "external_id"] = "QY" + out.loc[missing, "credit_code"]
    out["contact"] = ["0874-" + str(v) for v in rng.integers(3_000_000, 3_999_999, len(out))]
    dual = (out["kind"] == "enterprise") & (rng.random(len(out)) < 0.2)
    out["registered_community"] = np.where(dual, area.community_of(out["grid"].to_numpy()), "")
    out["address"] = [area.place_name(g) for g in out["grid"]]
    return out


def _org(
    ext: str,
    kind: str,
    name: str,
    grid: int,
    *,
    level: str = "",
    parent: str = "",
    grid_codes: str = "",
    prefix: str = "",
) -> dict:
    return {
        "external_id": ext,
        "kind": kind,
        "name": name,
        "grid": grid,
        "level": level,
        "parent": parent,
        "grid_codes": grid_codes,
        "prefix": prefix,
    }


def staff(area: DemoArea, rng: np.random.Generator) -> pd.DataFrame:
    """1+5+N grid staff per grid: leader, the five standing roles, one to four dynamic."""
    rows = []
    for code in area.codes.tolist():
        roles = [LEADER, *STANDING, *(DYNAMIC[i] for i in rng.choice(3, rng.integers(1, 5)))]
        for k, role in enumerate(roles, start=1):
            rows.append(
                {
                    "external_id": f"WGY{code}{k:02d}",
                    "grid_code": code,
                    "role": role,
                    "organisation": f"DZ{code}" if role == LEADER else "",
                }
            )
    out = pd.DataFrame(rows)
    male = rng.random(len(out)) < 0.5
    out["name"] = identity.person_names(male, rng)
    out["phone"] = identity.mobiles(len(out), rng)
    out["duty_status"] = DUTY[rng.choice(3, len(out), p=DUTY_SHARES)]
    return out


def situations(
    area: DemoArea, residents: np.ndarray, reference: dt.date, rng: np.random.Generator
) -> pd.DataFrame:
    """Sentiment, hazards and risks: severity 1–4, validity windows around ``reference``."""
    grid = np.repeat(
        np.arange(len(area)), per_grid(SITUATIONS_PER_1000, 3.0, residents, area.urban, rng)
    )
    n = len(grid)
    kinds = np.array(list(SITUATIONS))[rng.choice(3, n, p=[0.35, 0.4, 0.25])]
    text = [SITUATIONS[k][rng.integers(4)] for k in kinds]
    start = pd.Timestamp(reference) - pd.to_timedelta(rng.uniform(0, 60 * 24, n).round(), "h")
    end = start + pd.to_timedelta(rng.uniform(3 * 24, 45 * 24, n).round(), "h")
    lon, lat = _xy(area, grid, rng)
    by_grid = rng.random(n) < 0.25  # reported for a whole grid, no point
    return pd.DataFrame(
        {
            "external_id": [f"QT{i + 1:07d}" for i in range(n)],
            "kind": kinds,
            "severity": 1 + rng.choice(4, n, p=SEVERITY_SHARES),
            "description": text,
            "valid_from": start.strftime("%Y-%m-%d %H:%M:%S"),
            "valid_to": np.where(rng.random(n) < 0.2, "", end.strftime("%Y-%m-%d %H:%M:%S")),
            "grid_code": np.where(by_grid, area.codes[grid], ""),
            "lon": np.where(by_grid, "", lon),
            "lat": np.where(by_grid, "", lat),
            "grid": grid,
        }
    )
