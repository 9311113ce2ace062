"""Mapping files: the SPEC §8 example, and a specific error for each kind of mistake."""

from __future__ import annotations

import pytest

from gridsvc.errors import InvalidInput
from ingest.mapfile import MappingSpec, load_mapping

SPEC_EXAMPLE = """
kind: person
source: 公安人口库            # idempotency namespace with external_id
crs: gcj02
encoding: gbk
sheet: 人口
fields:
  external_id: 人员编号
  name: 姓名
  id_number: 公民身份号码
  lon: 经度
  lat: 纬度
  registration: 户籍类型
values:
  registration: {户籍: registered, 流动: floating, 境外: foreign}
tags:
  column: 标签
  flags: {是否独居老人: elderly_alone, 是否党员: 党员}
"""

MINIMAL = "kind: place\nsource: s\nfields: {external_id: id, kind: 类型, name: 名称}\n"


def test_spec_example_loads() -> None:
    spec = load_mapping(SPEC_EXAMPLE, kind="person")
    assert (spec.kind, spec.source, spec.crs, spec.encoding, spec.sheet) == (
        "person",
        "公安人口库",
        "gcj02",
        "gb18030",
        "人口",
    )
    assert spec.fields["id_number"] == "公民身份号码"
    assert spec.values["registration"]["流动"] == "floating"
    assert spec.tag_column == "标签"
    assert spec.tag_flags == {"是否独居老人": "elderly_alone", "是否党员": "party_member"}
    assert spec.source_columns()[-3:] == ["标签", "是否独居老人", "是否党员"]


def test_round_trip_through_dict() -> None:
    spec = load_mapping(SPEC_EXAMPLE)
    again = MappingSpec.from_dict(spec.to_dict())
    assert again == spec
    assert load_mapping(MINIMAL).to_dict() == {
        "kind": "place",
        "source": "s",
        "fields": {"external_id": "id", "kind": "类型", "name": "名称"},
    }


def test_scalars_stay_text() -> None:
    spec = load_mapping(
        "kind: person\nsource: s\ncrs: 4326\nfields: {external_id: 001, name: 姓名}\n"
        "values: {name: {Y: yes, 1: one}}\n"
    )
    assert spec.crs == "EPSG:4326"
    assert spec.fields["external_id"] == "001"
    assert spec.values["name"] == {"Y": "yes", "1": "one"}


def test_kind_comes_from_the_command_line_when_absent() -> None:
    spec = load_mapping("source: s\nfields: {external_id: id, kind: k, name: n}", kind="place")
    assert spec.kind == "place"


#: A valid person mapping that each case below extends or breaks.
P = "kind: person\nsource: s\nfields: {external_id: a, name: b}\n"
PLACE = "kind: place\nsource: s\n"
MISTAKES = [
    (P + "extra: 1", None, "unknown key(s) extra"),
    ("kind: robot\nsource: s\nfields: {external_id: a}", None, "kind 'robot' is unknown"),
    (
        PLACE + "fields: {external_id: a, kind: k, name: n}",
        "person",
        "is for kind 'place' but the import is for kind 'person'",
    ),
    ("source: s\nfields: {external_id: a}", None, "'kind' is required"),
    ("kind: person\nfields: {external_id: a, name: b}", None, "'source' is required"),
    (
        "kind: person\nsource: s\nfields: {external_id: a, name: b, height: h}",
        None,
        "fields height are not fields of kind person",
    ),
    ("kind: person\nsource: s\nfields: {name: b}", None, "must map external_id"),
    (PLACE + "fields: {external_id: a, name: b}", None, "kind place requires field(s) kind"),
    (
        "kind: person\nsource: s\nfields: {external_id: a, name: b, lon: x}",
        None,
        "both lon and lat",
    ),
    (P + "crs: mars", None, "crs: Coordinate system 'mars' is not recognised"),
    (P + "crs: EPSG:999999", None, "not a known EPSG code"),
    (P + "encoding: klingon", None, "encoding: unknown encoding 'klingon'"),
    (P + "values: {gender: {男: male}}", None, "values for 'gender', which is not a mapped"),
    (
        "kind: person\nsource: s\nfields: {external_id: a, name: b, gender: g}\n"
        "values: {gender: {男: man}}",
        None,
        "values.gender maps to man, not one of male, female",
    ),
    (P + "tags: {flags: {c: 会员}}", None, "'会员' is not a care tag"),
    (
        P + "tags: {flags: {c: 党员, d: party_member}}",
        None,
        "gives tag party_member from two columns",
    ),
    (P + "tags: {colour: c}", None, "unknown key(s) tags.colour"),
    (P + "tags: {}", None, "'tags' needs a column, flags, or both"),
    ("kind: person\nsource: s\nsource: t\n", None, "line 3: key 'source' is given twice"),
    ("kind: person\nsource: [s, t]\n", None, "'source' must be a single text value"),
    ("kind: person\nsource: s\nfields: {external_id: [a]}", None, "'fields.external_id' must"),
    ("kind: [", None, "mapping file could not be read at line"),
    ("- a\n- b", None, "must be a YAML mapping"),
]


@pytest.mark.parametrize(("text", "kind", "expected"), MISTAKES)
def test_mistakes_are_named(text: str, kind: str | None, expected: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_mapping(text, kind=kind)
    assert expected in caught.value.detail


def test_tags_values_extend_the_care_tags() -> None:
    spec = load_mapping(
        "kind: person\nsource: s\nfields: {external_id: a, name: b}\n"
        "values: {tags: {高龄: very_old}}\ntags: {column: t, flags: {c: very_old}}\n"
    )
    assert "very_old" in spec.tag_codes() and "elderly_alone" in spec.tag_codes()
    assert spec.tag_flags == {"c": "very_old"}
