"""How the demo's camera owners number, name and reach their devices: departments with
their integrators and vendors, models, RTSP stream URLs, vendor aliases, IPs and MACs. Pure."""

from __future__ import annotations

from dataclasses import dataclass

NVR_FIRST_IP_CHANNEL = 33  # on Hikvision and Uniview NVRs, IP channels start after 32
NVR_IP_BASE = 50_000  # NVRs take addresses from x.y.201.z up (cameras from x.y.1.z)


@dataclass(frozen=True)
class Department:
    """A camera owner of the demo, its count at scale 1 and how its devices are numbered."""

    key: str
    zh: str
    count: int
    integrator: str
    vendor: str
    unit: str  # digits 7–8 of the device ID
    industry: str  # GB/T 28181 industry code (00 public security road, 04 traffic, 08 urban)
    network: int
    ip_prefix: str
    ptz_shares: tuple[float, float, float, float]  # ptz_type 1..4
    nvr_share: float  # share of its cameras recorded as NVR channels
    alias: str  # "isapi" (mac:/ip: aliases), "onvif" or "" (device ID only)


DEPARTMENTS: tuple[Department, ...] = (
    Department(
        key="police",
        zh="公安",
        count=900,
        integrator="police-hik",
        vendor="Hikvision",
        unit="01",
        industry="00",
        network=5,
        ip_prefix="10.51",
        ptz_shares=(0.25, 0.05, 0.6, 0.1),
        nvr_share=0.35,
        alias="isapi",
    ),
    Department(
        key="traffic",
        zh="交通",
        count=500,
        integrator="traffic-dahua",
        vendor="Dahua",
        unit="02",
        industry="04",
        network=0,
        ip_prefix="10.42",
        ptz_shares=(0.15, 0.0, 0.75, 0.1),
        nvr_share=0.0,
        alias="",
    ),
    Department(
        key="urban_management",
        zh="城管",
        count=400,
        integrator="cg-uniview",
        vendor="Uniview",
        unit="03",
        industry="08",
        network=6,
        ip_prefix="172.18",
        ptz_shares=(0.3, 0.1, 0.6, 0.0),
        nvr_share=0.25,
        alias="onvif",
    ),
    Department(
        key="smart",
        zh="智能",
        count=59,
        integrator="smart-hik",
        vendor="Hikvision",
        unit="04",
        industry="00",
        network=6,
        ip_prefix="10.66",
        ptz_shares=(0.0, 0.0, 1.0, 0.0),
        nvr_share=0.0,
        alias="isapi",
    ),
)
MODELS = {  # vendor -> model per ptz_type, and the NVR
    "Hikvision": {
        1: "DS-2DE4425IW-DE",
        2: "DS-2CD3345WD-I",
        3: "DS-2CD3T47WD-L",
        4: "DS-2CD5A26G0-IZS",
        "nvr": "DS-7732NI-K4",
        "smart": "iDS-2CD7A46G0-IZHS",
    },
    "Dahua": {
        1: "DH-SD49425XB-HNR",
        2: "DH-IPC-HDBW4433R",
        3: "DH-IPC-HFW4433M-I2",
        4: "DH-IPC-HFW5442E-ZE",
        "nvr": "DH-NVR5232-4KS2",
    },
    "Uniview": {
        1: "IPC6222ER-X20",
        2: "IPC322LR3-VSPF28",
        3: "IPC2124LR3-PF40",
        4: "IPC2324EBR-DPZ28",
        "nvr": "NVR302-32S",
    },
}
OUI = {"Hikvision": "44:19:b6", "Dahua": "3c:ef:8c", "Uniview": "24:28:fd"}


def streams(vendor: str, ip: str, password: str, channel: int = 1) -> tuple[dict[str, str], ...]:
    """Main and sub RTSP streams of a channel, in the vendor's URL form (with credentials)."""
    auth = f"admin:{password}@{ip}"
    if vendor == "Hikvision":
        paths = (f"Streaming/Channels/{channel}01", f"Streaming/Channels/{channel}02")
        return tuple(
            {"name": n, "url": f"rtsp://{auth}:554/{p}"}
            for n, p in zip(("main", "sub"), paths, strict=True)
        )
    if vendor == "Dahua":
        return tuple(
            {"name": n, "url": f"rtsp://{auth}:554/cam/realmonitor?channel={channel}&subtype={s}"}
            for n, s in (("main", 0), ("sub", 1))
        )
    return tuple(
        {"name": n, "url": f"rtsp://{auth}:554/unicast/c{channel}/s{s}/live"}
        for n, s in (("main", 0), ("sub", 1))
    )


def aliases(kind: str, mac: str, ip: str, channel: int | None) -> tuple[str, ...]:
    """Vendor names of a channel (``channel``) or of a whole device (None)."""
    if kind == "isapi":
        suffix = "" if channel is None else f"/{channel}"
        return (f"mac:{mac}{suffix}", f"ip:{ip}{suffix}")
    if kind == "onvif":
        address = f"onvif:http://{ip}/onvif/event_service"
        return (address,) if channel is None else (f"{address}/videosource_{channel}",)
    return ()


def standalone_aliases(kind: str, mac: str, ip: str) -> tuple[str, ...]:
    """A camera of its own: its channel 1 (ISAPI), or its source token and address (ONVIF)."""
    extra = aliases(kind, mac, ip, None) if kind == "onvif" else ()
    return (*aliases(kind, mac, ip, 1), *extra)


def ip_address(prefix: str, n: int) -> str:
    """The address of device number ``n`` under a two-octet prefix (250 hosts per subnet)."""
    return f"{prefix}.{n // 250 + 1}.{n % 250 + 2}"


def mac_address(dept: Department, n: int) -> str:
    """The MAC of device number ``n`` of a department: its vendor's OUI, unit and number."""
    tail = (int(dept.unit) << 17) | (n & 0x1FFFF)
    return OUI[dept.vendor] + "".join(f":{(tail >> s) & 0xFF:02x}" for s in (16, 8, 0))
