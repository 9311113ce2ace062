"""One mapped field of a batch parsed by its type (ingest/kinds.py), column-wise. Pure.

Value maps apply to the trimmed raw text first; then the type decides: a required field left
empty is ``missing_required``, a value that does not parse ``unparseable_value``, and ID
numbers and credit codes have their own codes. Messages name the field and its column and
say why, and repeat a value only for non-personal choice fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ingest import idcheck
from ingest import values as v
from ingest.kinds import FieldSpec
from ingest.location import Finding

#: Inclusive bounds of whole-number fields.
INT_BOUNDS = {"severity": (1, 4)}
_DEFAULT_BOUNDS = (0, 999_999_999)
_PATTERNS = {
    "class_code": (r"^\d{5}$", "must be 5 digits (major class 2 + minor class 3)"),
    "grid_code": (r"^\d{15}$", "must be a 15-digit grid code"),
}
_PHONE_WHY = "is not a mobile (11 digits from 1), landline (from 0) or 7-8 digit number"


@dataclass
class Parsed:
    """A parsed field: its values (Arrow text or a numpy array) and what failed."""

    values: pa.Array | np.ndarray
    findings: list[Finding]


def parse_field(
    kind: str, spec: FieldSpec, raw: pa.Array, table: Mapping[str, str], column: str
) -> Parsed:
    """Parse one field's raw column; ``table`` is its value map, ``column`` its source."""
    where = f"{spec.name} (column {column})"
    cleaned = v.apply_map(v.text(raw), table)
    findings = []
    if spec.required:
        missing = ~v.given(cleaned)
        findings.append(
            Finding(
                missing,
                spec.name,
                "missing_required",
                f"{where}: is empty; it is required",
            )
        )
    values, more = _by_type(kind, spec, cleaned, where)
    return Parsed(values, findings + more)


def _unparseable(mask: np.ndarray, spec: FieldSpec, reason: str | np.ndarray) -> Finding:
    return Finding(mask, spec.name, "unparseable_value", reason)


def _by_type(
    kind: str, spec: FieldSpec, cleaned: pa.Array, where: str
) -> tuple[pa.Array | np.ndarray, list[Finding]]:
    t = spec.type
    if t in ("text", "lon", "lat", "wkt"):
        return cleaned, []
    if t == "choice":
        values, bad = v.choice(cleaned, v.labels_for(kind, spec.name), spec.choices)
        return values, [_unparseable(bad, spec, _choice_reasons(cleaned, bad, spec, where))]
    if t == "int":
        low, high = INT_BOUNDS.get(spec.name, _DEFAULT_BOUNDS)
        ints, bad = v.integer(v.code_text(cleaned), low, high)
        span = f"from {low} to {high}" if spec.name in INT_BOUNDS else f"of at least {low}"
        return ints, [_unparseable(bad, spec, f"{where}: must be a whole number {span}")]
    if t in ("date", "datetime"):
        dates, bad = v.date(v.code_text(cleaned), with_time=t == "datetime")
        example = "2024-05-01 or 2024年5月1日" + (" 08:30" if t == "datetime" else "")
        return dates, [_unparseable(bad, spec, f"{where}: is not a {t} (e.g. {example})")]
    if t in _PATTERNS:
        regex, why = _PATTERNS[t]
        codes, bad = v.pattern(v.code_text(cleaned), regex)
        return codes, [_unparseable(bad, spec, f"{where}: {why}")]
    if t == "phone":
        phones, bad = v.phone(v.code_text(cleaned))
        return phones, [_unparseable(bad, spec, f"{where}: {_PHONE_WHY}")]
    if t == "grid_codes":
        return _grid_codes(cleaned, spec, where)
    if t in ("id_number", "credit_code"):
        return _checked(cleaned, spec, where)
    raise ValueError(f"field type {t} has no parser")


def _checked(cleaned: pa.Array, spec: FieldSpec, where: str) -> tuple[pa.Array, list[Finding]]:
    if spec.type == "id_number":
        code = "invalid_id_number"
        values = idcheck.normalise_id(cleaned)
        reasons, bad = idcheck.id_reasons(values)
    else:
        code = "invalid_credit_code"
        values = idcheck.normalise_credit(cleaned)
        reasons, bad = idcheck.credit_reasons(values)
    messages = np.full(len(reasons), None, dtype=object)
    for i in np.flatnonzero(bad):
        messages[i] = f"{where}: {reasons[i]}"
    return values, [Finding(bad, spec.name, code, messages)]


def _choice_reasons(cleaned: pa.Array, bad: np.ndarray, spec: FieldSpec, where: str) -> np.ndarray:
    out = np.full(len(bad), None, dtype=object)
    idx = np.flatnonzero(bad)
    if idx.size == 0:
        return out
    given = cleaned.take(pa.array(idx)).to_pylist()
    allowed = ", ".join(spec.choices)
    for i, value in zip(idx, given, strict=True):
        shown = value if len(value) <= 40 else value[:40] + "…"
        out[i] = (
            f"{where}: '{shown}' is not one of {allowed}; "
            f"map it under values: {spec.name} in the mapping file"
        )
    return out


def _grid_codes(cleaned: pa.Array, spec: FieldSpec, where: str) -> tuple[np.ndarray, list[Finding]]:
    parents, items = v.split_list(cleaned)
    codes, bad_items = v.pattern(items, _PATTERNS["grid_code"][0])
    out = np.full(len(cleaned), None, dtype=object)
    for row, code in zip(parents.tolist(), codes.to_pylist(), strict=True):
        if code is not None:
            out[row] = [*(out[row] or []), code]
    bad = np.zeros(len(cleaned), dtype=bool)
    bad[parents[bad_items]] = True
    why = f"{where}: holds an item that is not a 15-digit grid code"
    return out, [_unparseable(bad, spec, why)]
