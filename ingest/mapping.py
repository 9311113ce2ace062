"""Which source column holds each target field (code, name, parent code). Pure.

A mapping is given as ``TARGET=COLUMN`` items (``--field code=编码``); targets it leaves
out are found by their usual names (FIELD_ALIASES). The result names the source columns
left unused (a warning) and mapped columns the file does not have (an error).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from gridsvc.errors import InvalidInput
from ingest.report import Issue

TARGETS = ("code", "name", "parent_code")

#: Column names recognised for each target when no mapping names one, first match wins.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "grid_code", "unit_code", "编码", "网格编码"),
    "name": ("name", "grid_name", "名称", "网格名称"),
    "parent_code": ("parent_code", "parent", "上级编码"),
}


@dataclass(frozen=True)
class ColumnChoice:
    """The source column chosen for each target (None: the file has none) and the findings."""

    columns: dict[str, str | None]
    issues: list[Issue] = field(default_factory=list)


def parse_fields(items: Sequence[str]) -> dict[str, str]:
    """``TARGET=COLUMN`` items as a dict; InvalidInput for a malformed item or target."""
    mapping: dict[str, str] = {}
    for item in items:
        target, sep, column = item.partition("=")
        target, column = target.strip(), column.strip()
        if not sep or not target or not column:
            raise InvalidInput(
                f"field mapping '{item}' must look like TARGET=COLUMN, e.g. code=编码"
            )
        if target not in TARGETS:
            raise InvalidInput(
                f"field mapping '{item}': unknown target '{target}'; use {', '.join(TARGETS)}"
            )
        if target in mapping and mapping[target] != column:
            raise InvalidInput(f"field mapping: target '{target}' is mapped twice")
        mapping[target] = column
    return mapping


def _find(columns: Sequence[str], wanted: str) -> str | None:
    if wanted in columns:
        return wanted
    folded = [c for c in columns if c.casefold() == wanted.casefold()]
    return folded[0] if len(folded) == 1 else None


def choose_columns(columns: Sequence[str], mapping: Mapping[str, str]) -> ColumnChoice:
    """Pick the column of each target: the mapped one, else the first usual name found."""
    chosen: dict[str, str | None] = {}
    issues: list[Issue] = []
    listed = ", ".join(columns) or "none"
    for target in TARGETS:
        if target in mapping:
            found = _find(columns, mapping[target])
            if found is None:
                message = (
                    f"the mapping {target}={mapping[target]} names a column the file does "
                    f"not have; its columns are: {listed}"
                )
                issues.append(Issue("error", "unknown_column", message, field=target))
            chosen[target] = found
            continue
        aliases = (_find(columns, a) for a in FIELD_ALIASES[target])
        chosen[target] = next((c for c in aliases if c is not None), None)
    used = set(chosen.values())
    unused = [c for c in columns if c not in used]
    if unused:
        message = (
            f"columns not imported: {', '.join(unused)} (map one with TARGET=COLUMN, "
            f"targets: {', '.join(TARGETS)})"
        )
        issues.append(Issue("warning", "unused_columns", message))
    return ColumnChoice(chosen, issues)
