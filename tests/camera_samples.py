"""Camera payload samples (tests/samples/cameras) and bodies built from them for the tests."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from cameras.simulate import tiny_jpeg

SAMPLES = Path(__file__).parent / "samples" / "cameras"
BOUNDARY = "----HikBoundary7MA4YWxkTrZu0gW"


def sample(name: str) -> bytes:
    """The bytes of a sample payload."""
    return (SAMPLES / name).read_bytes()


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
