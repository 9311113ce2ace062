"""The one normalised camera-event model every input is turned into. Pure: no I/O.

Adapters (native JSON, Hikvision ISAPI, ONVIF, later GB/T 28181 and Frigate) parse their
payloads into ``CameraEvent`` items, or ``ItemError`` for an item that cannot be used; the
event service resolves each item's camera, checks the caller may push for it, places it in
its camera's cell and grid and stores it. Nothing here knows HTTP or SQL.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: Normalised event types (``type``), with English and Chinese labels for the UI.
EVENT_TYPES: dict[str, tuple[str, str]] = {
    "motion": ("motion", "移动侦测"),
    "line_crossing": ("line crossing", "越界侦测"),
    "intrusion": ("intrusion", "区域入侵"),
    "region_entrance": ("region entrance", "进入区域"),
    "region_exit": ("region exit", "离开区域"),
    "loitering": ("loitering", "徘徊"),
    "object_left": ("object left", "物品遗留"),
    "object_removed": ("object removed", "物品拿取"),
    "crowd": ("crowd density", "人员聚集"),
    "wrong_way": ("wrong way", "逆行"),
    "fast_movement": ("fast movement", "快速移动"),
    "video_loss": ("video loss", "视频丢失"),
    "tamper": ("tamper", "遮挡/破坏"),
    "scene_change": ("scene change", "场景变更"),
    "image_quality": ("image quality", "图像质量异常"),
    "io_alarm": ("alarm input", "报警输入"),
    "pir": ("PIR", "红外感应"),
    "anpr": ("licence plate", "车牌识别"),
    "face": ("face", "人脸抓拍"),
    "object": ("object detected", "目标检测"),
    "device_fault": ("device fault", "设备故障"),
    "heartbeat": ("heartbeat", "心跳"),
    "online": ("online", "上线"),
    "offline": ("offline", "离线"),
    "other": ("other", "其他"),
}
#: Alarm types kept on the camera while active (surfaced on the map and in health).
ALARM_TYPES = frozenset({"video_loss", "tamper"})
#: States: ``active``/``inactive`` for alarms that start and end, None for instant events.
STATES = frozenset({"active", "inactive"})
#: Input channels (``source``).
SOURCES = frozenset({"native", "isapi", "onvif", "gb28181", "frigate", "system"})


@dataclass(frozen=True, slots=True)
class CameraEvent:
    """One event as an adapter understood it, before its camera is resolved.

    ``camera_refs``: the device ID or aliases naming the camera, most specific first (the
    service takes the first that a registered camera answers to). ``event_id``: the sender's
    id; when a format has none, ``derived_id`` makes one from the event's content so that a
    resend is recognised. ``raw``: the item's own payload as received (text).
    """

    camera_refs: tuple[str, ...]
    type: str
    occurred_at: datetime
    source: str
    raw: str
    event_id: str | None = None
    state: str | None = None
    label: str | None = None
    score: float | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    pictures: tuple[str, ...] = ()  # names of pictures sent with the event (multipart parts)
    index: int = 0  # the item's position in its request (for per-item results)

    def key(self) -> str:
        """The idempotency key of this event for its camera: the sender's id or a derived one."""
        return self.event_id or derived_id(self)


@dataclass(frozen=True, slots=True)
class ItemError:
    """An item of a request that cannot be used: where, which field, why."""

    index: int
    code: str  # malformed | missing_field | invalid_value | unknown_camera | forbidden | ...
    message: str
    field: str | None = None
    camera_ref: str | None = None
    status: int = 422  # 403 forbidden, 404 unknown camera, 422 otherwise


def derived_id(event: CameraEvent) -> str:
    """A stable id from what identifies an event (camera, type, state, time, source, label)."""
    parts = (
        event.camera_refs[0] if event.camera_refs else "",
        event.source,
        event.type,
        event.state or "",
        event.occurred_at.astimezone(UTC).isoformat(),
        event.label or "",
        str(event.attrs.get("region") or ""),
    )
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()
    return f"{event.source}:{digest}"


def normalise_alias(alias: str) -> str:
    """Aliases are matched case-insensitively, without surrounding blanks."""
    return alias.strip().lower()


def isapi_refs(mac: str | None, ip: str | None, channel: str | None) -> tuple[str, ...]:
    """Candidate aliases of an ISAPI sender: MAC/channel, IP/channel, then MAC and IP alone."""
    refs: list[str] = []
    ch = (channel or "").strip()
    mac_n = normalise_alias(mac.replace("-", ":")) if mac else ""
    ip_n = normalise_alias(ip) if ip else ""
    if ch:
        refs += [f"mac:{mac_n}/{ch}" if mac_n else "", f"ip:{ip_n}/{ch}" if ip_n else ""]
    refs += [f"mac:{mac_n}" if mac_n else "", f"ip:{ip_n}" if ip_n else ""]
    return tuple(r for r in refs if r)


def onvif_refs(producer: str | None, source_token: str | None) -> tuple[str, ...]:
    """Candidate aliases of an ONVIF producer: address/source token, then the address alone."""
    if not producer:
        return ()
    address = normalise_alias(producer)
    refs = [f"onvif:{address}/{normalise_alias(source_token)}"] if source_token else []
    return (*refs, f"onvif:{address}")
