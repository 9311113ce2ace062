"""Camera traffic for the demo: what each camera sends, second by second. Pure: no I/O.

A camera speaks the input its aliases name: a ``mac:…/channel`` or ``ip:…/channel`` alias
makes it a Hikvision device posting ``EventNotificationAlert`` XML (``videoloss``/inactive
as its heartbeat, ANPR with pictures), an ``onvif:address/token`` alias an ONVIF device
sending ``Notify``; any other camera is pushed by an integrator as native JSON. Every camera
is sighted once per heartbeat period (staggered by its device ID); detections arrive at a
mean ``rate`` a second over all cameras (Poisson).
"""

from __future__ import annotations

import hashlib
import random
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from xml.sax.saxutils import escape

ISAPI, ONVIF, NATIVE = "isapi", "onvif", "native"
CST = timezone(timedelta(hours=8))
#: Detections by weight: (normalised type, ISAPI eventType, ONVIF topic or None).
DETECTIONS = (
    ("motion", "VMD", "tns1:VideoSource/MotionAlarm", 50),
    ("line_crossing", "linedetection", None, 12),
    ("intrusion", "fielddetection", None, 12),
    ("region_entrance", "regionentrance", None, 5),
    ("region_exit", "regionexiting", None, 4),
    ("anpr", "ANPR", None, 6),
    ("tamper", "shelteralarm", "tns1:RuleEngine/TamperDetector/Tamper", 1),
    ("video_loss", "videoloss", "tns1:VideoSource/SignalLoss", 1),
)
PLATES = ("川A", "川B", "渝A", "云A", "闽D")
TARGETS = ("human", "vehicle")


@dataclass(frozen=True, slots=True)
class SimCamera:
    """A registered camera: its device ID and the aliases it answers to."""

    device_id: str
    aliases: tuple[str, ...] = ()

    def speaks(self) -> tuple[str, str | None]:
        """The input this camera uses, and the alias its payloads carry."""
        for alias in self.aliases:
            if alias.startswith(("mac:", "ip:")) and "/" in alias:
                return ISAPI, alias
        for alias in self.aliases:
            if alias.startswith("onvif:"):
                return ONVIF, alias
        return NATIVE, None


@dataclass(frozen=True, slots=True)
class SimEvent:
    """One thing a camera sends: a detection or a heartbeat (``type`` normalised)."""

    camera: SimCamera
    type: str
    at: datetime
    seq: int


def tick(
    cameras: list[SimCamera],
    second: int,
    start: datetime,
    rate: float,
    heartbeat: int,
    rng: random.Random,
) -> list[SimEvent]:
    """What the cameras send in second ``second`` after ``start``."""
    at = start + timedelta(seconds=second)
    period = max(1, heartbeat)
    out = [
        SimEvent(c, "heartbeat", at, 0)
        for c in cameras
        if _stagger(c.device_id, period) == second % period
    ]
    if cameras:
        weights = [w for *_, w in DETECTIONS]
        for _ in range(_poisson(rate, rng)):
            kind = rng.choices(DETECTIONS, weights)[0][0]
            moment = at + timedelta(microseconds=rng.randrange(1_000_000))
            out.append(SimEvent(rng.choice(cameras), kind, moment, rng.randrange(1 << 30)))
    return out


def _stagger(device_id: str, period: int) -> int:
    return int(hashlib.blake2b(device_id.encode(), digest_size=4).hexdigest(), 16) % period


def _poisson(mean: float, rng: random.Random) -> int:
    """A Poisson draw (sums of exponential gaps; fine for the demo's rates)."""
    count, total = 0, rng.expovariate(1.0) if mean > 0 else float("inf")
    while total < mean:
        count += 1
        total += rng.expovariate(1.0)
    return count


def native_item(event: SimEvent, run: str, rng: random.Random) -> dict:
    """The native JSON item of an event (``POST /api/v1/camera-events``)."""
    item: dict = {
        "camera": event.camera.device_id,
        "type": event.type,
        "occurred_at": event.at.astimezone(UTC).isoformat(),
    }
    if event.type != "heartbeat":
        item["event_id"] = f"sim-{run}-{event.seq}"
        item["label"] = rng.choice(("person", "car", "bicycle"))
        item["score"] = round(rng.uniform(0.55, 0.99), 2)
    if event.type in ("tamper", "video_loss"):
        item["state"] = "active"
    return item


def isapi_alert(event: SimEvent, alias: str, rng: random.Random) -> bytes:
    """An ``EventNotificationAlert`` as a Hikvision device posts it to its HTTP host."""
    scheme, _, rest = alias.partition(":")
    address, _, channel = rest.rpartition("/")
    event_type, state = _isapi_type(event.type)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">',
        f"<ipAddress>{escape(address)}</ipAddress>" if scheme == "ip" else "",
        "<portNo>80</portNo><protocol>HTTP</protocol>",
        f"<macAddress>{escape(address)}</macAddress>" if scheme == "mac" else "",
        f"<channelID>{escape(channel)}</channelID>",
        f"<dateTime>{event.at.astimezone(CST).isoformat(timespec='seconds')}</dateTime>",
        f"<activePostCount>{0 if state == 'inactive' else 1}</activePostCount>",
        f"<eventType>{event_type}</eventType><eventState>{state}</eventState>",
        f"<eventDescription>{event_type} alarm</eventDescription>",
        _isapi_detail(event, rng),
        "</EventNotificationAlert>",
    ]
    return "\n".join(line for line in lines if line).encode()


def _isapi_type(kind: str) -> tuple[str, str]:
    if kind == "heartbeat":
        return "videoloss", "inactive"
    return next(e for k, e, _, _ in DETECTIONS if k == kind), "active"


def _isapi_detail(event: SimEvent, rng: random.Random) -> str:
    if event.type in ("line_crossing", "intrusion", "region_entrance", "region_exit"):
        return (
            "<DetectionRegionList><DetectionRegionEntry>"
            f"<regionID>{rng.randint(1, 4)}</regionID><sensitivityLevel>50</sensitivityLevel>"
            f"<detectionTarget>{rng.choice(TARGETS)}</detectionTarget>"
            "</DetectionRegionEntry></DetectionRegionList>"
        )
    if event.type != "anpr":
        return ""
    plate = f"{rng.choice(PLATES)}{rng.randrange(10000, 99999)}"
    pictures = "".join(
        f"<pictureInfo><fileName>{name}</fileName><type>{name[:-4]}</type></pictureInfo>"
        for name in ANPR_PICTURES
    )
    return (
        f"<ANPR><licensePlate>{plate}</licensePlate><direction>forward</direction>"
        f"<confidenceLevel>{rng.randint(80, 99)}</confidenceLevel><plateColor>blue</plateColor>"
        f"<vehicleInfo><color>{rng.choice(('white', 'black', 'silver'))}</color></vehicleInfo>"
        f"<pictureInfoList>{pictures}</pictureInfoList></ANPR>"
        f"<UUID>sim-{int(event.at.timestamp())}-{event.seq:08x}</UUID>"
    )


ANPR_PICTURES = ("licensePlatePicture.jpg", "detectionPicture.jpg")


def isapi_upload(event: SimEvent, alias: str, rng: random.Random) -> tuple[bytes, str]:
    """The body and Content-Type an ISAPI device sends: XML, or form-data with pictures."""
    xml = isapi_alert(event, alias, rng)
    if event.type != "anpr":
        return xml, "application/xml"
    boundary = f"----sim{event.seq:x}"
    parts = [("anpr.xml", "application/xml", xml)]
    parts += [(n, "image/jpeg", tiny_jpeg(rng.randrange(200))) for n in ANPR_PICTURES]
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
        f"Content-Type: {ctype}\r\nContent-Length: {len(data)}\r\n\r\n".encode()
        + data
        + b"\r\n"
        for name, ctype, data in parts
    )
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def onvif_notify(events: list[SimEvent], alias: str) -> bytes:
    """One ONVIF ``Notify`` carrying ``events`` of one producer (heartbeats: motion false)."""
    address, _, token = alias.removeprefix("onvif:").rpartition("/")
    if not address:
        address, token = token, "VideoSource_1"
    messages = "".join(_onvif_message(e, address, token) for e in events)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:wsa="http://www.w3.org/2005/08/addressing" '
        'xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" '
        'xmlns:tt="http://www.onvif.org/ver10/schema" '
        'xmlns:tns1="http://www.onvif.org/ver10/topics">'
        f"<s:Body><wsnt:Notify>{messages}</wsnt:Notify></s:Body></s:Envelope>"
    ).encode()


def _onvif_message(event: SimEvent, address: str, token: str) -> str:
    topic = next((t for k, _, t, _ in DETECTIONS if k == event.type and t), None)
    value = "false" if event.type == "heartbeat" else "true"
    topic = topic or "tns1:VideoSource/MotionAlarm"
    stamp = event.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return (
        f"<wsnt:NotificationMessage><wsnt:Topic>{topic}</wsnt:Topic>"
        f"<wsnt:ProducerReference><wsa:Address>{escape(address)}</wsa:Address>"
        "</wsnt:ProducerReference><wsnt:Message>"
        f'<tt:Message UtcTime="{stamp}" PropertyOperation="Changed"><tt:Source>'
        f'<tt:SimpleItem Name="Source" Value="{escape(token)}"/></tt:Source><tt:Data>'
        f'<tt:SimpleItem Name="State" Value="{value}"/></tt:Data></tt:Message>'
        "</wsnt:Message></wsnt:NotificationMessage>"
    )


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def tiny_jpeg(variant: int = 0) -> bytes:
    """A valid baseline JPEG (8×8, mid grey; decodes in browsers), one block coded with two
    one-bit Huffman codes; ``variant`` (0–254) changes its quantisation table, so its bytes."""
    one_code = bytes([1] + [0] * 15)  # one Huffman code, of length 1
    return b"".join(
        (
            b"\xff\xd8",
            _segment(0xDB, bytes([0x00]) + bytes([1 + variant] * 64)),
            _segment(0xC0, bytes([8, 0, 8, 0, 8, 1, 1, 0x11, 0])),  # 8×8, one component
            _segment(0xC4, bytes([0x00]) + one_code + bytes([0])),  # DC: category 0
            _segment(0xC4, bytes([0x10]) + one_code + bytes([0])),  # AC: end of block
            _segment(0xDA, bytes([1, 1, 0x00, 0, 63, 0])),
            bytes([0x3F]),  # DC '0', AC '0' (EOB), padded with ones
            b"\xff\xd9",
        )
    )
