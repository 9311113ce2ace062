"""A raw batch of a source file turned into element columns and row errors (SPEC §8). Pure.

Every mapped field is parsed column-wise (ingest/fieldparse.py), the location converted to
WGS 84 and checked against the district (ingest/location.py), tags gathered from the tag
column and the flag columns. A row with any error is rejected and all its errors reported;
the accepted rows come out as columns named after the ``elements`` table, plain (the engine
masks and seals personal values).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import shapely

from gridsvc.geo.crs import parse_crs
from ingest import idcheck, kinds
from ingest import values as v
from ingest.columns import Columns
from ingest.fieldparse import parse_field
from ingest.location import DistrictArea, Finding, Located, locate_geometries, locate_points
from ingest.mapfile import MappingSpec
from ingest.tabular import RawBatch
from ingest.tags import gather_tags, raw_column, tag_lists

__all__ = ["DistrictArea", "ElementBatch", "RowError", "normalise", "ERROR_CODES"]

ERROR_CODES = (
    "missing_required",
    "unparseable_value",
    "invalid_id_number",
    "invalid_credit_code",
    "bad_coordinate",
    "swapped_coordinates",
    "outside_district",
    "unknown_building",
    "duplicate_in_file",
)
#: Element columns given as text/objects for every kind (None where the kind has none).
TEXT_COLUMNS = (
    "external_id",
    "category",
    "name",
    "status",
    "severity",
    "valid_from",
    "valid_to",
    "household_id",
    "building_id",
    "parent_external_id",
    "grid_code",
    "id_number",
    "phone",
    "address",
    "birth_date",
)
_PERSONAL = {"person": ("id_number", "phone", "address", "birth_date"), "staff": ("phone",)}
_STATUS = {"thing": "status", "staff": "duty_status"}
_OWN_COLUMNS = frozenset(TEXT_COLUMNS) - {"id_number", "phone", "address", "birth_date"}
_LOCATION = frozenset({"lon", "lat", "wkt"})


@dataclass(frozen=True)
class RowError:
    """One problem of one source row (1-based data-row number)."""

    row: int
    field: str | None
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "code": self.code, "message": self.message}


@dataclass
class ElementBatch:
    """The accepted rows of a batch as element columns, and the errors of the rejected."""

    kind: str
    rows: np.ndarray  # int64 1-based row numbers of accepted rows
    columns: Columns  # TEXT_COLUMNS, lon, lat, geometry, tags, attrs (a nested Columns)
    errors: list[RowError] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def take(self, keep: np.ndarray | Sequence[int]) -> ElementBatch:
        """The rows selected by a boolean mask or positions (errors kept as they are)."""
        keep = np.asarray(keep)
        idx = np.flatnonzero(keep) if keep.dtype == bool else keep.astype(np.int64)
        return ElementBatch(self.kind, self.rows[idx], self.columns.take(idx), self.errors)

    def shapes(self) -> np.ndarray:
        """Every accepted row's WGS 84 geometry: its shape, else a point from lon/lat, or None."""
        out = np.array(self.columns["geometry"], dtype=object)
        lon, lat = self.columns["lon"], self.columns["lat"]
        points = ~v.is_set(out) & ~np.isnan(lon)
        out[points] = shapely.points(lon[points], lat[points])
        return out


def normalise(batch: RawBatch, spec: MappingSpec, area: DistrictArea) -> ElementBatch:
    """Parse, check and convert ``batch``: accepted rows as element columns, plus RowErrors."""
    kind, n = spec.kind, len(batch)
    parsed: dict[str, Any] = {}
    findings: list[Finding] = []
    for f in kinds.FIELDS[kind]:
        if f.name in spec.fields:
            table = spec.values.get(f.name, {})
            result = parse_field(kind, f, raw_column(batch, f.name), table, spec.fields[f.name])
            parsed[f.name] = result.values
            findings.extend(result.findings)
    located = _locate(batch, spec, parsed, area, findings)
    findings.extend(located.findings)
    findings.extend(_location_needed(spec, n, located, parsed, findings))
    tag_pairs = gather_tags(batch, spec, findings)
    reject = np.zeros(n, dtype=bool)
    for finding in findings:
        reject |= finding.mask
    idx = np.flatnonzero(~reject)
    columns = _columns(kind, parsed, idx)
    columns["lon"], columns["lat"] = located.lon[idx], located.lat[idx]
    columns["geometry"] = located.geometry[idx]
    columns["tags"] = tag_lists(tag_pairs, n, idx)
    columns["attrs"] = _attrs(kind, n, parsed, idx)
    return ElementBatch(kind, batch.rows[idx], columns, _errors(batch.rows, findings))


def _locate(
    batch: RawBatch,
    spec: MappingSpec,
    parsed: dict[str, Any],
    area: DistrictArea,
    findings: list[Finding],
) -> Located:
    crs = parse_crs(batch.crs)
    n = len(batch)
    if batch.geometry is not None:
        return locate_geometries(batch.geometry, crs, area, "geometry (of the feature)")
    if "wkt" in parsed:
        text = parsed["wkt"].to_numpy(zero_copy_only=False)
        geoms = shapely.from_wkt(text, on_invalid="ignore")
        bad = v.is_set(text) & shapely.is_missing(geoms)
        where = f"wkt (column {spec.fields['wkt']})"
        findings.append(Finding(bad, "wkt", "unparseable_value", f"{where}: is not WKT"))
        return locate_geometries(np.asarray(geoms, dtype=object), crs, area, where)
    if "lon" in parsed:
        x, bad_x = v.number(v.code_text(parsed["lon"]))
        y, bad_y = v.number(v.code_text(parsed["lat"]))
        cols = f"columns {spec.fields['lon']}, {spec.fields['lat']}"
        findings.append(
            Finding(
                bad_x | bad_y,
                "lon",
                "bad_coordinate",
                f"lon/lat ({cols}): not a number",
            )
        )
        x[bad_x | bad_y], y[bad_x | bad_y] = np.nan, np.nan
        return locate_points(x, y, crs, area, f"lon/lat ({cols})")
    nan = np.full(n, np.nan)
    return Located(nan, nan.copy(), np.full(n, None, dtype=object))


def _location_needed(
    spec: MappingSpec, n: int, located: Located, parsed: dict[str, Any], findings: list[Finding]
) -> list[Finding]:
    """missing_required for rows that need a location and have none (and no location error)."""
    kind = spec.kind
    if kind == "staff":
        return []
    failed = np.zeros(n, dtype=bool)
    for f in findings:
        if f.field in ("lon", "wkt", "geometry"):
            failed |= f.mask
    none = ~located.present & ~failed
    if "lon" in spec.fields:
        where = f"lon/lat (columns {spec.fields['lon']}, {spec.fields['lat']})"
    elif "wkt" in spec.fields:
        where = f"wkt (column {spec.fields['wkt']})"
    else:
        where = "location"
    if kind == "person":
        alt, why = "building_id", "empty, and no building_id; a person needs one or the other"
    elif kind == "situation":
        alt, why = "grid_code", "empty, and no grid_code; a situation needs one or the other"
    else:
        alt, why = "", f"empty; a {kind} needs a location (lon/lat, wkt or a layer's geometry)"
    if alt in parsed:
        none &= ~v.given(pa.array(parsed[alt], from_pandas=True))
    return [Finding(none, "lon", "missing_required", f"{where}: {why}")]


def _column(values: Any, idx: np.ndarray) -> Any:
    if len(idx) == len(values) and (len(idx) == 0 or idx[-1] == len(idx) - 1):
        return values  # every row accepted
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values.take(pa.array(idx, pa.int64()))
    return np.asarray(values, dtype=object)[idx]


def _columns(kind: str, parsed: dict[str, Any], idx: np.ndarray) -> Columns:
    sources = {c: c for c in _OWN_COLUMNS if c in parsed}
    sources["category"] = kinds.CATEGORY[kind]
    if kind in _STATUS:
        sources["status"] = _STATUS[kind]
    for name in _PERSONAL.get(kind, ()):
        sources[name] = name
    out = Columns()
    for c in TEXT_COLUMNS:
        src = sources.get(c)
        out[c] = _column(parsed[src], idx) if src in parsed else pa.nulls(len(idx), pa.string())
    return out


def _attrs(kind: str, n: int, parsed: dict[str, Any], idx: np.ndarray) -> Columns:
    used = set(_OWN_COLUMNS) | set(_PERSONAL.get(kind, ())) | _LOCATION
    used |= {kinds.CATEGORY[kind], _STATUS.get(kind, "")}
    attrs = Columns({k: _column(val, idx) for k, val in parsed.items() if k not in used})
    if kind == "person" and ("birth_date" in parsed or "id_number" in parsed):
        attrs["birth_year"] = _column(_birth_year(parsed, n), idx)
    return attrs


def _birth_year(parsed: dict[str, Any], n: int) -> pa.Array:
    years = np.zeros(n, dtype=np.int64)
    if "id_number" in parsed:
        years = idcheck.birth_years(parsed["id_number"])
    if "birth_date" in parsed:
        dates = parsed["birth_date"]
        given = v.is_set(dates)
        years[given] = [int(d[:4]) for d in dates[given]]
    return pa.array(years, pa.int64(), mask=years <= 0)


def _errors(rows: np.ndarray, findings: list[Finding]) -> list[RowError]:
    errors = []
    for f in findings:
        for i in np.flatnonzero(f.mask):
            reason = f.reason if isinstance(f.reason, str) else f.reason[i]
            row = int(rows[i])
            errors.append(RowError(row, f.field, f.code, f"row {row}: {reason}"))
    errors.sort(key=lambda e: e.row)
    return errors
