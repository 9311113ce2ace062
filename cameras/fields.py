"""Scalar values of a record as JSON or a table cell gives them: text, numbers, lists. Pure.

Each parser returns the value (None when blank or bad) and adds an error naming the field
to the ``Errors`` it is given, so that a record reports every bad value at once.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

MAX_ITEMS = 50
_SPLIT = re.compile(r"[,，、;；\s]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class FieldError:
    """One bad value: the field, a code (SPEC §8 style) and why."""

    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


class Errors(list[FieldError]):
    def add(self, name: str, code: str, message: str) -> None:
        self.append(FieldError(name, code, message))


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: object, name: str, limit: int, errors: Errors) -> str | None:
    if blank(value):
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        errors.add(name, "unparseable_value", f"{name} must be text")
        return None
    text = str(value).strip()
    if len(text) > limit or _CONTROL.search(text):
        errors.add(name, "unparseable_value", f"{name} must be at most {limit} characters of text")
        return None
    return text


def number(value: object, name: str, errors: Errors) -> float | None:
    if blank(value):
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value.strip() if isinstance(value, str) else value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        errors.add(name, "unparseable_value", f"{name} '{value}' is not a number")
        return None
    if not math.isfinite(number):
        errors.add(name, "unparseable_value", f"{name} must be a finite number")
        return None
    return number


def items(value: object, name: str, errors: Errors) -> list[str]:
    """A list of texts from a list or one cell (split on commas, semicolons, blanks)."""
    if blank(value):
        return []
    raw = _SPLIT.split(value.strip()) if isinstance(value, str) else value
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        errors.add(name, "unparseable_value", f"{name} must be a list of texts")
        return []
    items = [v.strip() for v in raw if v.strip()]
    if len(items) > MAX_ITEMS or any(len(v) > 200 or _CONTROL.search(v) for v in items):
        errors.add(name, "unparseable_value", f"{name}: at most {MAX_ITEMS} texts of 200 chars")
        return []
    return items
