"""Splitting multipart bodies that cameras send (form-data uploads, ISAPI alertStream). Pure.

Devices are loose with MIME: parts may carry a ``Content-Length`` (the ISAPI alertStream does)
or rely on the boundary alone, the closing ``--boundary--`` may be missing (a stream cut at
any point), line ends may be bare LF. A part is read by its ``Content-Length`` when it has a
sound one, otherwise up to the next boundary line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gridsvc.errors import InvalidInput

_PARAM = re.compile(r';\s*([A-Za-z0-9_.*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))')
#: Parts in one body at most (an event and its pictures; an alertStream chunk of alerts).
MAX_PARTS = 10_000
_XML_DECL_GB = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"'](gb2312|gbk|gb18030|cp936)", re.I)


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a multipart body: its headers (lower-case names) and its bytes."""

    headers: dict[str, str] = field(default_factory=dict)
    data: bytes = b""

    @property
    def content_type(self) -> str:
        """The media type alone, lower case (``application/xml``), or ''."""
        return media_type(self.headers.get("content-type", ""))

    @property
    def name(self) -> str | None:
        """The form field name of a ``form-data`` part."""
        return params(self.headers.get("content-disposition", "")).get("name")

    @property
    def filename(self) -> str | None:
        """The file name of the part, when it declares one."""
        return params(self.headers.get("content-disposition", "")).get("filename")

    def is_xml(self) -> bool:
        """Whether the part holds XML: declared so, or (undeclared) starting with ``<``."""
        ctype = self.content_type
        if "xml" in ctype:
            return True
        if ctype and not ctype.startswith("text/") and ctype != "application/octet-stream":
            return False
        return self.data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def media_type(content_type: str) -> str:
    """``multipart/mixed; boundary=x`` → ``multipart/mixed``."""
    return content_type.split(";", 1)[0].strip().lower()


def params(header: str) -> dict[str, str]:
    """The ``key=value`` parameters of a header (quoted or not), keys lower case."""
    out: dict[str, str] = {}
    for m in _PARAM.finditer(header):
        value = m.group(2) if m.group(2) is not None else m.group(3)
        out[m.group(1).lower()] = value.replace('\\"', '"')
    return out


def boundary_of(content_type: str) -> str:
    """The boundary of a multipart Content-Type; InvalidInput when it has none."""
    boundary = params(content_type).get("boundary")
    if not boundary:
        raise InvalidInput(
            "multipart body without a boundary in its Content-Type",
            errors=[{"code": "malformed", "field": "Content-Type"}],
        )
    return boundary


def _headers(block: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in block.decode("latin-1").splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            out[name.strip().lower()] = value.strip()
    return out


def _header_end(body: bytes, start: int, limit: int) -> tuple[int, int] | None:
    """Where a part's header block ends and its data starts (CRLF CRLF or LF LF), looked for
    before ``limit`` (the next delimiter) only: the whole body is never rescanned per part."""
    ends = [
        (i, i + len(sep))
        for sep in (b"\r\n\r\n", b"\n\n")
        if (i := body.find(sep, start, limit)) >= 0
    ]
    return min(ends) if ends else None


def split(body: bytes, content_type: str) -> list[Part]:
    """The parts of a multipart body, in order; InvalidInput when no part can be found."""
    delimiter = b"--" + boundary_of(content_type).encode("latin-1")
    parts: list[Part] = []
    pos = body.find(delimiter)
    while pos >= 0:
        pos += len(delimiter)
        if body[pos : pos + 2] == b"--":
            break  # the closing delimiter
        if len(parts) == MAX_PARTS:
            raise InvalidInput(
                f"multipart body has more than {MAX_PARTS} parts",
                errors=[{"code": "too_many_parts"}],
            )
        limit = body.find(delimiter, pos)
        ends = _header_end(body, pos, len(body) if limit < 0 else limit)
        if ends is None:
            break  # a stream cut inside a header block
        headers = _headers(body[pos : ends[0]])
        data, pos = _data(body, ends[1], delimiter, headers.get("content-length"))
        parts.append(Part(headers, data))
    if not parts:
        raise InvalidInput(
            "multipart body has no parts for the boundary of its Content-Type",
            errors=[{"code": "malformed"}],
        )
    return parts


def _data(body: bytes, start: int, delimiter: bytes, length: str | None) -> tuple[bytes, int]:
    """A part's data and where the next delimiter is (-1 at the end of the body)."""
    if length and length.strip().isdigit():
        end = start + int(length)
        nxt = body.find(delimiter, end)
        if end <= len(body) and (nxt < 0 or not body[end:nxt].strip()):
            return body[start:end], nxt
    nxt = body.find(b"\n" + delimiter, start)
    if nxt < 0:
        return body[start:].rstrip(b"\r\n"), -1
    end = nxt - 1 if nxt > start and body[nxt - 1 : nxt] == b"\r" else nxt
    return body[start:end], nxt + 1


def xml_text(data: bytes) -> str:
    """The text of an XML body as its device meant it: GB2312/GBK as GB18030, else UTF-8."""
    if _XML_DECL_GB.match(data[:200]):
        return data.decode("gb18030", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")
