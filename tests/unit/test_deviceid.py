from __future__ import annotations

import pytest

from cameras.deviceid import is_region_code, make_device_id, parse_device_id
from gridsvc.errors import InvalidInput


def test_decodes_each_part() -> None:
    d = parse_device_id("53030200051320000042")
    assert (d.centre, d.adcode, d.industry, d.type_code, d.network, d.serial) == (
        "53030200",
        "530302",
        "05",
        "132",
        0,
        "000042",
    )
    assert d.is_video and d.type_name == "IP camera" and d.type_name_zh == "网络摄像机"
    assert d.as_dict()["unit"] == "00"


def test_nvr_on_the_public_security_network() -> None:
    d = parse_device_id(make_device_id("530302", 7, type_code="118", network=5))
    assert d.type_name == "NVR" and d.network_name == "public-security network"
    assert not d.is_video


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("5303020005132000004", "19 digits"),
        ("530302000513200000421", "21 digits"),
        ("5303020005132000004X", "only digits"),
        ("53030200059990000042", "not a GB/T 28181 type code"),
        ("53030200051329000042", "not a network code"),
        ("", "only digits"),
    ],
)
def test_refuses_with_the_reason(code: str, why: str) -> None:
    with pytest.raises(InvalidInput, match=why) as info:
        parse_device_id(code, field="device_id")
    assert info.value.errors[0]["field"] == "device_id"


def test_region_codes() -> None:
    assert is_region_code("530302") and is_region_code("53030200")
    assert not is_region_code("5303020") and not is_region_code("53030200051320000042")
