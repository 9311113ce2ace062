"""Mapping files (SPEC §8): which source column feeds each field of an element kind. Pure.

A mapping is YAML read with every scalar as text, so a CRS ``4326``, a column named ``001``
or a value ``Y`` stay what they were written as; a key given twice is an error. Everything
is checked up front (kind, fields, CRS, encoding, value maps, tags) so a bad mapping fails
before a single row is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from gridsvc.errors import InvalidInput
from gridsvc.geo.crs import CoordinateSystem, parse_crs
from ingest import encoding as enc
from ingest import kinds

KEYS = ("kind", "source", "crs", "encoding", "sheet", "fields", "values", "tags")
TAG_KEYS = ("column", "flags")
TAG_FIELD = "tags"


@dataclass(frozen=True)
class MappingSpec:
    """A checked mapping: the kind, its source namespace, CRS, encoding and column mapping."""

    kind: str
    source: str
    crs: str | None = None  # canonical label; None = not declared
    encoding: str | None = None  # Python codec; None = detect
    sheet: str | None = None
    fields: dict[str, str] = field(default_factory=dict)  # target field → source column
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # target → value map
    tag_column: str | None = None
    tag_flags: dict[str, str] = field(default_factory=dict)  # source column → tag code

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form (stored with the ingest job)."""
        tags: dict[str, Any] = {}
        if self.tag_column:
            tags["column"] = self.tag_column
        if self.tag_flags:
            tags["flags"] = dict(self.tag_flags)
        out: dict[str, Any] = {"kind": self.kind, "source": self.source}
        for key in ("crs", "encoding", "sheet"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        out["fields"] = dict(self.fields)
        if self.values:
            out["values"] = {k: dict(v) for k, v in self.values.items()}
        if tags:
            out["tags"] = tags
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MappingSpec:
        """The spec back from :meth:`to_dict` (checked again)."""
        return _build(data, None)

    def source_columns(self) -> list[str]:
        """Every source column the file must have, each once, in mapping order."""
        cols = [*self.fields.values(), *([self.tag_column] if self.tag_column else [])]
        return list(dict.fromkeys([*cols, *self.tag_flags]))

    def coordinate_system(self) -> CoordinateSystem:
        """The declared coordinate system, WGS 84 when none is declared."""
        return parse_crs(self.crs or "EPSG:4326")

    def tag_codes(self) -> frozenset[str]:
        """Tag codes this mapping accepts: the care tags plus those its ``values.tags`` give."""
        return _tag_codes(self.values)


class _Loader(yaml.BaseLoader):
    """YAML with every scalar as a string; a key given twice is an error."""

    def construct_mapping(self, node, deep=False):  # type: ignore[no-untyped-def]
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                line = key_node.start_mark.line + 1
                raise InvalidInput(f"mapping file line {line}: key '{key}' is given twice")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_mapping(text: str, *, kind: str | None = None) -> MappingSpec:
    """Parse and check a mapping file; ``kind`` is the kind the command line names, if any."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - BaseLoader builds only str/list/dict
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        problem = getattr(exc, "problem", None) or "it is not valid YAML"
        raise InvalidInput(f"mapping file could not be read{line}: {problem}") from None
    if not isinstance(data, dict):
        raise InvalidInput("mapping file must be a YAML mapping with keys kind, source, fields")
    return _build(data, kind)


def _build(data: Mapping[str, Any], cli_kind: str | None) -> MappingSpec:
    unknown = [str(k) for k in data if k not in KEYS]
    if unknown:
        raise InvalidInput(
            f"mapping file: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(KEYS)}"
        )
    kind = _kind(data.get("kind"), cli_kind)
    source = _text(data.get("source"), "source")
    if source is None:
        raise InvalidInput("mapping file: 'source' is required (the name of the source system)")
    fields = _fields(kind, data.get("fields"))
    values = _values(kind, fields, data.get("values"))
    tag_column, flags = _tags(data.get("tags"), values)
    return MappingSpec(
        kind=kind,
        source=source,
        crs=_crs(data.get("crs")),
        encoding=_encoding(data.get("encoding")),
        sheet=_text(data.get("sheet"), "sheet"),
        fields=fields,
        values=values,
        tag_column=tag_column,
        tag_flags=flags,
    )


def _text(value: Any, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"mapping file: '{key}' must be a single text value")
    return value.strip() or None


def _kind(value: Any, cli_kind: str | None) -> str:
    given = _text(value, "kind")
    known = kinds.TARGET_KINDS
    if cli_kind is not None and cli_kind not in known:
        raise InvalidInput(f"unknown kind '{cli_kind}'; use one of {', '.join(known)}")
    if given is not None and given not in known:
        raise InvalidInput(
            f"mapping file: kind '{given}' is unknown; use one of {', '.join(known)}"
        )
    if given and cli_kind and given != cli_kind:
        raise InvalidInput(
            f"mapping file is for kind '{given}' but the import is for kind '{cli_kind}'"
        )
    chosen = given or cli_kind
    if chosen is None:
        raise InvalidInput("mapping file: 'kind' is required (" + ", ".join(known) + ")")
    return chosen


def _crs(value: Any) -> str | None:
    text = _text(value, "crs")
    if text is None:
        return None
    try:
        return parse_crs(text).label
    except InvalidInput as exc:
        raise InvalidInput(f"mapping file: crs: {exc.detail}") from None


def _encoding(value: Any) -> str | None:
    text = _text(value, "encoding")
    if text is None:
        return None
    try:
        return enc.normalise(text)
    except ValueError as exc:
        raise InvalidInput(f"mapping file: encoding: {exc}") from None


def _str_map(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise InvalidInput(f"mapping file: '{where}' must be a mapping of name: value")
    out: dict[str, str] = {}
    for k, v in value.items():
        if not isinstance(v, str) or not v.strip() or not k.strip():
            raise InvalidInput(f"mapping file: '{where}.{k}' must be a non-empty text value")
        out[k.strip()] = v.strip()
    return out


def _fields(kind: str, value: Any) -> dict[str, str]:
    if value is None:
        raise InvalidInput("mapping file: 'fields' is required (target field: source column)")
    fields = _str_map(value, "fields")
    names = [f.name for f in kinds.TARGETS[kind]]
    unknown = [t for t in fields if t not in names]
    if unknown:
        raise InvalidInput(
            f"mapping file: fields {', '.join(unknown)} are not fields of kind {kind}; "
            f"its fields are: {', '.join(names)}"
        )
    key = kinds.key_field(kind)
    if key not in fields:
        raise InvalidInput(
            f"mapping file: fields must map {key} (the source system's id of each row)"
        )
    missing = [f for f in kinds.required(kind) if f not in fields]
    if missing:
        raise InvalidInput(
            f"mapping file: kind {kind} requires field(s) {', '.join(missing)}; "
            "map each to a column under fields"
        )
    if ("lon" in fields) != ("lat" in fields):
        raise InvalidInput("mapping file: fields must map both lon and lat, or neither")
    return fields


def _values(kind: str, fields: Mapping[str, str], value: Any) -> dict[str, dict[str, str]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput("mapping file: 'values' must map a target field to {source: value}")
    out: dict[str, dict[str, str]] = {}
    for target, table in value.items():
        if target != TAG_FIELD and target not in fields:
            raise InvalidInput(
                f"mapping file: values for '{target}', which is not a mapped field of "
                f"kind {kind}; mapped: {', '.join(fields)}"
            )
        out[target] = _str_map(table, f"values.{target}")
    for target, table in out.items():
        spec = kinds.spec(kind, target)
        if spec is not None and spec.type == "choice":
            bad = sorted({v for v in table.values() if v not in spec.choices})
            if bad:
                raise InvalidInput(
                    f"mapping file: values.{target} maps to {', '.join(bad)}, not one of "
                    f"{', '.join(spec.choices)}"
                )
    return out


def _tag_codes(values: Mapping[str, dict[str, str]]) -> frozenset[str]:
    return frozenset(kinds.CARE_TAGS.values()) | frozenset(values.get(TAG_FIELD, {}).values())


def _tags(value: Any, values: Mapping[str, dict[str, str]]) -> tuple[str | None, dict[str, str]]:
    if value is None:
        return None, {}
    if not isinstance(value, dict):
        raise InvalidInput("mapping file: 'tags' must be a mapping with column and/or flags")
    unknown = [str(k) for k in value if k not in TAG_KEYS]
    if unknown:
        raise InvalidInput(
            f"mapping file: unknown key(s) tags.{', tags.'.join(unknown)}; allowed: column, flags"
        )
    column = _text(value.get("column"), "tags.column")
    flags = _str_map(value["flags"], "tags.flags") if value.get("flags") is not None else {}
    allowed = _tag_codes(values)
    out: dict[str, str] = {}
    for col, tag in flags.items():
        code = kinds.CARE_TAGS.get(tag, tag)
        if code not in allowed:
            raise InvalidInput(
                f"mapping file: tags.flags.{col}: '{tag}' is not a care tag; use one of "
                f"{', '.join(sorted(allowed))} (or add it under values.tags)"
            )
        if code in out.values():
            raise InvalidInput(f"mapping file: tags.flags gives tag {code} from two columns")
        out[col] = code
    if column is None and not out:
        raise InvalidInput("mapping file: 'tags' needs a column, flags, or both")
    return column, out
