"""Administrative codes of the grid hierarchy: district → street → community → grid.

A district code is the 6-digit adcode (e.g. ``530302``); every lower level appends a
3-digit sequence number (``001`` to ``999``) to its parent's code, so a street has 9 digits,
a community 12 and a grid 15. Sequence numbers follow reading order inside the parent:
rows from north to south, and west to east within a row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import Enum

import numpy as np
from numpy.typing import ArrayLike

from gridsvc.errors import InvalidInput

#: Digits a level appends to its parent's code.
SEQ_DIGITS = 3
#: Largest sequence number a parent can give a child.
MAX_SEQ = 10**SEQ_DIGITS - 1

_ORDER = ("district", "street", "community", "grid")


class Level(str, Enum):  # noqa: UP042 (a str mixin, as the API promises)
    """A level of the hierarchy, from the district down to the grid."""

    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"

    @property
    def depth(self) -> int:
        """Depth below the district (district 0, grid 3)."""
        return _ORDER.index(self.value)

    @property
    def code_length(self) -> int:
        """Number of digits of a code at this level (6, 9, 12 or 15)."""
        return 6 + SEQ_DIGITS * self.depth

    @property
    def parent(self) -> Level | None:
        """The level above, or None for the district."""
        return None if self.depth == 0 else Level(_ORDER[self.depth - 1])

    @property
    def child(self) -> Level | None:
        """The level below, or None for the grid."""
        return None if self.depth == len(_ORDER) - 1 else Level(_ORDER[self.depth + 1])

    @classmethod
    def from_code_length(cls, length: int) -> Level | None:
        """The level whose codes have ``length`` digits, or None."""
        for level in cls:
            if level.code_length == length:
                return level
        return None


def validate_code(code: str, level: Level, parent_code: str | None = None) -> str | None:
    """Check ``code`` for ``level`` (and its parent); None when fine, else an English message."""
    level = Level(level)
    if not isinstance(code, str) or not code:
        return "code must be a non-empty string of digits"
    if not (code.isascii() and code.isdigit()):
        return f"code must be digits only (got '{code}')"
    want = level.code_length
    if len(code) != want:
        return f"code '{code}' has {len(code)} digits; a {level.value} code has {want}"
    if level is Level.DISTRICT:
        return None if parent_code is None else "a district has no parent code"
    if code[-SEQ_DIGITS:] == "0" * SEQ_DIGITS:
        return f"code '{code}' has sequence '000'; sequences start at '001'"
    if parent_code is not None:
        parent_level = level.parent
        assert parent_level is not None
        problem = validate_code(parent_code, parent_level)
        if problem is not None:
            return f"parent {parent_level.value} code is invalid: {problem}"
        if code[: parent_level.code_length] != parent_code:
            return (
                f"code '{code}' does not extend its parent {parent_level.value} "
                f"code '{parent_code}'"
            )
    return None


def level_of_code(code: str) -> Level:
    """The level of a code, from its number of digits; InvalidInput when none matches."""
    if not isinstance(code, str) or not (code.isascii() and code.isdigit()):
        raise InvalidInput(f"code must be digits only (got {code!r})", code=code)
    level = Level.from_code_length(len(code))
    if level is None:
        lengths = ", ".join(str(lv.code_length) for lv in Level)
        raise InvalidInput(
            f"code '{code}' has {len(code)} digits; a code has {lengths} digits", code=code
        )
    return level


def parent_code_of(code: str) -> str | None:
    """The parent's code (the code without its last 3 digits), or None for a district."""
    level = level_of_code(code)
    if level.parent is None:
        return None
    return code[: level.parent.code_length]


def make_code(parent_code: str, seq: int) -> str:
    """The code of the ``seq``-th child (1..999) of ``parent_code``."""
    level = level_of_code(parent_code)
    if level.child is None:
        raise InvalidInput(f"a grid ('{parent_code}') has no children", code=parent_code)
    if isinstance(seq, bool) or not isinstance(seq, (int, np.integer)):
        raise InvalidInput(f"sequence must be an integer (got {seq!r})")
    if not 1 <= seq <= MAX_SEQ:
        raise InvalidInput(
            f"sequence {seq} is out of range; a {level.child.value} sequence runs 1..{MAX_SEQ}",
            parent_code=parent_code,
        )
    return f"{parent_code}{int(seq):0{SEQ_DIGITS}d}"


def reading_order(xs: ArrayLike, ys: ArrayLike, band_height: float) -> np.ndarray:
    """Indices in reading order: rows of ``band_height`` (CRS units) north→south, then W→E."""
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise InvalidInput("xs and ys must be one-dimensional and of equal length")
    if x.size == 0:
        return np.zeros(0, dtype=np.intp)
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise InvalidInput("coordinates must be finite numbers")
    if not (band_height > 0 and math.isfinite(band_height)):
        raise InvalidInput(f"band height must be a positive number (got {band_height!r})")
    rows = np.floor((y.max() - y) / band_height).astype(np.int64)
    # Primary key row (north first), then west to east, then north to south on ties.
    return np.lexsort((-y, x, rows))


def default_band_height(xs: ArrayLike, ys: ArrayLike) -> float:
    """Typical spacing of the points, sqrt(bbox area / n), in CRS units (1.0 if degenerate)."""
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    n = x.size
    if n == 0:
        return 1.0
    width = float(x.max() - x.min())
    height = float(y.max() - y.min())
    area = width * height
    if area > 0:
        return math.sqrt(area / n)
    extent = max(width, height)
    return extent / n if extent > 0 else 1.0


def number_children(
    parent_code: str,
    representative_points: Sequence[tuple[float, float]] | np.ndarray,
    band_height: float | None = None,
) -> list[str]:
    """Codes for children (in input order) numbered in reading order of their points."""
    points = np.asarray(representative_points, dtype=float).reshape(-1, 2)
    n = len(points)
    level = level_of_code(parent_code)
    if level.child is None:
        raise InvalidInput(f"a grid ('{parent_code}') has no children", code=parent_code)
    if n > MAX_SEQ:
        raise InvalidInput(
            f"{n} children is too many; a parent has at most {MAX_SEQ}", parent_code=parent_code
        )
    if n == 0:
        return []
    xs, ys = points[:, 0], points[:, 1]
    if band_height is None:
        band_height = default_band_height(xs, ys)
    order = reading_order(xs, ys, band_height)
    codes = [""] * n
    for seq, index in enumerate(order, start=1):
        codes[int(index)] = make_code(parent_code, seq)
    return codes


# --- Departmental grid codes (CJ/T 349-2010 style) -------------------------------------------

#: Digits of a departmental grid code: service object 6 + adcode 6 + street 3 + community 3
#: + grid sequence 2.
DEPT_CODE_LENGTH = 20
#: Community part of a departmental grid that spans several communities starts here (601–999).
MULTI_COMMUNITY_FIRST = 601
_DEPT_PARTS = (
    ("service_object", 0, 6),
    ("adcode", 6, 12),
    ("street", 12, 15),
    ("community", 15, 18),
    ("seq", 18, 20),
)


def validate_department_code(code: str, adcode: str | None = None) -> str | None:
    """Check a 20-digit departmental grid code (and its district); None when fine, else why."""
    if not isinstance(code, str) or not code:
        return "departmental grid code must be a non-empty string of digits"
    if not (code.isascii() and code.isdigit()):
        return f"departmental grid code must be digits only (got '{code}')"
    if len(code) != DEPT_CODE_LENGTH:
        return (
            f"departmental grid code '{code}' has {len(code)} digits; it has {DEPT_CODE_LENGTH} "
            "(service object 6 + adcode 6 + street 3 + community 3 + grid sequence 2)"
        )
    parts = {name: code[a:b] for name, a, b in _DEPT_PARTS}
    if parts["service_object"] == "000000":
        return f"departmental grid code '{code}' has service-object code '000000'"
    problem = validate_code(parts["adcode"], Level.DISTRICT)
    if parts["adcode"] == "000000" or problem is not None:
        return f"departmental grid code '{code}' has an invalid adcode '{parts['adcode']}'"
    if adcode is not None and parts["adcode"] != adcode:
        return (
            f"departmental grid code '{code}' is in district '{parts['adcode']}', "
            f"not in district '{adcode}'"
        )
    if parts["street"] == "000":
        return f"departmental grid code '{code}' has street '000'; streets start at '001'"
    if parts["community"] == "000":
        return (
            f"departmental grid code '{code}' has community '000'; communities start at '001' "
            f"('{MULTI_COMMUNITY_FIRST}'–'999' for a grid spanning several communities)"
        )
    if parts["seq"] == "00":
        return f"departmental grid code '{code}' has grid sequence '00'; sequences start at '01'"
    return None


def department_code_parts(code: str) -> dict[str, str]:
    """Split a valid departmental grid code into service_object, adcode, street, community, seq."""
    problem = validate_department_code(code)
    if problem is not None:
        raise InvalidInput(problem, code=code)
    return {name: code[a:b] for name, a, b in _DEPT_PARTS}


def is_multi_community(code: str) -> bool:
    """True when a departmental grid code's community part is 601–999 (several communities)."""
    return int(department_code_parts(code)["community"]) >= MULTI_COMMUNITY_FIRST


def make_department_code(service_object: str, community_code: str, seq: int) -> str:
    """Departmental code: service object (6) + 12-digit community code + 2-digit seq (1..99)."""
    if isinstance(seq, bool) or not isinstance(seq, (int, np.integer)) or not 1 <= seq <= 99:
        raise InvalidInput(f"departmental grid sequence must be an integer 1..99 (got {seq!r})")
    for what, value, digits in (
        ("service-object", service_object, 6),
        ("community", community_code, 12),
    ):
        if not (
            isinstance(value, str) and len(value) == digits and value.isascii() and value.isdigit()
        ):
            raise InvalidInput(f"{what} code must be {digits} digits (got {value!r})")
    code = f"{service_object}{community_code}{int(seq):02d}"
    problem = validate_department_code(code)
    if problem is not None:
        raise InvalidInput(problem, code=code)
    return code
