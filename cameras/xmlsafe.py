"""Parsing XML from devices safely. Pure: no I/O.

Device XML is untrusted: DTDs, entity declarations and external references are refused
before any expansion (defusedxml, ``forbid_dtd``), so an entity bomb or an external entity
fails in microseconds. Firmware quirks are tolerated: a bare ``&`` not starting an entity
or character reference is escaped; a body declared GB2312/GBK is decoded as GB18030 (its
superset); elements are matched by local name whatever their namespace.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import AnyStr

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from gridsvc.errors import InvalidInput

_BARE_AMP = re.compile(rb"&(?!(?:[A-Za-z_][\w.-]*|#\d+|#x[0-9A-Fa-f]+);)")
_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9_.-]+)[\"']", re.I)
_GB = {"gb2312", "gbk", "gb18030", "gb_2312-80", "cp936"}


def local(tag: str) -> str:
    """The local name of a tag, without its ``{namespace}``."""
    return tag.rsplit("}", 1)[-1]


def _declared(body: bytes) -> str | None:
    m = _DECL.match(body[:200])
    return m.group(1).decode("ascii").lower() if m else None


def _to_utf8(body: bytes) -> bytes:
    """Re-encode a GB-declared (or undecodable UTF-8) body as UTF-8, fixing its declaration."""
    declared = _declared(body)
    if declared in _GB:
        text = body.decode("gb18030")
    else:
        try:
            body.decode("utf-8")
            return body
        except UnicodeDecodeError:
            text = body.decode("gb18030")  # undeclared GBK, as some firmware sends
    text = re.sub(r"^\s*<\?xml[^>]*\?>", '<?xml version="1.0" encoding="UTF-8"?>', text, count=1)
    return text.encode("utf-8")


def parse_xml(body: bytes, what: str = "XML body") -> ET.Element:
    """The root element of untrusted XML; InvalidInput saying why it was refused."""
    if not body or not body.strip():
        raise InvalidInput(f"{what} is empty", errors=[{"code": "malformed"}])
    try:
        data = _BARE_AMP.sub(b"&amp;", _to_utf8(body))
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{what} is neither UTF-8 nor GB18030: {exc}") from exc
    try:
        return DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InvalidInput(
            f"{what} refused: DTDs, entities and external references are not accepted ({exc})",
            errors=[{"code": "forbidden_xml"}],
        ) from exc
    except ET.ParseError as exc:
        raise InvalidInput(
            f"{what} is not well-formed XML: {exc}", errors=[{"code": "malformed"}]
        ) from exc


def child(parent: ET.Element, name: str) -> ET.Element | None:
    """The first child named ``name`` (local name), or None."""
    for el in parent:
        if local(el.tag) == name:
            return el
    return None


def children(parent: ET.Element, name: str) -> Iterator[ET.Element]:
    """Children named ``name`` (local name)."""
    return (el for el in parent if local(el.tag) == name)


def text_of(parent: ET.Element, *path: str) -> str | None:
    """Stripped text at a path of local names below ``parent``; None when absent or blank."""
    node: ET.Element | None = parent
    for name in path:
        node = child(node, name) if node is not None else None
    if node is None or node.text is None:
        return None
    return node.text.strip() or None


def find_all(root: ET.Element, name: str) -> Iterator[ET.Element]:
    """Every descendant named ``name`` (local name), in document order."""
    return (el for el in root.iter() if local(el.tag) == name)


def top_level_spans(
    data: AnyStr, opening: re.Pattern[AnyStr], closing: re.Pattern[AnyStr]
) -> list[AnyStr]:
    """The slices of ``data`` from each ``opening`` match to the first ``closing`` match
    after it, for elements that do not nest, in one pass (a lazy ``open.*?close`` pattern
    rescans to the end for every unclosed opening tag: quadratic on hostile input)."""
    ends = [m.end() for m in closing.finditer(data)]
    out, j = [], 0
    for start in (m.start() for m in opening.finditer(data)):
        while j < len(ends) and ends[j] <= start:
            j += 1
        if j == len(ends):
            break
        out.append(data[start : ends[j]])
        j += 1
    return out
