"""Shapefiles as planners have them: zipped, and with attributes in GBK or UTF-8.

A zip is checked (ingest/archive.py) and its one Shapefile extracted to a private
directory before GDAL sees anything. Attributes are read as raw bytes (pyogrio decoding
them as Latin-1, which maps every byte to one character and back) and decoded here, value
by value, so a value that does not decode is reported for its feature, never stored garbled.
"""

from __future__ import annotations

import shutil
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyogrio

from gridsvc.errors import InvalidInput
from ingest import encoding as enc
from ingest.archive import Member, ZipLimits, check_members, shapefile_members

SHP_MAGIC = b"\x00\x00\x27\x0a"
_RAW = "ISO-8859-1"  # how GDAL and pyogrio are asked to decode: byte n ↔ character n


@dataclass(frozen=True)
class Attributes:
    """A Shapefile's attribute table decoded: the frame, the encoding and where it came from."""

    frame: pd.DataFrame
    encoding: str
    source: str  # "declared", "cpg", "ldid" or "detected"
    failures: dict[str, list[tuple[int, str]]]  # column → (0-based row, reason)
    bad_names: list[str]  # column names that do not decode (shown with U+FFFD)


def extract_zip(path: Path, limits: ZipLimits, into: Path) -> Path:
    """Check ``path`` and extract its one Shapefile into ``into``; the ``.shp`` written."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            members = [Member(i.filename, i.compress_size, i.file_size) for i in infos]
            check_members(path.name, members, limits)
            parts = shapefile_members(path.name, members)
            with archive.open(parts[".shp"]) as shp:
                if shp.read(4) != SHP_MAGIC:
                    raise InvalidInput(f"{path.name}: {parts['.shp']} is not a Shapefile")
            for suffix, name in parts.items():
                with archive.open(name) as src, (into / f"layer{suffix}").open("wb") as out:
                    shutil.copyfileobj(src, out)
        restore_shx(into / "layer.shp")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, struct.error) as exc:
        raise InvalidInput(f"could not read {path.name} as a zip archive") from exc
    except NotImplementedError as exc:
        raise InvalidInput(f"{path.name} uses a zip compression that is not supported") from exc
    return into / "layer.shp"


def restore_shx(shp: Path) -> None:
    """Write the missing ``.shx`` index of ``shp`` from its record headers.

    Zips often come without it, and GDAL opens no Shapefile without one.
    """
    if _sidecar(shp, ".shx") is not None:
        return
    entries = []
    with shp.open("rb") as fh:
        header = fh.read(100)
        end = struct.unpack(">i", header[24:28])[0] * 2
        offset = 100
        while offset + 8 <= end:
            fh.seek(offset)
            record = fh.read(8)
            if len(record) < 8:
                break
            words = struct.unpack(">i", record[4:8])[0]
            if words < 0:
                break
            entries.append(struct.pack(">ii", offset // 2, words))
            offset += 8 + words * 2
    length = struct.pack(">i", (100 + 8 * len(entries)) // 2)
    shp.with_suffix(".shx").write_bytes(header[:24] + length + header[28:] + b"".join(entries))


def _sidecar(shp: Path, suffix: str) -> Path | None:
    for candidate in (shp.with_suffix(suffix), shp.with_suffix(suffix.upper())):
        if candidate.is_file():
            return candidate
    return None


def declared_encoding(shp: Path) -> tuple[str | None, str]:
    """The encoding the files declare (.cpg first, then the DBF's LDID) and which said so."""
    cpg = _sidecar(shp, ".cpg")
    if cpg is not None:
        found = enc.from_cpg(cpg.read_bytes()[:64].decode("ascii", errors="replace"))
        if found:
            return found, "cpg"
    dbf = _sidecar(shp, ".dbf")
    if dbf is not None:
        with dbf.open("rb") as fh:
            header = fh.read(32)
        if len(header) == 32:
            found = enc.from_ldid(header[29])
            if found:
                return found, "ldid"
    return None, "detected"


def _is_text(column: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)


def _raw(value: object) -> bytes | None:
    return value.encode(_RAW) if isinstance(value, str) else None


def read_attributes(shp: Path, declared: str | None) -> Attributes:
    """Read ``shp`` and decode every text value strictly in the declared or found encoding."""
    frame = pyogrio.read_dataframe(shp, encoding=_RAW)
    names = [c for c in frame.columns if c != "geometry"]
    raw_names = {c: c.encode(_RAW) for c in names}
    text_cols = [c for c in names if _is_text(frame[c])]
    encoding: str | None
    if declared:
        encoding, source = declared, "declared"
    else:
        encoding, source = declared_encoding(shp)
    if encoding is None:
        values = [raw for c in text_cols for raw in map(_raw, frame[c].tolist()) if raw]
        encoding = enc.detect([*raw_names.values(), *values])
    renamed = {c: enc.decode_name(raw_names[c], encoding) for c in names}
    bad_names = [renamed[c] for c in names if "\ufffd" in renamed[c]]
    failures: dict[str, list[tuple[int, str]]] = {}
    out = frame.rename(columns=renamed)
    for c in text_cols:
        decoded = enc.decode_column([_raw(v) for v in frame[c].tolist()], encoding)
        out[renamed[c]] = pd.Series(decoded.values, index=out.index, dtype=object)
        if decoded.failures:
            failures[renamed[c]] = decoded.failures
    return Attributes(out, encoding, source, failures, bad_names)
