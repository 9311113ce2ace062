"""Camera payload samples (tests/samples/cameras) and bodies built from them for the tests."""

from __future__ import annotations

import re
import struct
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

SAMPLES = Path(__file__).parent / "samples" / "cameras"
BOUNDARY = "----HikBoundary7MA4YWxkTrZu0gW"


def sample(name: str) -> bytes:
    """The bytes of a sample payload."""
    return (SAMPLES / name).read_bytes()


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def tiny_jpeg(variant: int = 0) -> bytes:
    """A valid baseline JPEG (8×8, mid grey; decodes in browsers), one block coded with two
    one-bit Huffman codes; ``variant`` (0–254) changes its quantisation table, so its bytes."""
    dqt = bytes([0x00]) + bytes([1 + variant] * 64)
    sof = bytes([8, 0, 8, 0, 8, 1, 1, 0x11, 0])  # 8-bit, 8×8, one component (1, 1×1, table 0)
    one_code = bytes([1] + [0] * 15)  # one code of length 1
    dht_dc = bytes([0x00]) + one_code + bytes([0])  # DC table 0: category 0
    dht_ac = bytes([0x10]) + one_code + bytes([0])  # AC table 0: end of block
    sos = bytes([1, 1, 0x00, 0, 63, 0])
    scan = bytes([0x3F])  # DC '0' (no difference), AC '0' (EOB), padded with ones
    return (
        b"\xff\xd8"
        + _segment(0xDB, dqt)
        + _segment(0xC0, sof)
        + _segment(0xC4, dht_dc)
        + _segment(0xC4, dht_ac)
        + _segment(0xDA, sos)
        + scan
        + b"\xff\xd9"
    )


def form_data(parts: list[tuple[str, str, bytes]], boundary: str = BOUNDARY) -> bytes:
    """A ``multipart/form-data`` body of (name, content type, data) parts, as cameras send."""
    out = b""
    for name, ctype, data in parts:
        out += (
            (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
                f"Content-Type: {ctype}\r\nContent-Length: {len(data)}\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    return out + f"--{boundary}--\r\n".encode()


def anpr_upload(xml: bytes | None = None) -> tuple[bytes, str]:
    """An ANPR alert with its plate and scene pictures, as ``multipart/form-data``."""
    body = form_data(
        [
            ("anpr.xml", "application/xml", xml if xml is not None else sample("isapi_anpr.xml")),
            ("licensePlatePicture.jpg", "image/jpeg", tiny_jpeg(1)),
            ("detectionPicture.jpg", "image/jpeg", tiny_jpeg(2)),
        ]
    )
    return body, f"multipart/form-data; boundary={BOUNDARY}"


_ISAPI_TIME = re.compile(rb"<dateTime>[^<]*</dateTime>")
_ONVIF_TIME = re.compile(rb'UtcTime="(?!0000)\d{4}-[^"]*"')


def isapi_now(body: bytes, when: datetime | None = None) -> bytes:
    """An ISAPI sample with its dateTime set to now (China Standard Time, with offset)."""
    when = (when or datetime.now(UTC)).astimezone(timezone(timedelta(hours=8)))
    stamp = when.isoformat(timespec="seconds").encode()
    return _ISAPI_TIME.sub(b"<dateTime>" + stamp + b"</dateTime>", body)


def onvif_now(body: bytes, when: datetime | None = None) -> bytes:
    """An ONVIF sample with its (non-zero) UtcTimes set to now."""
    stamp = (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ").encode()
    return _ONVIF_TIME.sub(b'UtcTime="' + stamp + b'"', body)
