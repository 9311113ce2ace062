"""Check characters of resident ID numbers (GB 11643) and unified social credit codes
(GB 32100), checked column-wise on the bytes of the values. Pure.

Each check returns a reason per value (None when valid or missing) that says what is wrong
without repeating the value: personal numbers never appear in a message.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingest.values import fix_where, real_date

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
PROVINCES = frozenset(
    (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50)
    + (51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82)
)
CREDIT_ALPHABET = b"0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = np.array(
    [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64
)
_CREDIT_VALUE = np.full(256, -1, dtype=np.int64)
_CREDIT_VALUE[np.frombuffer(CREDIT_ALPHABET, dtype=np.uint8)] = np.arange(31)
_PROVINCE_OK = np.zeros(100, dtype=bool)
_PROVINCE_OK[list(PROVINCES)] = True


def fixed_bytes(column: pa.Array, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The values exactly ``width`` bytes long as a (k, width) uint8 matrix, and the mask of
    those k rows among all."""
    column = column.cast(pa.string())
    fits = np.asarray(pc.fill_null(pc.equal(pc.binary_length(column), width), False))
    compact = column.filter(pa.array(fits))
    if isinstance(compact, pa.ChunkedArray):
        compact = compact.combine_chunks()
    _, offsets_buf, data_buf = compact.buffers()
    if data_buf is None or len(compact) == 0:
        return np.zeros((0, width), dtype=np.uint8), fits
    start = int(np.frombuffer(offsets_buf, dtype=np.int32)[compact.offset])
    data = np.frombuffer(data_buf, dtype=np.uint8)[start : start + width * len(compact)]
    return data.reshape(len(compact), width), fits


def normalise_id(column: pa.Array) -> pa.Array:
    """ID numbers with full-width characters made ASCII, spaces dropped, ``x`` upper-cased."""
    column = pc.ascii_upper(column.cast(pa.string()))
    odd = pc.or_(pc.not_equal(pc.binary_length(column), 18), pc.invert(pc.string_is_ascii(column)))
    return fix_where(column, np.asarray(pc.fill_null(odd, False)), _normalise_odd)


def _normalise_odd(column: pa.Array) -> pa.Array:
    column = pc.utf8_normalize(column, "NFKC")
    column = pc.utf8_upper(pc.replace_substring_regex(column, r"\s+", ""))
    return pc.if_else(pc.equal(pc.utf8_length(column), 0), pa.scalar(None, pa.string()), column)


def id_reasons(column: pa.Array, today: dt.date | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Why each normalised ID number is invalid (object array; None where valid or missing),
    and the mask of the invalid."""
    today = today or dt.date.today()
    reasons = np.full(len(column), None, dtype=object)
    chars, fits = fixed_bytes(column, 18)
    _wrong_length(column, fits, reasons)
    rows = np.flatnonzero(fits)
    digits = chars[:, :17] - np.uint8(48)  # wraps below '0', so one bound checks both
    last = chars[:, 17]
    ok = (digits <= 9).all(axis=1) & (((last >= 48) & (last <= 57)) | (last == ord("X")))
    reasons[rows[~ok]] = "must be 17 digits followed by a digit or X"
    digits[~ok] = 0
    province = _PROVINCE_OK[digits[:, 0].astype(np.int64) * 10 + digits[:, 1]]
    reasons[rows[ok & ~province]] = "does not start with a province code (11-82)"
    ok &= province
    year, month, day = (_number(digits[:, a:b]) for a, b in ((6, 10), (10, 12), (12, 14)))
    born = real_date(year, month, day)
    born &= year * 10000 + month * 100 + day <= today.year * 10000 + today.month * 100 + today.day
    reasons[rows[ok & ~born]] = "characters 7-14 are not a real birth date"
    ok &= born
    total = digits.astype(np.float32) @ ID_WEIGHTS.astype(np.float32)  # exact: at most 1,530
    expected = ID_CHECK[total.astype(np.int64) % 11]
    for j in np.flatnonzero(ok & (expected != last)):
        reasons[rows[j]] = f"check character is {chr(last[j])}, expected {chr(expected[j])}"
    return reasons, _invalid(column, rows[ok & (expected == last)])


def _invalid(column: pa.Array, valid_rows: np.ndarray) -> np.ndarray:
    bad = np.asarray(pc.is_valid(column))
    bad[valid_rows] = False
    return bad


def _number(digits: np.ndarray) -> np.ndarray:
    """The decimal number the columns of a digit matrix spell."""
    out = np.zeros(len(digits), dtype=np.int64)
    for j in range(digits.shape[1]):
        out = out * 10 + digits[:, j]
    return out


def _wrong_length(column: pa.Array, fits: np.ndarray, reasons: np.ndarray) -> None:
    wrong = np.flatnonzero(np.asarray(pc.is_valid(column)) & ~fits)
    if wrong.size:
        lengths = pc.utf8_length(column.take(pa.array(wrong))).to_numpy()
        for i, length in zip(wrong, lengths, strict=True):
            reasons[i] = f"has {length} characters, expected 18"


def birth_years(column: pa.Array) -> np.ndarray:
    """The birth year in each 18-character ID number (0 where none)."""
    chars, fits = fixed_bytes(column, 18)
    years = np.zeros(len(column), dtype=np.int64)
    d = chars[:, 6:10].astype(np.int64) - 48
    years[fits] = d @ np.array([1000, 100, 10, 1])
    return years


def normalise_credit(column: pa.Array) -> pa.Array:
    """Credit codes with full-width characters made ASCII, spaces dropped, upper-cased."""
    return normalise_id(column)


def credit_reasons(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Why each normalised credit code is invalid (object array; None where valid or missing),
    and the mask of the invalid."""
    reasons = np.full(len(column), None, dtype=object)
    chars, fits = fixed_bytes(column, 18)
    _wrong_length(column, fits, reasons)
    rows = np.flatnonzero(fits)
    values = _CREDIT_VALUE[chars]
    ok = (values >= 0).all(axis=1)
    reasons[rows[~ok]] = (
        "may only hold digits and the letters A-H, J-N, P-R, T-U, W-Y (no I, O, S, V, Z)"
    )
    v = np.where(ok[:, None], values, 0)
    expected = (31 - (v[:, :17] @ CREDIT_WEIGHTS) % 31) % 31
    for j in np.flatnonzero(ok & (expected != v[:, 17])):
        got, want = chr(chars[j, 17]), chr(CREDIT_ALPHABET[expected[j]])
        reasons[rows[j]] = f"check character is {got}, expected {want}"
    return reasons, _invalid(column, rows[ok & (expected == v[:, 17])])
