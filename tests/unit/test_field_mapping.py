"""Field mappings: TARGET=COLUMN items, usual names, unknown and unused columns."""

from __future__ import annotations

import pytest

from gridsvc.errors import InvalidInput
from ingest.mapping import choose_columns, parse_fields


def test_parse_fields() -> None:
    assert parse_fields(["code=编码", " name = 名称 "]) == {"code": "编码", "name": "名称"}
    assert parse_fields([]) == {}


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ("code", "TARGET=COLUMN"),
        ("=x", "TARGET=COLUMN"),
        ("code=", "TARGET=COLUMN"),
        ("colour=x", "unknown target 'colour'"),
    ],
)
def test_parse_fields_refuses(item: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        parse_fields([item])


def test_mapped_twice() -> None:
    with pytest.raises(InvalidInput, match="mapped twice"):
        parse_fields(["code=a", "code=b"])


def test_mapping_picks_columns_and_names_the_unused() -> None:
    choice = choose_columns(["编码", "名称", "面积", "备注"], {"code": "编码", "name": "名称"})
    assert choice.columns == {"code": "编码", "name": "名称", "parent_code": None}
    [warning] = choice.issues
    assert warning.severity == "warning" and warning.kind == "unused_columns"
    assert "面积, 备注" in warning.message


def test_usual_names_without_a_mapping() -> None:
    choice = choose_columns(["CODE", "网格名称"], {})
    assert choice.columns == {"code": "CODE", "name": "网格名称", "parent_code": None}
    assert choice.issues == []


def test_mapping_to_a_missing_column_is_an_error() -> None:
    choice = choose_columns(["编码", "名字"], {"name": "名称"})
    [error, warning] = choice.issues
    assert error.severity == "error" and error.kind == "unknown_column"
    assert error.field == "name" and "its columns are: 编码, 名字" in error.message
    assert choice.columns["code"] == "编码"  # the usual name still applies to the rest
    assert "名字" in warning.message
