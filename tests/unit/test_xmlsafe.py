from __future__ import annotations

import time

import pytest

from cameras.xmlsafe import find_all, local, parse_xml, text_of
from gridsvc.errors import InvalidInput

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<lolz>&lol9;</lolz>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>"""


def test_namespaces_are_matched_by_local_name() -> None:
    for ns in ("http://www.hikvision.com/ver20/XMLSchema", "http://www.isapi.org/ver20/XMLSchema"):
        root = parse_xml(
            f'<EventNotificationAlert xmlns="{ns}"><a><b> 7 </b></a>'
            "</EventNotificationAlert>".encode()
        )
        assert local(root.tag) == "EventNotificationAlert"
        assert text_of(root, "a", "b") == "7"
    root = parse_xml(b"<EventNotificationAlert><a><b>8</b></a></EventNotificationAlert>")
    assert text_of(root, "a", "b") == "8" and text_of(root, "a", "c") is None


def test_bare_ampersand_is_tolerated_and_entities_kept() -> None:
    root = parse_xml(b"<r><n>A & B &amp; C &#x4e2d; &lt;</n></r>")
    assert text_of(root, "n") == "A & B & C \u4e2d <"


def test_gb2312_declared_body_is_decoded_as_gb18030() -> None:
    body = '<?xml version="1.0" encoding="GB2312"?><r><n>麒麟区南宁西路</n></r>'.encode("gb18030")
    assert text_of(parse_xml(body), "n") == "麒麟区南宁西路"


def test_undeclared_gbk_body_is_decoded() -> None:
    body = "<r><n>珠街</n></r>".encode("gbk")
    assert [e.text for e in find_all(parse_xml(body), "n")] == ["珠街"]


@pytest.mark.parametrize("body", [BOMB, XXE], ids=["entity-expansion", "external-entity"])
def test_dtds_and_entities_are_refused_at_once(body: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidInput, match="DTDs, entities") as info:
        parse_xml(body)
    assert time.perf_counter() - started < 0.1
    assert info.value.errors[0]["code"] == "forbidden_xml"


@pytest.mark.parametrize("body", [b"", b"   ", b"<r><unclosed></r>", b"not xml"])
def test_malformed_bodies(body: bytes) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_xml(body)
    assert info.value.errors[0]["code"] == "malformed"
