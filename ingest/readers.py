"""Read polygon layers from GeoJSON, GeoPackage or zipped Shapefile into a FeatureTable."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyogrio

from gridsvc.errors import InvalidInput

SUFFIXES = (".geojson", ".json", ".gpkg", ".zip", ".shp")

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


def read_layer(path: Path, *, source: str | None = None) -> FeatureTable:
    """Read every feature of a polygon layer file; InvalidInput when the file can't be read."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise InvalidInput(
            f"unsupported file type '{path.suffix}' for {path.name}: "
            "send GeoJSON (.geojson/.json), GeoPackage (.gpkg) or a zipped Shapefile (.zip)"
        )
    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises several error types for unreadable files
        raise InvalidInput(f"could not read {path.name}: {exc}") from exc
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
