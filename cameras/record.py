"""A camera record of the registry (SPEC §9) checked field by field. Pure: no I/O.

Input comes from JSON (numbers, lists), table cells (text) or a GB/T 28181 catalogue; every
value is checked and each bad one reported with its field, a code and the reason, all of
them at once. The position is converted from its declared CRS (any EPSG code, ``gcj02``,
``bd09``; WGS 84 when none is declared) to WGS 84; whether it lies inside the district is
the service's check. With a position, heading, field of view and range the record has a
view sector.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from shapely.geometry import Polygon

from cameras import streams as stream_rules
from cameras.deviceid import PARENT_TYPES, is_region_code, parse_device_id
from cameras.events import normalise_alias
from cameras.fields import Errors, FieldError, blank, items, number, text
from cameras.sector import check_view, view_sector
from gridsvc.errors import InvalidInput
from gridsvc.geo.crs import parse_crs

#: PTZ types of GB/T 28181 ``Info/PTZType``: code → (English, Chinese).
PTZ_TYPES: dict[int, tuple[str, str]] = {
    1: ("dome", "球机"),
    2: ("half-dome", "半球"),
    3: ("fixed", "固定枪机"),
    4: ("remote-controlled", "遥控枪机"),
}
_PTZ_LABELS = {
    **{v[0]: k for k, v in PTZ_TYPES.items()},
    **{v[1]: k for k, v in PTZ_TYPES.items()},
    "half_dome": 2,
    "remote": 4,
    "枪机": 3,
}
REQUIRED = ("device_id", "name", "department")
TEXT_FIELDS = {"name": 200, "department": 100, "integrator": 100, "manufacturer": 200}
TEXT_FIELDS |= {"model": 200, "address": 300}
NUMBER_FIELDS = ("height_m", "heading_deg", "fov_deg", "range_m")
OTHER_FIELDS = ("lon", "lat", "crs", "ptz_type", "streams", "stream_url", "tags", "aliases")
FIELDS = tuple(
    dict.fromkeys(
        (*REQUIRED, "parent_id", "civil_code", *TEXT_FIELDS, *NUMBER_FIELDS, *OTHER_FIELDS)
    )
)
MAX_HEIGHT_M = 500.0


@dataclass(frozen=True)
class CameraRecord:
    """A checked camera record; ``lon``/``lat`` in WGS 84 degrees (None: no position)."""

    device_id: str
    device_type: str
    name: str
    department: str
    integrator: str | None = None
    parent_id: str | None = None
    lon: float | None = None
    lat: float | None = None
    height_m: float | None = None
    heading_deg: float | None = None
    fov_deg: float | None = None
    range_m: float | None = None
    ptz_type: int | None = None
    streams: tuple[dict[str, str], ...] = ()
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    manufacturer: str | None = None
    model: str | None = None
    address: str | None = None
    civil_code: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)

    def sector(self) -> Polygon | None:
        """The view sector (WGS 84) when position, heading, field of view and range are known."""
        view = (self.heading_deg, self.fov_deg, self.range_m)
        if self.lon is None or self.lat is None or any(v is None for v in view):
            return None
        return view_sector(self.lon, self.lat, *view)  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, Any]:
        """The record as JSON-ready values (lists for tuples)."""
        out = asdict(self)
        for key in ("streams", "tags", "aliases"):
            out[key] = list(out[key])
        return out

    def as_input(self) -> dict[str, Any]:
        """The record as input to :func:`check_record` again (WGS 84 position)."""
        out = {k: v for k, v in self.as_dict().items() if k not in ("device_type", "attrs")}
        return {k: v for k, v in out.items() if v not in (None, [], "")}


def _device_id(value: object, errors: Errors) -> tuple[str, str] | None:
    try:
        parsed = parse_device_id(str(value).strip())
    except InvalidInput as exc:
        errors.add("device_id", "invalid_device_id", exc.detail)
        return None
    return parsed.code, parsed.type_code


def _parent(value: object, own: str | None, errors: Errors) -> str | None:
    if blank(value):
        return None
    try:
        parent = parse_device_id(str(value).strip(), field="parent_id")
    except InvalidInput as exc:
        errors.add("parent_id", "invalid_parent", exc.detail)
        return None
    if parent.type_code not in PARENT_TYPES:
        allowed = ", ".join(sorted(PARENT_TYPES))
        errors.add(
            "parent_id",
            "invalid_parent",
            f"parent_id '{parent.code}' is a {parent.type_name} (type {parent.type_code}); "
            f"a parent must be an NVR, DVR, platform or group (types {allowed})",
        )
        return None
    if parent.code == own:
        errors.add("parent_id", "invalid_parent", "a camera cannot be its own parent")
        return None
    return parent.code


def _position(raw: Mapping[str, Any], crs: str | None, errors: Errors) -> tuple | None:
    given = [not blank(raw.get(n)) for n in ("lon", "lat")]
    if not any(given):
        if not blank(raw.get("crs")):
            errors.add("crs", "unparseable_value", "crs is given without lon and lat")
        return None
    if not all(given):
        missing = "lat" if given[0] else "lon"
        errors.add(missing, "missing_required", "lon and lat must be given together")
        return None
    lon = number(raw.get("lon"), "lon", errors)
    lat = number(raw.get("lat"), "lat", errors)
    if lon is None or lat is None:
        return None
    declared = raw.get("crs") if not blank(raw.get("crs")) else crs
    try:
        system = parse_crs(str(declared or "EPSG:4326"))
    except InvalidInput as exc:
        errors.add("crs", "unparseable_value", exc.detail)
        return None
    x, y = system.to_wgs84([lon], [lat])
    wlon, wlat = float(x[0]), float(y[0])
    if system.is_geographic and abs(lat) > 90 and abs(lat) <= 180 and abs(lon) <= 90:
        errors.add("lat", "swapped_coordinates", f"lat {lat} is beyond ±90: lon and lat exchanged?")
        return None
    if not (math.isfinite(wlon) and math.isfinite(wlat) and abs(wlon) <= 180 and abs(wlat) <= 90):
        errors.add("lon", "bad_coordinate", f"({lon}, {lat}) in {system.label} is not on Earth")
        return None
    return wlon, wlat


def _view(raw: Mapping[str, Any], errors: Errors) -> dict[str, float | None]:
    values = {n: number(raw.get(n), n, errors) for n in NUMBER_FIELDS}
    h, f, r = values["heading_deg"], values["fov_deg"], values["range_m"]
    checks: list[tuple[str, str | None]] = [
        ("heading_deg", check_view(h, 90.0, 1.0) if h is not None else None),
        ("fov_deg", check_view(0.0, f, 1.0) if f is not None else None),
        ("range_m", check_view(0.0, 90.0, r) if r is not None else None),
    ]
    for name, reason in checks:
        if reason:
            errors.add(name, "invalid_view", reason)
            values[name] = None
    height = values["height_m"]
    if height is not None and not 0.0 <= height <= MAX_HEIGHT_M:
        errors.add("height_m", "invalid_view", f"height {height} must be in [0, 500] metres")
        values["height_m"] = None
    return values


def _ptz(value: object, errors: Errors) -> int | None:
    if blank(value):
        return None
    key = value.strip().lower() if isinstance(value, str) else value
    code = _PTZ_LABELS.get(key) if isinstance(key, str) else None
    if code is None and not isinstance(key, bool):
        try:
            code = int(key)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            code = None
    if code not in PTZ_TYPES:
        kinds = ", ".join(f"{k} {v[0]} ({v[1]})" for k, v in PTZ_TYPES.items())
        errors.add("ptz_type", "unparseable_value", f"ptz_type '{value}' is not one of {kinds}")
        return None
    return code


def _streams(raw: Mapping[str, Any], errors: Errors) -> tuple[dict[str, str], ...]:
    given = raw.get("streams")
    if blank(given) and not blank(raw.get("stream_url")):
        given = [{"name": "main", "url": raw.get("stream_url")}]
    try:
        return tuple(stream_rules.parse_streams(None if blank(given) else given))
    except stream_rules.StreamError as exc:
        errors.add("streams", "invalid_stream", str(exc))
        return ()


def _aliases(value: object, own: str | None, errors: Errors) -> tuple[str, ...]:
    out: list[str] = []
    for alias in items(value, "aliases", errors):
        norm = normalise_alias(alias)
        if norm == own:
            continue  # a device ID is always its own name
        if norm.isdigit() and len(norm) == 20:
            errors.add("aliases", "unparseable_value", f"alias '{alias}' is another device ID")
        elif norm in out:
            errors.add("aliases", "duplicate_alias", f"alias '{norm}' is given twice")
        else:
            out.append(norm)
    return tuple(out)


def _civil_code(value: object, errors: Errors) -> str | None:
    code = text(value, "civil_code", 20, errors)
    if code is not None and not is_region_code(code):
        errors.add("civil_code", "unparseable_value", f"civil_code '{code}' is not 2-8 digits")
        return None
    return code


def check_record(
    raw: Mapping[str, Any], *, crs: str | None = None, attrs: Mapping[str, Any] | None = None
) -> tuple[CameraRecord | None, list[FieldError]]:
    """The checked record (None when any value is bad) and every error found."""
    errors = Errors()
    for name in sorted(set(raw) - set(FIELDS)):
        errors.add(name, "unknown_field", f"'{name}' is not a camera field")
    for name in REQUIRED:
        if blank(raw.get(name)):
            errors.add(name, "missing_required", f"{name} is required")
    ident = _device_id(raw["device_id"], errors) if not blank(raw.get("device_id")) else None
    own = ident[0] if ident else None
    texts = {n: text(raw.get(n), n, limit, errors) for n, limit in TEXT_FIELDS.items()}
    values: dict[str, Any] = {
        **texts,
        "parent_id": _parent(raw.get("parent_id"), own, errors),
        **_view(raw, errors),
        "ptz_type": _ptz(raw.get("ptz_type"), errors),
        "streams": _streams(raw, errors),
        "tags": tuple(dict.fromkeys(items(raw.get("tags"), "tags", errors))),
        "aliases": _aliases(raw.get("aliases"), own, errors),
        "civil_code": _civil_code(raw.get("civil_code"), errors),
    }
    position = _position(raw, crs, errors)
    if errors or ident is None:
        return None, list(errors)
    lon, lat = position if position else (None, None)
    record = CameraRecord(
        device_id=ident[0],
        device_type=ident[1],
        lon=lon,
        lat=lat,
        attrs=dict(attrs or {}),
        **values,
    )
    return record, []


def validate_record(
    raw: Mapping[str, Any], *, crs: str | None = None, where: str = "camera"
) -> CameraRecord:
    """The checked record; InvalidInput listing every bad field otherwise."""
    record, errors = check_record(raw, crs=crs)
    if record is None:
        raise invalid(errors, where)
    return record


def invalid(errors: list[FieldError], where: str = "camera") -> InvalidInput:
    """One InvalidInput naming every bad field of a record."""
    said = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return InvalidInput(f"{where}: {said}", errors=[e.as_dict() for e in errors])
