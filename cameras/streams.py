"""Camera stream URLs: validation and the masking of their credentials. Pure: no I/O.

A camera's ``streams`` are ``{"name": "main"|"sub"|..., "url": "rtsp://user:pass@host/..."}``.
URLs often carry the device's user and password; callers other than admins read them with
the credentials replaced by ``***``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

#: Schemes a video platform or device serves streams over.
SCHEMES = frozenset({"rtsp", "rtsps", "rtmp", "rtmps", "http", "https", "srt", "udp", "rtp"})
MASK = "***"
MAX_STREAMS = 8
MAX_URL = 2000
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
#: ``main=rtsp://…; sub=rtsp://…`` as one cell of a table (a bare URL is the main stream).
_CELL_SPLIT = re.compile(r"[;；\s]+")


#: Query parameters that carry credentials in vendors' URLs (Axis, Foscam CGI…).
_CREDENTIAL_PARAM = re.compile(
    r"((?:[?&;])(?:user|username|usr|pwd|pass|passwd|password|token|key|auth)=)[^&;#]*", re.I
)


class StreamError(ValueError):
    """A stream entry that cannot be used; the message says which and why."""


def check_url(url: object, where: str) -> str:
    """A stream URL, stripped; StreamError naming ``where`` when it is not one."""
    if not isinstance(url, str) or not url.strip():
        raise StreamError(f"{where}: the url is missing")
    text = url.strip()
    if len(text) > MAX_URL or any(ord(c) < 0x21 for c in text):
        raise StreamError(f"{where}: the url is too long or holds blanks or control characters")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise StreamError(f"{where}: '{mask_url(text)}' is not a valid URL") from None
    if parts.scheme.lower() not in SCHEMES:
        allowed = ", ".join(sorted(SCHEMES))
        raise StreamError(
            f"{where}: scheme '{parts.scheme or '(none)'}' is not a stream scheme ({allowed})"
        )
    if not parts.hostname:
        raise StreamError(f"{where}: '{mask_url(text)}' names no host")
    userinfo, at, _ = text.partition("://")[2].rpartition("@")
    if at and "@" not in parts.netloc and "/" not in userinfo:
        raise StreamError(
            f"{where}: '{mask_url(text)}': a user or password holding '/', '?' or '#' must be "
            "percent-encoded (%2F, %3F, %23)"
        )
    return text


def parse_streams(value: object) -> list[dict[str, str]]:
    """Streams from a list of {name, url}, a list of URLs, or one text cell
    (``main=URL;sub=URL`` or a bare URL); StreamError on the first bad entry."""
    if value is None:
        return []
    if isinstance(value, str):
        value = _from_cell(value)
    if not isinstance(value, list):
        raise StreamError("streams must be a list of {name, url}")
    if len(value) > MAX_STREAMS:
        raise StreamError(f"{len(value)} streams; at most {MAX_STREAMS}")
    out: list[dict[str, str]] = []
    for i, item in enumerate(value):
        default = "main" if i == 0 else f"stream{i + 1}"
        entry = {"name": default, "url": item} if isinstance(item, str) else item
        if not isinstance(entry, Mapping) or set(entry) - {"name", "url"}:
            raise StreamError(f"streams[{i}] must be an object with name and url only")
        name = entry.get("name", default)
        if not isinstance(name, str) or not _NAME.match(name):
            raise StreamError(f"streams[{i}]: name must be 1-40 letters, digits, '_', '.', '-'")
        out.append({"name": name, "url": check_url(entry.get("url"), f"streams[{i}] ({name})")})
    names = [s["name"] for s in out]
    if len(set(names)) < len(names):
        raise StreamError(f"streams: a name is given twice ({', '.join(names)})")
    return out


def _from_cell(text: str) -> list[object]:
    items: list[object] = []
    for part in _CELL_SPLIT.split(text.strip()):
        if not part:
            continue
        name, sep, url = part.partition("=")
        if sep and "://" not in name:
            items.append({"name": name, "url": url})
        else:
            items.append(part)
    return items


def mask_url(url: str) -> str:
    """The URL with any user and password replaced by ``***``, and the values of credential
    query parameters (``user``, ``pwd``, ``token``…) too.

    Everything before the last ``@`` after the scheme is treated as credentials, even a
    ``/``, ``?`` or ``#`` that a device's password holds unencoded: too much may be hidden,
    never too little.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return MASK
    if "@" in rest:
        rest = f"{MASK}@{rest.rpartition('@')[2]}"
    return f"{scheme}{sep}{_CREDENTIAL_PARAM.sub(_mask_param, rest)}"


def _mask_param(match: re.Match[str]) -> str:
    return f"{match.group(1)}{MASK}"


def masked(streams: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    """Streams as non-admins see them: credentials removed from every URL."""
    return [{"name": s["name"], "url": mask_url(s["url"])} for s in streams]
