"""Element layers from GeoJSON, GeoPackage or zipped Shapefile, streamed by pyogrio.

The drivers are limited to the ones ingest/readers.py allows; a zip is checked and its one
Shapefile extracted (ingest/shapefile.py) to a private directory for each pass over it, so
nothing stays open between batches. Shapefile attributes use the declared encoding, else the
.cpg / language driver byte, else UTF-8 when the first features decode as UTF-8, else GB18030.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
import shapely

from gridsvc.errors import InvalidInput
from ingest import encoding as enc
from ingest.archive import ZipLimits
from ingest.mapfile import MappingSpec
from ingest.readers import ALLOWED_DRIVERS
from ingest.shapefile import declared_encoding, extract_zip
from ingest.tabular import Opened, _Chunks

_RAW = "ISO-8859-1"
_DETECT_FEATURES = 1000
_UNREADABLE = "it is not a readable GeoJSON, GeoPackage or Shapefile"


@contextmanager
def _layer_file(path: Path, fmt: str, limits: ZipLimits) -> Iterator[Path]:
    """The path GDAL should open: the file itself (under a .gpkg name for a GeoPackage, which
    GDAL expects), or the zip's Shapefile extracted."""
    if fmt == "geojson" or (fmt == "gpkg" and path.suffix.lower() == ".gpkg"):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="gridsvc-ingest-") as tmp:
        if fmt == "gpkg":
            link = Path(tmp) / "layer.gpkg"
            link.symlink_to(path.resolve())
            yield link
        else:
            yield extract_zip(path, limits, Path(tmp))


def _info(path: Path, name: str, fmt: str) -> dict:
    expected = ("ESRI Shapefile",) if fmt == "shapefile" else ALLOWED_DRIVERS
    try:
        info = pyogrio.read_info(path, force_feature_count=True)
    except Exception as exc:  # pyogrio raises several error types for unreadable files
        raise InvalidInput(f"could not read {name}: {_UNREADABLE}") from exc
    if info["driver"] not in expected:
        raise InvalidInput(f"{name}: detected format {info['driver']} is not accepted")
    return info


def _shapefile_encoding(shp: Path, declared: str | None) -> str:
    if declared:
        return declared
    found, _ = declared_encoding(shp)
    if found:
        return found
    frame = pyogrio.read_dataframe(
        shp, encoding=_RAW, read_geometry=False, max_features=_DETECT_FEATURES
    )
    raw = [str(c).encode(_RAW) for c in frame.columns]
    for c in frame.columns:
        raw.extend(v.encode(_RAW) for v in frame[c].tolist() if isinstance(v, str))
    return enc.detect(raw)


def _crs_label(crs: str | None) -> str | None:
    if not crs:
        return None
    from pyproj import CRS

    try:
        code = CRS.from_user_input(crs).to_epsg()
    except Exception:  # pyproj raises CRSError and others for odd definitions
        return None
    return f"EPSG:{code}" if code else None


def open_layer(path: Path, spec: MappingSpec, fmt: str) -> Opened:
    """The layer's attribute columns, feature count and CRS, and a batch source over it."""
    limits = ZipLimits()
    with _layer_file(path, fmt, limits) as layer:
        info = _info(layer, path.name, fmt)
        encoding = _shapefile_encoding(layer, spec.encoding) if fmt == "shapefile" else None
        if encoding is not None:
            info = pyogrio.read_info(layer, encoding=encoding, force_feature_count=True)
    columns = [str(c) for c in info["fields"]]
    file_crs = _crs_label(info.get("crs"))
    if info.get("crs") and file_crs is None and spec.crs is None:
        raise InvalidInput(
            f"{path.name}: its coordinate system has no EPSG code; declare crs in the mapping"
        )
    total = int(info["features"]) if info.get("features", -1) >= 0 else None
    fmt_name = {"GeoJSON": "geojson", "GPKG": "gpkg"}.get(info["driver"], fmt)
    size = path.stat().st_size

    def chunks(resolved: dict[str, str]) -> Callable[[int, int], _Chunks]:
        wanted = list(dict.fromkeys(resolved.values()))

        def run(skip: int, rows: int) -> _Chunks:
            with _layer_file(path, fmt, limits) as layer:
                yield from _chunks(layer, encoding, wanted, skip, rows, total, size)

        return run

    return Opened(columns, chunks, encoding, total, file_crs, fmt_name)


def _chunks(
    layer: Path,
    encoding: str | None,
    wanted: list[str],
    skip: int,
    rows: int,
    total: int | None,
    size: int,
) -> _Chunks:
    first = skip + 1
    with pyogrio.open_arrow(
        layer,
        encoding=encoding,
        columns=wanted,
        skip_features=skip,
        batch_size=rows,
        use_pyarrow=True,
        datetime_as_string=True,
    ) as (meta, reader):
        geom_name = meta.get("geometry_name") or "wkb_geometry"
        for batch in reader:
            if batch.num_rows == 0:
                continue
            texts = [_as_text(batch.column(c)) for c in wanted]
            wkb = batch.column(geom_name).to_numpy(zero_copy_only=False)
            geometry = np.asarray(shapely.from_wkb(wkb, on_invalid="ignore"), dtype=object)
            done = min(size, size * (first - 1 + batch.num_rows) // total) if total else 0
            yield first, pa.table(texts, names=wanted), geometry, done
            first += batch.num_rows


def _as_text(column: pa.Array) -> pa.Array:
    """An attribute column as text (Arrow writes integral floats without ``.0``)."""
    return pc.cast(column, pa.string())
