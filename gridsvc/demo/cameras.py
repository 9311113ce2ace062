"""Demo cameras of a generated district (SPEC §5, §9): police (公安), traffic (交通, at road
junctions) and urban-management (城管) feeds and smart cameras (智能), beside the generated
streets (``gridsvc.demo.roads``), with GB/T 28181 device IDs, view parameters, RTSP streams,
vendor aliases, integrators, and NVRs holding some of them as channels. Pure, and
deterministic from the seed.

The seed district gets about 1,800 feeds and 59 smart cameras; ``scale`` multiplies every
department's count (at least one each).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import numpy as np

from cameras.deviceid import make_device_id
from gridsvc.demo import camera_fleet as fleet
from gridsvc.demo import roads
from gridsvc.demo.area import DemoArea
from gridsvc.demo.camera_fleet import DEPARTMENTS, MODELS, NVR_FIRST_IP_CHANNEL, Department
from gridsvc.demo.names import FIRST_CHARS, URBAN_CHARS

_SALT = 0x63616D73
ROAD_SUFFIXES = ("路", "路", "街", "大道", "巷", "西路", "东路")
PTZ_KIND = {1: "球机", 2: "半球", 3: "枪机", 4: "遥控枪机"}
COMPASS = ("北", "东北", "东", "东南", "南", "西南", "西", "西北")
URBAN_SPOTS = (
    "商铺外摆区",
    "背街小巷",
    "农贸市场",
    "广场",
    "公园入口",
    "公交站台",
    "学校周边",
    "垃圾分类点",
)
SMART_SPOTS = ("人脸抓拍", "车辆卡口", "人车混合卡口", "结构化分析")
NVR_CHANNELS = 16


@dataclass(frozen=True)
class DemoCamera:
    """One device of the demo registry (a camera, or an NVR with ``device_type`` 118)."""

    device_id: str
    name: str
    department: str
    integrator: str
    device_type: str
    manufacturer: str
    model: str
    address: str
    lon: float
    lat: float
    height_m: float | None
    heading_deg: float | None
    fov_deg: float | None
    range_m: float | None
    ptz_type: int | None
    streams: tuple[dict[str, str], ...]
    aliases: tuple[str, ...]
    parent_id: str | None = None


def _rng(seed: int, adcode: str, part: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(adcode), part, _SALT])


def _hash(*parts: object) -> int:
    text = "\x1f".join(map(str, parts)).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


class _Roads:
    """Road names of boundary segments: one per undirected edge (both grids agree)."""

    def __init__(self, segs: roads.Segments, seed: int):
        self.segs, self.seed = segs, seed

    def name(self, seg: int) -> str:
        ends = (self.segs.start[seg], self.segs.end[seg])
        a, b = (tuple(int(v) for v in np.round(p * 1e6)) for p in ends)
        h = _hash(self.seed, min(a, b), max(a, b))
        first = FIRST_CHARS[h % len(FIRST_CHARS)]
        second = URBAN_CHARS[(h >> 8) % len(URBAN_CHARS)]
        if second == first:
            second = URBAN_CHARS[(h >> 16) % len(URBAN_CHARS)]
        return first + second + ROAD_SUFFIXES[(h >> 24) % len(ROAD_SUFFIXES)]


def _view(ptz: int, dept: str, rng: np.random.Generator) -> tuple[float, float, float]:
    """(height m, field of view °, range m) of a camera of PTZ type ``ptz``."""
    if ptz == 1:  # a dome on a pole: sees all round, not far
        return rng.uniform(6.0, 10.0), 360.0, rng.uniform(30.0, 60.0)
    if ptz == 2:  # a half-dome under eaves
        return rng.uniform(3.0, 4.5), rng.uniform(80.0, 110.0), rng.uniform(15.0, 35.0)
    fov = rng.uniform(50.0, 70.0) if ptz == 4 or dept == "smart" else rng.uniform(50.0, 90.0)
    reach = 120.0 - (fov - 50.0) * 1.5 * rng.uniform(0.6, 1.0)  # narrower sees farther
    height = rng.uniform(6.0, 8.0) if dept == "traffic" else rng.uniform(4.0, 8.0)
    if dept == "smart":
        reach = rng.uniform(30.0, 60.0)
    return height, fov, float(np.clip(reach, 30.0, 120.0))


def _label(
    dept: Department,
    area: DemoArea,
    names: _Roads,
    sites: roads.Sites,
    i: int,
    ptz: int,
    heading: float,
    number: int,
    rng: np.random.Generator,
) -> str:
    """A camera's name as platforms spell them: its road (and crossing), number or spot."""
    road = names.name(int(sites.road[i]))
    community = area.community_names.get(str(area.codes[sites.grid[i]])[:12], "")
    if dept.key == "traffic":
        cross = names.name(int(sites.cross[i])) if sites.cross[i] >= 0 else ""
        facing = COMPASS[int(((heading + 22.5) % 360) // 45)]
        place = f"{road}与{cross}交叉口" if cross and cross != road else f"{road}{number}号路口"
        return f"{place}{facing}向-{PTZ_KIND[ptz]}"
    if dept.key == "urban_management":
        spot = URBAN_SPOTS[int(rng.integers(len(URBAN_SPOTS)))]
        return f"{community}{road}{spot}-{PTZ_KIND[ptz]}"
    if dept.key == "smart":
        return f"{road}{number}号{SMART_SPOTS[int(rng.integers(len(SMART_SPOTS)))]}"
    return f"{road}{number}号-{PTZ_KIND[ptz]}"


def generate_cameras(area: DemoArea, *, seed: int = 0, scale: float = 1.0) -> list[DemoCamera]:
    """Every demo device of the district: cameras by department, then their NVRs."""
    if not scale > 0:
        raise ValueError("scale must be positive")
    segs = roads.segments(area)
    names = _Roads(segs, seed)
    out: list[DemoCamera] = []
    for part, dept in enumerate(DEPARTMENTS, start=1):
        rng = _rng(seed, area.adcode, part)
        n = max(1, round(dept.count * scale))
        if dept.key == "traffic":
            sites = roads.at_junctions(area, segs, n, rng)
        else:
            sites = roads.roadside(area, segs, n, rng)
        out.extend(_department(dept, area, names, sites, rng))
    return out


def _department(
    dept: Department, area: DemoArea, names: _Roads, sites: roads.Sites, rng: np.random.Generator
) -> list[DemoCamera]:
    n = len(sites.lon)
    ptz = rng.choice(np.arange(1, 5), size=n, p=np.asarray(dept.ptz_shares))
    flip = rng.random(n) < 0.5
    heading = (sites.bearing + np.where(flip, 180.0, 0.0) + rng.normal(0.0, 12.0, n)) % 360.0
    on_nvr = rng.random(n) < dept.nvr_share
    cams: list[DemoCamera] = []
    nvrs: dict[str, list[int]] = {}  # community code -> camera indices recorded there
    for i in range(n):
        kind = int(ptz[i])
        height, fov, reach = _view(kind, dept.key, rng)
        ip = fleet.ip_address(dept.ip_prefix, i)
        password = f"{dept.vendor[:2]}{_hash(dept.key, area.adcode, i) % 10**6:06d}!"
        device_id = make_device_id(
            area.adcode,
            i + 1,
            unit=dept.unit,
            industry=dept.industry,
            type_code="132",
            network=dept.network,
        )
        mac = fleet.mac_address(dept, i)
        g = int(sites.grid[i])
        if on_nvr[i]:
            nvrs.setdefault(str(area.codes[g])[:12], []).append(i)
        model = MODELS[dept.vendor]["smart" if dept.key == "smart" else kind]
        road = names.name(int(sites.road[i]))
        number = int(rng.integers(1, 400))
        cams.append(
            DemoCamera(
                device_id=device_id,
                name=_label(dept, area, names, sites, i, kind, float(heading[i]), number, rng),
                department=dept.key,
                integrator=dept.integrator,
                device_type="132",
                manufacturer=dept.vendor,
                model=model,
                address=f"{area.place_name(g)}{road}{number}号",
                lon=round(float(sites.lon[i]), 7),
                lat=round(float(sites.lat[i]), 7),
                height_m=round(height, 1),
                heading_deg=round(float(heading[i]), 1) % 360.0,
                fov_deg=round(fov, 1),
                range_m=round(reach, 1),
                ptz_type=kind,
                streams=fleet.streams(dept.vendor, ip, password),
                aliases=fleet.standalone_aliases(dept.alias, mac, ip),
            )
        )
    return cams + _nvrs(dept, area, cams, nvrs)


def _nvrs(
    dept: Department, area: DemoArea, cams: list[DemoCamera], groups: dict[str, list[int]]
) -> list[DemoCamera]:
    """NVRs of up to 16 channels per community; their channels are re-parented, renamed
    streams and aliases to the NVR's address."""
    out: list[DemoCamera] = []
    serial = 0
    for community in sorted(groups):
        members = groups[community]
        for first in range(0, len(members), NVR_CHANNELS):
            serial += 1
            chunk = members[first : first + NVR_CHANNELS]
            nvr_id = make_device_id(
                area.adcode,
                serial,
                unit=dept.unit,
                industry=dept.industry,
                type_code="118",
                network=dept.network,
            )
            ip = fleet.ip_address(dept.ip_prefix, fleet.NVR_IP_BASE + serial)
            mac = fleet.mac_address(dept, fleet.NVR_IP_BASE + serial)
            password = f"Nv{_hash(nvr_id) % 10**6:06d}!"
            head = cams[chunk[0]]
            for k, i in enumerate(chunk):
                ch = NVR_FIRST_IP_CHANNEL + k
                cams[i] = _channel(
                    cams[i],
                    nvr_id,
                    fleet.streams(dept.vendor, ip, password, k + 1),
                    fleet.aliases(dept.alias, mac, ip, ch),
                )
            place = area.community_names.get(community, community)
            out.append(
                DemoCamera(
                    device_id=nvr_id,
                    name=f"{place}{dept.zh}NVR-{serial:02d}",
                    department=dept.key,
                    integrator=dept.integrator,
                    device_type="118",
                    manufacturer=dept.vendor,
                    model=MODELS[dept.vendor]["nvr"],
                    address=head.address,
                    lon=head.lon,
                    lat=head.lat,
                    height_m=None,
                    heading_deg=None,
                    fov_deg=None,
                    range_m=None,
                    ptz_type=None,
                    streams=(),
                    aliases=fleet.aliases(dept.alias, mac, ip, None),
                )
            )
    return out


def _channel(cam: DemoCamera, parent: str, streams: tuple, aliases: tuple) -> DemoCamera:
    return replace(cam, parent_id=parent, streams=streams, aliases=aliases)
