"""Read polygon layers from GeoJSON, GeoPackage or zipped Shapefile into a FeatureTable."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio

from gridsvc.errors import InvalidInput
from ingest import encoding as enc
from ingest.archive import ZipLimits
from ingest.mapping import choose_columns, parse_fields
from ingest.report import Issue
from ingest.shapefile import SHP_MAGIC, extract_zip, read_attributes

SUFFIXES = (".geojson", ".json", ".gpkg", ".zip", ".shp")

#: GDAL drivers a layer file may be read with. GDAL picks the driver from the content, not
#: the name, and some drivers (OGR VRT above all) open other files or URLs named inside.
ALLOWED_DRIVERS = ("GeoJSON", "GPKG", "ESRI Shapefile")
_ACCEPTED = "accepted: GeoJSON, GPKG (GeoPackage), ESRI Shapefile (zipped)"
_UNREADABLE = "it is not a readable GeoJSON, GeoPackage or Shapefile"


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file: its declared encoding, the field mapping, the zip limits."""

    encoding: str | None = None  # Python codec of Shapefile attributes; None = detect
    fields: Mapping[str, str] = field(default_factory=dict)  # target → source column
    zip_limits: ZipLimits = field(default_factory=ZipLimits)


def read_options(
    encoding: str | None = None, fields: Sequence[str] = (), zip_limits: ZipLimits | None = None
) -> ReadOptions:
    """ReadOptions from user input (``--encoding``, ``--field TARGET=COLUMN``); InvalidInput."""
    codec = None
    if encoding and encoding.strip():
        try:
            codec = enc.normalise(encoding)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
    return ReadOptions(codec, parse_fields(fields), zip_limits or ZipLimits())


@dataclass
class FeatureTable:
    """Features as parallel columns: shapely geometries and optional attributes."""

    geometries: np.ndarray
    codes: list[str | None]
    names: list[str | None]
    parent_codes: list[str | None]
    source: str = ""
    file_crs: str | None = None
    extra: dict[str, list] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)  # found while reading, per feature
    encoding: dict[str, str] | None = None  # Shapefiles: {"name": codec, "source": how known}

    def __len__(self) -> int:
        return len(self.geometries)


@dataclass
class _Read:
    frame: object
    encoding: dict[str, str] | None = None
    failures: Mapping[str, list[tuple[int, str]]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a numeric code column read as float
    text = str(value).strip()
    return text or None


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(64)
    except OSError as exc:
        raise InvalidInput(f"could not read {path.name}") from exc


def _sniff(name: str, head: bytes) -> None:
    """Reject content that is none of the accepted formats before GDAL opens it at all.

    Even ``pyogrio.read_info`` makes GDAL open a VRT's sources, so XML and unknown content
    never reach GDAL. (Zips are checked and extracted in ingest/shapefile.py.)
    """
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not (
        text.startswith(b"{")
        or head.startswith(b"SQLite format 3\x00")
        or head.startswith(SHP_MAGIC)
    ):
        detected = "XML (such as an OGR VRT)" if text.startswith(b"<") else "unrecognised"
        raise InvalidInput(f"{name}: detected format {detected} is not accepted; {_ACCEPTED}")


def _driver(path: Path, name: str, expected: tuple[str, ...]) -> str:
    """The GDAL driver of ``path``; InvalidInput unless it is one of ``expected``."""
    try:
        driver = pyogrio.read_info(path)["driver"]
    except Exception as exc:  # pyogrio raises several error types for unreadable files
        raise InvalidInput(f"could not read {name}: {_UNREADABLE}") from exc
    if driver not in expected:
        raise InvalidInput(f"{name}: detected format {driver} is not accepted; {_ACCEPTED}")
    return driver


def _read_frame(path: Path, name: str, options: ReadOptions, from_zip: bool) -> _Read:
    """The file's features as a GeoDataFrame, decoded; for Shapefiles, with their encoding."""
    driver = _driver(path, name, ("ESRI Shapefile",) if from_zip else ALLOWED_DRIVERS)
    try:
        if driver != "ESRI Shapefile":
            return _Read(pyogrio.read_dataframe(path), issues=_ignored(name, options.encoding))
        attrs = read_attributes(path, options.encoding)
    except Exception as exc:  # pyogrio raises several error types for unreadable files
        raise InvalidInput(f"could not read {name}: {_UNREADABLE}") from exc
    encoding = {"name": attrs.encoding, "source": attrs.source}
    issues = []
    if attrs.bad_names:
        message = (
            f"column names {', '.join(attrs.bad_names)} are not valid {attrs.encoding}; "
            "declare the file's encoding (e.g. gbk or utf-8)"
        )
        issues.append(Issue("error", "encoding", message))
    return _Read(attrs.frame, encoding, attrs.failures, issues)


def _ignored(name: str, encoding: str | None) -> list[Issue]:
    if encoding in (None, "utf-8"):
        return []
    message = (
        f"the declared encoding {encoding} applies to Shapefile attributes only; "
        f"{name} is read as UTF-8"
    )
    return [Issue("warning", "encoding_ignored", message)]


def read_layer(
    path: Path, *, source: str | None = None, options: ReadOptions | None = None
) -> FeatureTable:
    """Read every feature of a polygon layer file; InvalidInput when the file can't be read."""
    path = Path(path)
    options = options or ReadOptions()
    name = source or path.name
    if path.suffix.lower() not in SUFFIXES:
        raise InvalidInput(
            f"unsupported file type '{path.suffix}' for {path.name}: "
            "send GeoJSON (.geojson/.json), GeoPackage (.gpkg) or a zipped Shapefile (.zip)"
        )
    head = _head(path)
    if not head:
        raise InvalidInput(f"could not read {path.name}: the file is empty")
    with tempfile.TemporaryDirectory(prefix="gridsvc-read-") as tmp:
        from_zip = head.startswith(b"PK")
        if from_zip:
            path = extract_zip(path, options.zip_limits, Path(tmp))
        else:
            _sniff(path.name, head)
        read = _read_frame(path, name, options, from_zip)
    frame, issues = read.frame, list(read.issues)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InvalidInput(f"{name} has no geometry column")
    if len(frame) == 0:
        raise InvalidInput(f"{name} has no features")
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    choice = choose_columns(columns, options.fields)
    issues.extend(choice.issues)
    issues.extend(_decode_issues(choice.columns, read.failures))
    crs = frame.crs.to_string() if frame.crs is not None else None
    values = {t: _values(frame, c) for t, c in choice.columns.items()}
    return FeatureTable(
        geometries=np.asarray(frame.geometry.values, dtype=object),
        codes=values["code"],
        names=values["name"],
        parent_codes=values["parent_code"],
        source=name,
        file_crs=crs,
        issues=issues,
        encoding=read.encoding,
    )


def _values(frame, column: str | None) -> list[str | None]:  # type: ignore[no-untyped-def]
    if column is None:
        return [None] * len(frame)
    return [_text(v) for v in frame[column].tolist()]


def _decode_issues(
    columns: Mapping[str, str | None], failures: Mapping[str, list[tuple[int, str]]]
) -> list[Issue]:
    """One error per feature whose mapped column does not decode in the chosen encoding."""
    issues = []
    for target, column in columns.items():
        for row, reason in failures.get(column or "", []):
            message = (
                f"feature {row + 1}: {target} (column {column}) does not decode: {reason}; "
                "declare the file's encoding (e.g. gbk or utf-8)"
            )
            issues.append(Issue("error", "encoding", message, feature=row + 1, field=target))
    return issues
