"""Mapping files for the camera registry: kind camera, keyed by device_id, camera fields."""

from __future__ import annotations

import pytest

from gridsvc.errors import InvalidInput
from ingest.mapfile import MappingSpec, load_mapping

CAMERA_MAP = """kind: camera
source: 交通卡口台账
crs: gcj02
fields:
  device_id: 编码
  name: 名称
  department: 部门
  lon: 经度
  lat: 纬度
  ptz_type: 类型
  aliases: 别名
values:
  department: {交警: traffic}
  ptz_type: {球机: "1"}
tags:
  column: 标签
"""


def test_camera_mapping() -> None:
    spec = load_mapping(CAMERA_MAP, kind="camera")
    assert (spec.kind, spec.crs, spec.fields["device_id"]) == ("camera", "gcj02", "编码")
    assert spec.values["ptz_type"] == {"球机": "1"}
    assert MappingSpec.from_dict(spec.to_dict()) == spec


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (CAMERA_MAP.replace("  device_id: 编码\n", ""), "must map device_id"),
        (CAMERA_MAP.replace("  department: 部门\n", ""), "requires field.*department"),
        (CAMERA_MAP.replace("  name: 名称\n", "  name: 名称\n  id_number: 身份证\n"), "id_number"),
        (CAMERA_MAP.replace("  lat: 纬度\n", ""), "both lon and lat"),
    ],
)
def test_bad_camera_mappings(text: str, why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        load_mapping(text, kind="camera")


def test_kinds_do_not_mix() -> None:
    with pytest.raises(InvalidInput, match="is for kind 'camera' but the import is for kind"):
        load_mapping(CAMERA_MAP, kind="person")
