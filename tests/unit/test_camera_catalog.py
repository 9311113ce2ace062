"""GB/T 28181 Catalog answers: multi-message sets, incomplete sets, GB2312 bodies, a bare &,
entities refused, items sorted into regions, groups, parents and cameras."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cameras.catalog import parent_of, read_catalog, split_documents
from gridsvc.errors import InvalidInput

SAMPLES = Path(__file__).parents[1] / "samples" / "cameras"
PART1 = (SAMPLES / "catalog_248_part1.xml").read_bytes()
PART2 = (SAMPLES / "catalog_248_part2.xml").read_bytes()
TWO = (SAMPLES / "catalog_301_two_messages.xml").read_bytes()
INCOMPLETE = (SAMPLES / "catalog_77_incomplete.xml").read_bytes()
ENTITY = (SAMPLES / "catalog_external_entity.xml").read_bytes()


def test_samples_are_gb2312_with_a_bare_ampersand() -> None:
    assert PART1.startswith(b'<?xml version="1.0" encoding="GB2312"?>')
    assert "春熙路".encode("gb2312") in PART1
    assert b"&" in PART1 and b"&amp;" not in PART1


def test_two_messages_of_one_sn_make_one_complete_set() -> None:
    result = read_catalog([PART1, PART2], department="police")
    [answer] = result.sets
    assert answer.summary() == {
        "device_id": "51010400002000000001",
        "sn": "248",
        "sum_num": 6,
        "messages": 2,
        "received": 6,
        "complete": True,
    }
    assert result.complete
    assert result.regions == ["510104"]
    assert result.groups == ["51010400002160000001"]
    assert result.parents == ["51010400001180000001"]
    ids = [record.device_id for _, record in result.cameras]
    assert ids == ["51010400001320000101", "51010400001320000102", "51010400001320000103"]


def test_camera_items_become_records() -> None:
    result = read_catalog([PART1, PART2], department="police")
    by_id = {r.device_id: r for _, r in result.cameras}
    east = by_id["51010400001320000101"]
    assert (east.name, east.department, east.manufacturer, east.civil_code) == (
        "春熙路东口",
        "police",
        "Hikvision",
        "510104",
    )
    assert east.address == "春熙路&红星路口"  # the bare & survived
    assert (east.lon, east.lat, east.ptz_type) == (104.112673, 30.603483, 3)
    assert east.attrs["catalog_status"] == "ON"
    dome = by_id["51010400001320000102"]
    assert dome.parent_id == "51010400001180000001"  # the last device parent of 'P/NVR'
    assert dome.ptz_type == 1
    half = by_id["51010400001320000103"]
    assert (half.lon, half.lat) == (None, None)  # 0.0/0.0: position unknown
    assert half.parent_id == "51010400002160000001"
    assert half.attrs["catalog_status"] == "OFF"


def test_owner_is_the_department_when_none_is_given() -> None:
    result = read_catalog([PART2])
    assert {r.department for _, r in result.cameras} == {"Owner"}


def test_a_body_with_two_concatenated_messages() -> None:
    assert len(split_documents(TWO)) == 2
    result = read_catalog([TWO], department="traffic")
    [answer] = result.sets
    assert (answer.messages, len(answer.items), answer.missing) == (2, 3, 0)
    assert [item.message for item, _ in result.cameras] == [1, 1, 2]


def test_incomplete_set_is_reported_with_what_is_missing() -> None:
    result = read_catalog([PART1], department="police")
    assert not result.complete
    summary = result.summary()["sets"][0]
    assert (summary["received"], summary["sum_num"], summary["missing"]) == (4, 6, 2)
    assert "announced 6 items, 4 arrived in 1 message(s); 2 missing" in summary["message"]


def test_bad_item_is_rejected_with_its_place_and_field() -> None:
    result = read_catalog([INCOMPLETE], department="police")
    assert [r.device_id for _, r in result.cameras] == ["51010400001320000301"]
    [(item, errors)] = result.rejected
    assert item.where == "SN 77, message 1, item 2"
    assert [(e.field, e.code) for e in errors] == [("ptz_type", "unparseable_value")]
    assert result.summary()["sets"][0]["missing"] == 3


def test_duplicate_items_across_messages_count_once() -> None:
    result = read_catalog([PART2, PART2], department="police")
    [answer] = result.sets
    assert len(answer.items) == 2 and len(answer.duplicates) == 2
    assert len(result.cameras) == 2


def test_external_entity_is_refused_quickly() -> None:
    start = time.perf_counter()
    with pytest.raises(InvalidInput) as caught:
        read_catalog([ENTITY])
    assert time.perf_counter() - start < 0.5
    assert caught.value.errors == [{"code": "forbidden_xml"}]


def test_entity_bomb_among_concatenated_messages_is_refused() -> None:
    bomb = b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
    with pytest.raises(InvalidInput) as caught:
        read_catalog([TWO + bomb + TWO])
    assert caught.value.errors == [{"code": "forbidden_xml"}]


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"<Response><CmdType>Catalog</CmdType><SN>1</SN>", "not well-formed"),
        (b"<Notify><CmdType>Keepalive</CmdType></Notify>", "not a GB/T 28181 Catalog"),
        (b"<Response><CmdType>Catalog</CmdType><SumNum>x</SumNum></Response>", "SumNum"),
        (b"", "empty"),
    ],
)
def test_unusable_messages(body: bytes, why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        read_catalog([body])


def test_undeclared_gbk_body() -> None:
    body = PART2.replace(b' encoding="GB2312"', b"")
    result = read_catalog([body], department="police")
    assert result.cameras[0][1].name == "红星路球机"


@pytest.mark.parametrize(
    ("text", "parent"),
    [
        ("51010400002000000001/51010400001180000001", "51010400001180000001"),
        ("51010400001180000001/51010400002160000001", "51010400001180000001"),
        ("51010400002160000001", "51010400002160000001"),
        ("510104", "510104"),
        (None, None),
    ],
)
def test_parent_of(text: str | None, parent: str | None) -> None:
    assert parent_of(text) == parent


def test_unclosed_responses_cost_linear_time() -> None:
    """Opening tags with no closing tag after them must not make the split quadratic."""
    body = b"<Response>" * 40_000
    started = time.perf_counter()
    assert split_documents(body) == [body]
    assert time.perf_counter() - started < 1.0
