"""Read polygon layers from GeoJSON, GeoPackage or zipped Shapefile into a FeatureTable."""

from __future__ import annotations

import logging
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio

from gridsvc.errors import InvalidInput

SUFFIXES = (".geojson", ".json", ".gpkg", ".zip", ".shp")

#: GDAL drivers a layer file may be read with. GDAL picks the driver from the content, not
#: the name, and some drivers (OGR VRT above all) open other files or URLs named inside.
ALLOWED_DRIVERS = ("GeoJSON", "GPKG", "ESRI Shapefile")
logger = logging.getLogger(__name__)
_ACCEPTED = "accepted: GeoJSON, GPKG (GeoPackage), ESRI Shapefile (zipped)"
_SHP_MAGIC = b"\x00\x00\x27\x0a"

#: Attribute names recognised for each field, first match wins.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "grid_code", "unit_code", "编码", "网格编码"),
    "name": ("name", "grid_name", "名称", "网格名称"),
    "parent_code": ("parent_code", "parent", "上级编码"),
}


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

    def __len__(self) -> int:
        return len(self.geometries)


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a numeric code column read as float
    text = str(value).strip()
    return text or None


def _column(frame, name: str) -> list[str | None]:  # type: ignore[no-untyped-def]
    lower = {str(c).lower(): c for c in frame.columns}
    for alias in FIELD_ALIASES[name]:
        if alias.lower() in lower:
            return [_text(v) for v in frame[lower[alias.lower()]].tolist()]
    return [None] * len(frame)


def _sniff(path: Path) -> None:
    """Reject content that is none of the accepted formats before GDAL opens it at all.

    Even ``pyogrio.read_info`` makes GDAL open a VRT's sources, so XML and unknown content
    never reach GDAL; a zip must hold a real Shapefile (a lone member is opened by content).
    """
    with path.open("rb") as fh:
        head = fh.read(64)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as archive:
                shps = [i for i in archive.infolist() if i.filename.lower().endswith(".shp")]
                if not shps:
                    raise InvalidInput(f"{path.name} holds no Shapefile (.shp); {_ACCEPTED}")
                for info in shps:
                    with archive.open(info) as member:
                        if member.read(4) != _SHP_MAGIC:
                            raise InvalidInput(
                                f"{path.name}: {info.filename} is not a Shapefile; {_ACCEPTED}"
                            )
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
            raise _unreadable(path, exc, "it is not a readable ZIP archive") from exc
    elif not (
        text.startswith(b"{")
        or head.startswith(b"SQLite format 3\x00")
        or head.startswith(_SHP_MAGIC)
    ):
        detected = "XML (such as an OGR VRT)" if text.startswith(b"<") else "unrecognised"
        raise InvalidInput(f"{path.name}: detected format {detected} is not accepted; {_ACCEPTED}")


def _unreadable(path: Path, exc: BaseException, why: str) -> InvalidInput:
    """InvalidInput naming the file and ``why``; the library's text (with paths) is logged."""
    logger.info("could not read %s: %s", path.name, exc)
    return InvalidInput(f"could not read {path.name}: {why}; {_ACCEPTED}")


def _check_driver(path: Path) -> None:
    """InvalidInput unless GDAL reads the file with one of ALLOWED_DRIVERS."""
    _sniff(path)
    try:
        driver = pyogrio.read_info(path)["driver"]
    except Exception as exc:  # pyogrio raises several error types for unreadable files
        raise _unreadable(path, exc, "GDAL does not recognise it") from exc
    expected = ("ESRI Shapefile",) if path.suffix.lower() == ".zip" else ALLOWED_DRIVERS
    if driver not in expected:
        raise InvalidInput(f"{path.name}: detected format {driver} is not accepted; {_ACCEPTED}")


def read_layer(path: Path, *, source: str | None = None) -> FeatureTable:
    """Read every feature of a polygon layer file; InvalidInput when the file can't be read."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise InvalidInput(
            f"unsupported file type '{path.suffix}' for {path.name}: "
            "send GeoJSON (.geojson/.json), GeoPackage (.gpkg) or a zipped Shapefile (.zip)"
        )
    try:
        size_ok = path.stat().st_size > 0
    except OSError as exc:
        raise _unreadable(path, exc, "the file could not be opened") from exc
    if not size_ok:
        raise InvalidInput(f"could not read {path.name}: the file is empty")
    _check_driver(path)
    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises several error types for unreadable files
        raise _unreadable(path, exc, "its features could not be read (damaged file?)") from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InvalidInput(f"{path.name} has no geometry column")
    if len(frame) == 0:
        raise InvalidInput(f"{path.name} has no features")
    crs = frame.crs.to_string() if frame.crs is not None else None
    return FeatureTable(
        geometries=np.asarray(frame.geometry.values, dtype=object),
        codes=_column(frame, "code"),
        names=_column(frame, "name"),
        parent_codes=_column(frame, "parent_code"),
        source=source or path.name,
        file_crs=crs,
    )
