"""GB/T 28181 device IDs: validation and decoding (SPEC §2). Pure: no I/O.

A device ID is 20 digits: centre code (8 = adcode 6 + unit 2), industry (2), type (3),
network (1), serial (6). IDs of 8 digits or fewer are administrative regions (civil codes).
"""

from __future__ import annotations

from dataclasses import dataclass

from gridsvc.errors import InvalidInput

#: Type codes of SPEC §2 (GB/T 28181 Appendix D), with English and Chinese labels.
DEVICE_TYPES: dict[str, tuple[str, str]] = {
    "111": ("DVR", "数字视频录像机"),
    "112": ("video server", "视频服务器"),
    "113": ("encoder", "编码器"),
    "114": ("decoder", "解码器"),
    "115": ("video switch matrix", "视频切换矩阵"),
    "116": ("audio switch matrix", "音频切换矩阵"),
    "117": ("alarm controller", "报警控制器"),
    "118": ("NVR", "网络视频录像机"),
    "130": ("hybrid recorder", "混合硬盘录像机"),
    "131": ("camera", "摄像机"),
    "132": ("IP camera", "网络摄像机"),
    "133": ("display", "显示器"),
    "134": ("alarm input", "报警输入设备"),
    "135": ("alarm output", "报警输出设备"),
    "136": ("audio input", "语音输入设备"),
    "137": ("audio output", "语音输出设备"),
    "138": ("mobile transmitter", "移动传输设备"),
    "139": ("other peripheral", "其他外围设备"),
    "200": ("signalling server", "中心信令控制服务器"),
    "201": ("web server", "Web应用服务器"),
    "202": ("media server", "媒体分发服务器"),
    "203": ("proxy server", "代理服务器"),
    "204": ("security server", "安全服务器"),
    "205": ("alarm server", "报警服务器"),
    "206": ("database server", "数据库服务器"),
    "207": ("GIS server", "GIS服务器"),
    "208": ("management server", "管理服务器"),
    "209": ("gateway", "接入网关"),
    "210": ("storage server", "媒体存储服务器"),
    "211": ("signalling gateway", "信令安全路由网关"),
    "215": ("business group", "业务分组"),
    "216": ("virtual organisation", "虚拟组织"),
}
#: Types that carry video of their own (a channel the map shows as a camera).
VIDEO_TYPES = frozenset({"131", "132"})
#: Types that hold channels (NVR, DVR, platforms): parents in the registry.
PARENT_TYPES = frozenset({"111", "112", "118", "130", "200", "215", "216"})

NETWORKS: dict[int, tuple[str, str]] = {
    **{n: ("surveillance private network", "监控报警专网") for n in range(5)},
    5: ("public-security network", "公安信息网"),
    6: ("government network", "政务网"),
    7: ("Internet", "互联网"),
    8: ("social-resource network", "社会资源接入网"),
}


@dataclass(frozen=True)
class DeviceId:
    """A decoded 20-digit device ID."""

    code: str
    centre: str  # 8 digits: adcode + unit
    adcode: str  # 6 digits
    industry: str  # 2 digits
    type_code: str  # 3 digits
    network: int
    serial: str  # 6 digits

    @property
    def type_name(self) -> str:
        return DEVICE_TYPES.get(self.type_code, ("unknown type", "未知类型"))[0]

    @property
    def type_name_zh(self) -> str:
        return DEVICE_TYPES.get(self.type_code, ("unknown type", "未知类型"))[1]

    @property
    def network_name(self) -> str:
        return NETWORKS.get(self.network, ("unknown network", "未知网络"))[0]

    @property
    def is_video(self) -> bool:
        return self.type_code in VIDEO_TYPES

    def as_dict(self) -> dict[str, object]:
        """The decoded parts as JSON-ready values (labels in English and Chinese)."""
        return {
            "centre": self.centre,
            "adcode": self.adcode,
            "unit": self.centre[6:],
            "industry": self.industry,
            "type": self.type_code,
            "type_name": self.type_name,
            "type_name_zh": self.type_name_zh,
            "network": self.network,
            "network_name": self.network_name,
            "serial": self.serial,
        }


def is_region_code(code: str) -> bool:
    """Whether ``code`` is an administrative region (2 to 8 digits, even length)."""
    return code.isascii() and code.isdigit() and len(code) in (2, 4, 6, 8)


def parse_device_id(code: str, field: str = "device_id") -> DeviceId:
    """Validate and decode a 20-digit GB/T 28181 device ID; InvalidInput naming the reason."""
    text = (code or "").strip()
    if not (text.isascii() and text.isdigit()):
        raise InvalidInput(
            f"{field} '{code}' is not a GB/T 28181 device ID: only digits are allowed",
            errors=[{"field": field, "code": "invalid_device_id"}],
        )
    if len(text) != 20:
        raise InvalidInput(
            f"{field} '{code}' is not a GB/T 28181 device ID: it has {len(text)} digits, not 20",
            errors=[{"field": field, "code": "invalid_device_id"}],
        )
    if text[10:13] not in DEVICE_TYPES:
        raise InvalidInput(
            f"{field} '{code}': digits 11-13 ('{text[10:13]}') are not a GB/T 28181 type code",
            errors=[{"field": field, "code": "invalid_device_id"}],
        )
    if int(text[13]) > 8:
        raise InvalidInput(
            f"{field} '{code}': digit 14 ('{text[13]}') is not a network code (0-8)",
            errors=[{"field": field, "code": "invalid_device_id"}],
        )
    return DeviceId(
        code=text,
        centre=text[:8],
        adcode=text[:6],
        industry=text[8:10],
        type_code=text[10:13],
        network=int(text[13]),
        serial=text[14:],
    )


def make_device_id(
    adcode: str,
    serial: int,
    *,
    unit: str = "00",
    industry: str = "00",
    type_code: str = "132",
    network: int = 0,
) -> str:
    """Compose a device ID (the demo and tests number their cameras with this)."""
    return f"{adcode}{unit}{industry}{type_code}{network}{serial:06d}"
