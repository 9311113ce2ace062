"""Column-wise parsing of raw text values with Arrow compute kernels. Pure.

Each parser takes a column of raw text (``pyarrow.StringArray``, null for missing) and returns
the parsed column and a boolean numpy mask of the values that were given but do not parse.
Blank values (spaces only, including the ideographic space) count as missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingest import kinds

#: Chinese labels of choice values (SPEC §8), used when a mapping has no value map for them.
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "gender": {"男": "male", "女": "female", "男性": "male", "女性": "female"},
    "registration": {"户籍": "registered", "流动": "floating", "境外": "foreign", "其他": "other"},
    "place.kind": {"楼栋": "building", "小区": "compound", "党群服务中心": "service_centre"},
    "level": {
        "街道党工委": "street_committee",
        "社区党委": "community_committee",
        "网格党支部": "grid_branch",
        "楼栋党小组": "building_group",
        "党员中心户": "member_household",
    },
    "situation.kind": {"舆情": "sentiment", "隐患": "hazard", "风险": "risk"},
}
YES = ("是", "y", "yes", "1", "true", "t", "有", "√")
NO = ("否", "n", "no", "0", "false", "f", "无", "")
TAG_SEPARATORS = "[,，、;；]"
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_INT = r"^[+-]?\d{1,9}(\.0*)?$"
_DATE = (
    r"^(?P<y>\d{4})(?:[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?|(?P<m2>\d{2})(?P<d2>\d{2}))"
    r"(?:[ T](?P<H>\d{1,2})[:时](?P<M>\d{2})(?:[:分](?P<S>\d{2})(?:\.\d+)?秒?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?$"
)
PHONE = r"^(1[3-9]\d{9}|0\d{9,11}|[48]00\d{7}|\d{7,8})$"
CHINA = dt.timezone(dt.timedelta(hours=8))


def text(column: pa.Array) -> pa.Array:
    """Trimmed text, null where blank."""
    column = pc.utf8_trim_whitespace(column.cast(pa.string()))
    return pc.if_else(pc.equal(pc.binary_length(column), 0), pa.scalar(None, pa.string()), column)


def code_text(column: pa.Array) -> pa.Array:
    """Trimmed text with full-width letters and digits made ASCII (NFKC), null where blank."""
    if pc.all(pc.string_is_ascii(column)).as_py() is not False:
        return column
    return text(pc.utf8_normalize(column.cast(pa.string()), "NFKC"))


def fix_where(column: pa.Array, need: np.ndarray, fix) -> pa.Array:  # type: ignore[no-untyped-def]
    """``column`` with the values where ``need`` is true replaced by ``fix`` of them."""
    if not need.any():
        return column
    mask = pa.array(need)
    return pc.replace_with_mask(column, mask, fix(column.filter(mask)).cast(column.type))


def is_set(values: np.ndarray) -> np.ndarray:
    """True where an object array holds a value (not None)."""
    return np.frompyfunc(lambda x: x is not None, 1, 1)(values).astype(bool)


def given(column: pa.Array) -> np.ndarray:
    """True where a value is present."""
    return np.asarray(pc.is_valid(column))


def bad(column: pa.Array, ok: pa.Array) -> np.ndarray:
    """True where a value is present and ``ok`` is false."""
    return np.asarray(pc.and_(pc.is_valid(column), pc.invert(pc.fill_null(ok, False))))


def apply_map(column: pa.Array, table: Mapping[str, str]) -> pa.Array:
    """Values found in ``table`` replaced by their mapped value, others kept."""
    if not table:
        return column
    keys = pa.array(list(table), pa.string())
    index = pc.index_in(column, value_set=keys)
    mapped = pc.take(pa.array(list(table.values()), pa.string()), index)
    return pc.coalesce(mapped, column)


def choice(column: pa.Array, labels: Mapping[str, str], choices: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """A choice column: Chinese labels mapped, ASCII lower-cased; (values, bad mask)."""
    values = pc.ascii_lower(apply_map(column, labels))
    ok = pc.is_in(values, value_set=pa.array(choices, pa.string()))
    return values, bad(column, ok)


def labels_for(kind: str, name: str) -> dict[str, str]:
    """The built-in Chinese labels of a choice field of ``kind``."""
    return CHOICE_LABELS.get(f"{kind}.{name}", CHOICE_LABELS.get(name, {}))


def number(column: pa.Array):  # type: ignore[no-untyped-def]
    """Decimal numbers as float64 (NaN where missing or bad); (values, bad mask)."""
    try:
        values = pc.cast(column, pa.float64())
        ok = pc.is_valid(values)
    except pa.ArrowInvalid:
        ok = pc.match_substring_regex(column, _NUMBER)
        values = pc.cast(pc.if_else(ok, column, pa.scalar(None, pa.string())), pa.float64())
    out = np.asarray(pc.fill_null(values, np.nan), dtype=np.float64)
    return (out if out.flags.writeable else out.copy()), bad(column, ok)  # Arrow's are read-only


def integer(column: pa.Array, low: int, high: int):  # type: ignore[no-untyped-def]
    """Whole numbers in [low, high] as an object array of int/None; (values, bad mask)."""
    ok = pc.match_substring_regex(column, _INT)
    digits = pc.replace_substring_regex(column, r"\.0*$", "")
    values = pc.cast(pc.if_else(ok, digits, pa.scalar(None, pa.string())), pa.int64())
    ok = pc.and_(ok, pc.and_(pc.greater_equal(values, low), pc.less_equal(values, high)))
    values = pc.if_else(ok, values, pa.scalar(None, pa.int64()))
    return values.to_numpy(zero_copy_only=False), bad(column, ok)


def pattern(column: pa.Array, regex: str):  # type: ignore[no-untyped-def]
    """Values that match ``regex`` (others null); (values, bad mask)."""
    ok = pc.match_substring_regex(column, regex)
    return pc.if_else(ok, column, pa.scalar(None, pa.string())), bad(column, ok)


def phone(column: pa.Array):  # type: ignore[no-untyped-def]
    """Phone numbers as digits (separators and a +86 prefix dropped); (values, bad mask)."""
    ok = np.asarray(pc.fill_null(pc.match_substring_regex(column, PHONE), False))
    need = given(column) & ~ok
    if need.any():
        column = fix_where(column, need, _phone_digits)
        retry = pc.match_substring_regex(column.filter(pa.array(need)), PHONE)
        ok[need] = np.asarray(pc.fill_null(retry, False))
    values = pc.if_else(pa.array(ok), column, pa.scalar(None, pa.string()))
    return values, given(column) & ~ok


def _phone_digits(column: pa.Array) -> pa.Array:
    digits = pc.replace_substring_regex(column, r"[\s\-()（）]", "")
    return pc.replace_substring_regex(digits, r"^(?:\+86|0086)(1\d{10})$", r"\1")


def _days_in_month(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(month, 1, 12) - 1]
    return days + ((month == 2) & leap)


def real_date(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """True where (year, month, day) is a real calendar date from 1900 on."""
    return (
        (year >= 1900)
        & (month >= 1)
        & (month <= 12)
        & (day >= 1)
        & (day <= _days_in_month(year, month))
    )


def _parts(column: pa.Array) -> dict[str, np.ndarray]:
    if isinstance(column, pa.ChunkedArray):  # struct fields are read from one array
        column = column.combine_chunks()
    found = pc.extract_regex(column, _DATE)
    out = {}
    for name in ("y", "m", "d", "m2", "d2", "H", "M", "S"):
        part = pc.cast(
            pc.if_else(pc.equal(found.field(name), ""), None, found.field(name)), pa.int64()
        )
        out[name] = np.asarray(pc.fill_null(part, -1), dtype=np.int64)
    out["m"] = np.where(out["m"] >= 0, out["m"], out["m2"])
    out["d"] = np.where(out["d"] >= 0, out["d"], out["d2"])
    out["tz"] = found.field("tz").to_numpy(zero_copy_only=False)
    out["matched"] = np.asarray(pc.is_valid(found))
    return out


def date(column: pa.Array, *, with_time: bool = False):  # type: ignore[no-untyped-def]
    """Dates as ``YYYY-MM-DD`` (or, ``with_time``, ISO date-times with an offset, +08:00 when
    none is given); (values object array, bad mask)."""
    p = _parts(column)
    ok = p["matched"] & real_date(p["y"], p["m"], p["d"])
    has_time = p["H"] >= 0
    ok &= ~has_time | ((p["H"] <= 23) & (p["M"] <= 59) & (p["S"] <= 59))
    if not with_time:
        ok &= ~has_time | ((p["H"] == 0) & (p["M"] == 0) & (p["S"] <= 0))
    values = np.full(len(column), None, dtype=object)
    for i in np.flatnonzero(ok):
        day = f"{p['y'][i]:04d}-{p['m'][i]:02d}-{p['d'][i]:02d}"
        if with_time:
            tz = p["tz"][i]
            offset = "+00:00" if tz == "Z" else (f"{tz[:3]}:{tz[-2:]}" if tz else "+08:00")
            clock = f"{max(p['H'][i], 0):02d}:{max(p['M'][i], 0):02d}:{max(p['S'][i], 0):02d}"
            day = f"{day}T{clock}{offset}"
        values[i] = day
    return values, given(column) & ~ok


def split_list(column: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Cells holding several values split on , ， 、 ; ；: (row of each item, trimmed items)."""
    lists = pc.split_pattern_regex(column, TAG_SEPARATORS)
    parents = np.asarray(pc.list_parent_indices(lists), dtype=np.int64)
    items = text(pc.list_flatten(lists))
    keep = given(items)
    return parents[keep], items.filter(pa.array(keep))


def tag_codes(items: pa.Array, table: Mapping[str, str], codes: Sequence[str]):  # type: ignore[no-untyped-def]
    """Tag items as positions in ``codes`` (value map, then care-tag labels, then the code
    itself); (positions, bad mask)."""
    values = apply_map(apply_map(items, table), kinds.CARE_TAGS)
    found = pc.index_in(values, value_set=pa.array(list(codes), pa.string()))
    return np.asarray(pc.fill_null(found, -1), dtype=np.int64), bad(items, pc.is_valid(found))


def flag(column: pa.Array):  # type: ignore[no-untyped-def]
    """Yes/no cells (是/否, Y/N, 1/0, true/false): (yes mask, bad mask)."""
    values = pc.ascii_lower(column)
    yes = np.asarray(pc.fill_null(pc.is_in(values, value_set=pa.array(YES)), False))
    no = pc.is_in(values, value_set=pa.array(NO))
    return yes, bad(column, pc.or_(pa.array(yes), no))
