"""Which encoding a Shapefile's attributes are in, and decoding them value by value. Pure.

A DBF says its code page in a ``.cpg`` file beside it or in its language driver byte
(LDID). Files from Chinese desktop GIS often have neither (LDID 0) or say "ANSI" (LDID 87:
the writer's system code page, GBK on Chinese Windows). Then the text values decide: UTF-8
when every one of them is valid UTF-8, else GB18030 (a superset of GBK and GB2312). An
encoding the user declares overrides all of this.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from dataclasses import dataclass

#: Code page names seen in .cpg files and on the command line, to Python codecs. The GB
#: family is read as GB18030, its superset.
_ALIASES = {
    "936": "gb18030",
    "cp936": "gb18030",
    "ansi 936": "gb18030",
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "gb18030": "gb18030",
    "euc-cn": "gb18030",
    "65001": "utf-8",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "950": "big5",
    "big5": "big5",
    "88591": "latin-1",
    "8859_1": "latin-1",
    "iso-8859-1": "latin-1",
    "latin1": "latin-1",
    "1252": "cp1252",
    "ansi 1252": "cp1252",
}

#: LDID byte → codec, for the code pages that name one (GDAL's table, abridged).
_LDIDS = {
    0x01: "cp437",
    0x02: "cp850",
    0x03: "cp1252",
    0x4D: "gb18030",
    0x4E: "cp949",
    0x4F: "big5",
    0x58: "cp1252",
    0x59: "cp1252",
    0x7A: "gb18030",
    0x7B: "cp932",
    0xC8: "cp1250",
    0xC9: "cp1251",
}
#: LDID 0 (none) and 87 (ANSI: whatever the writer's system used) leave it to detection.
UNDECLARED_LDIDS = frozenset({0x00, 0x57})


@dataclass(frozen=True)
class Decoded:
    """A column decoded: the texts (None where empty or undecodable) and the failures."""

    values: list[str | None]
    failures: list[tuple[int, str]]  # (0-based row, reason)


def normalise(label: str) -> str:
    """The Python codec for an encoding name or code page; ValueError when unknown."""
    key = label.strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        name = codecs.lookup(key).name
    except LookupError:
        raise ValueError(f"unknown encoding '{label}': use e.g. utf-8, gbk or gb18030") from None
    return _ALIASES.get(name, name)


def from_cpg(text: str) -> str | None:
    """The codec a .cpg file names, or None when it names none we know."""
    try:
        return normalise(text) if text.strip() else None
    except ValueError:
        return None


def from_ldid(ldid: int) -> str | None:
    """The codec of a DBF language driver byte, or None when it leaves the question open."""
    return None if ldid in UNDECLARED_LDIDS else _LDIDS.get(ldid)


def detect(values: Iterable[bytes]) -> str:
    """``utf-8`` when every value is valid UTF-8, else ``gb18030``."""
    for raw in values:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8"


def decode_column(raw: list[bytes | None], encoding: str) -> Decoded:
    """Decode each value strictly; a value that does not decode is a failure, never garbled."""
    values: list[str | None] = []
    failures: list[tuple[int, str]] = []
    for i, data in enumerate(raw):
        if data is None:
            values.append(None)
            continue
        try:
            values.append(data.decode(encoding))
        except UnicodeDecodeError as exc:
            bad = data[exc.start : exc.end].hex(" ")
            failures.append((i, f"bytes {bad} at offset {exc.start} are not valid {encoding}"))
            values.append(None)
    return Decoded(values, failures)


def decode_name(raw: bytes, encoding: str) -> str:
    """A column name in ``encoding``; undecodable bytes shown as U+FFFD, never guessed."""
    return raw.decode(encoding, errors="replace")
