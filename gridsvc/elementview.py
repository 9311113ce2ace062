"""How elements are shown: masked GeoJSON features, search ranges for codes and H3 cells, the
grid card's shape, and the rules of a reveal's reason. Pure: no I/O.

Person and staff rows are stored masked (``name``, ``attrs``); masking is applied again here
on the way out, so that a value stored unmasked by mistake still leaves masked. Sealed
values, ID hashes and row hashes are never selected, and never shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from gridsvc.errors import InvalidInput
from gridsvc.pii import mask_id_number, mask_name, mask_phone

#: Kinds whose rows hold personal data (sealed in ``pii``, masked in ``name`` and ``attrs``).
PERSONAL_KINDS = frozenset({"person", "staff"})
#: Personal fields that may never appear in ``attrs``, masked or not.
NEVER_SHOWN = frozenset({"address", "birth_date", "pii", "id_hash", "row_hash"})
MIN_REASON = 4
MAX_REASON = 500
#: Columns shown as feature properties, in this order (``attrs`` follow, flattened).
COLUMNS = (
    "kind",
    "category",
    "source",
    "external_id",
    "grid_code",
    "name",
    "tags",
    "status",
    "severity",
    "valid_from",
    "valid_to",
    "household_id",
    "building_id",
    "parent_external_id",
)
_RES_SHIFT = 52
_DIGIT_BITS = 3
_MAX_RES = 15


def _masked(value: Any, mask: Any) -> Any:
    """``mask(value)`` unless the value is already masked (holds a ``*``)."""
    if not isinstance(value, str) or "*" in value:
        return value
    return mask(value)


def masked_attrs(kind: str, attrs: Mapping[str, Any] | None) -> dict[str, Any]:
    """The attributes of an element as shown: personal ones masked, the never-shown dropped."""
    out = {k: v for k, v in (attrs or {}).items() if k not in NEVER_SHOWN}
    if kind in PERSONAL_KINDS:
        for key, mask in (("id_number", mask_id_number), ("phone", mask_phone)):
            if key in out:
                out[key] = _masked(out[key], mask)
        out.pop("name", None)
    return out


def masked_name(kind: str, name: str | None) -> str | None:
    """The display name as shown: a person's or staff member's masked (surname then ``*``)."""
    if kind in PERSONAL_KINDS:
        return _masked(name, mask_name)
    return name


def cell_hex(h3: int | None) -> str | None:
    """An H3 index as its hexadecimal string (as h3 libraries print it)."""
    return None if h3 is None else format(int(h3), "x")


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def feature(row: Mapping[str, Any]) -> dict[str, Any]:
    """One element row (columns of COLUMNS, element_id, h3, attrs, geometry as GeoJSON text)
    as a GeoJSON Feature with masked properties."""
    kind = row["kind"]
    props: dict[str, Any] = {"id": row["element_id"]}
    for column in COLUMNS:
        value = row.get(column)
        if value is not None or column in ("category", "grid_code", "name", "tags"):
            props[column] = _iso(value)
    props["name"] = masked_name(kind, row.get("name"))
    props["tags"] = list(row.get("tags") or [])
    props["h3"] = cell_hex(row.get("h3"))
    for key, value in masked_attrs(kind, row.get("attrs")).items():
        props.setdefault(key, value)
    geometry = row.get("geometry")
    return {
        "type": "Feature",
        "id": row["element_id"],
        "geometry": json.loads(geometry) if geometry else None,
        "properties": props,
    }


def code_range(code: str) -> tuple[str, str]:
    """The grid codes inside a district, street, community or grid code (inclusive bounds)."""
    return code + "0" * (15 - len(code)), code + "9" * (15 - len(code))


def cell_resolution(cell: int) -> int:
    """The resolution of an H3 index."""
    return (cell >> _RES_SHIFT) & 0xF


def cell_range(cell: int, resolution: int) -> tuple[int, int]:
    """The smallest and largest index of the descendants of ``cell`` at ``resolution``.

    An H3 index holds its resolution and then one 3-bit digit per level (7 = unused), so the
    descendants of a cell share its leading digits: every stored index between the bounds
    (all at ``resolution``) is a descendant. InvalidInput when the cell is finer.
    """
    own = cell_resolution(cell)
    if own > resolution:
        raise InvalidInput(
            f"cell resolution {own} is finer than the index resolution {resolution}: "
            "ask for the cell's parent"
        )
    base = (cell & ~(0xF << _RES_SHIFT)) | (resolution << _RES_SHIFT)
    low = high = base
    for digit in range(own + 1, resolution + 1):
        shift = (_MAX_RES - digit) * _DIGIT_BITS
        low &= ~(7 << shift)
        high = (high & ~(7 << shift)) | (6 << shift)
    return low, high


def check_reason(reason: str | None) -> str:
    """The stated reason of a reveal, stripped; InvalidInput when missing or too short."""
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise InvalidInput(
            f"reason: state why the full values are needed (at least {MIN_REASON} characters)",
            errors=[{"field": "reason", "message": "too short"}],
        )
    if len(text) > MAX_REASON:
        raise InvalidInput(f"reason: at most {MAX_REASON} characters")
    return text


def counts(pairs: Iterable[tuple[Any, int]]) -> dict[str, int]:
    """``{key: count}`` from (key, count) pairs, summing repeats; None becomes 'unknown'."""
    out: dict[str, int] = {}
    for key, n in pairs:
        name = "unknown" if key is None else str(key)
        out[name] = out.get(name, 0) + int(n)
    return dict(sorted(out.items()))


def _of(groups: list[list[Any]], kind: str) -> list[list[Any]]:
    return [g for g in groups if g[0] == kind]


def _nested(rows: Iterable[tuple[Any, Any, int]]) -> dict[str, dict[str, int]]:
    """``{outer: {inner: count}}`` from (outer, inner, count) rows."""
    out: dict[str, list[tuple[Any, int]]] = {}
    for outer, inner, n in rows:
        out.setdefault("unknown" if outer is None else str(outer), []).append((inner, n))
    return {k: counts(v) for k, v in sorted(out.items())}


def staff_member(row: Mapping[str, Any]) -> dict[str, Any]:
    """A staff member on the card: id, role, grid, duty status and masked name and phone."""
    return {
        "id": row["id"],
        "role": row["role"],
        "grid_code": row["grid_code"],
        "status": row["status"],
        "name": masked_name("staff", row["name"]),
        "phone": _masked(row["phone"], mask_phone),
    }


def card(unit: Mapping[str, Any], raw: Mapping[str, Any], as_of: datetime) -> dict[str, Any]:
    """The grid card of ``unit`` (code, level, name) from the card query's aggregates.

    ``raw``: ``groups`` [kind, category, status, severity, count, party members], ``tags``
    [tag, count] of people, ``party_levels`` [level, count], ``households``, ``staff`` rows.
    """
    groups = [list(g) for g in raw.get("groups") or []]
    people, places = _of(groups, "person"), _of(groups, "place")
    things, orgs = _of(groups, "thing"), _of(groups, "organisation")
    staff, situations = _of(groups, "staff"), _of(groups, "situation")
    org_kinds = counts((g[1], g[4]) for g in orgs)
    return {
        "code": unit["code"],
        "level": unit["level"],
        "name": unit["name"],
        "as_of": as_of.isoformat(),
        "households": int(raw.get("households") or 0),
        "residents": {
            "total": sum(g[4] for g in people),
            "by_registration": counts((g[1], g[4]) for g in people),
            "by_tag": counts((t, n) for t, n in raw.get("tags") or []),
        },
        "places": {
            "total": sum(g[4] for g in places),
            "by_kind": counts((g[1], g[4]) for g in places),
        },
        "components": {
            "total": sum(g[4] for g in things),
            "by_status": counts((g[2], g[4]) for g in things),
            "by_class": _nested((g[1], g[2], g[4]) for g in things),
        },
        "organisations": {
            "total": sum(g[4] for g in orgs),
            "by_kind": org_kinds,
            "party_organisations": org_kinds.get("party_org", 0),
            "party_organisations_by_level": counts(
                (lv, n) for lv, n in raw.get("party_levels") or []
            ),
            "party_members": sum(g[5] for g in people),
        },
        "staff": {
            "total": sum(g[4] for g in staff),
            "on_duty": sum(g[4] for g in staff if g[2] == "on_duty"),
            "by_role": counts((g[1], g[4]) for g in staff),
            "on_duty_members": [staff_member(s) for s in raw.get("staff") or []],
        },
        "situations": {
            "open": sum(g[4] for g in situations),
            "by_kind": counts((g[1], g[4]) for g in situations),
            "by_severity": counts((g[3], g[4]) for g in situations),
            "by_kind_and_severity": _nested((g[1], g[3], g[4]) for g in situations),
        },
    }
