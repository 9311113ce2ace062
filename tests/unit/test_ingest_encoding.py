"""Shapefile attribute encodings: declared, detected, and decoded value by value."""

from __future__ import annotations

import pytest

from ingest import encoding as enc

NAME = "海沧街道"


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("GBK", "gb18030"),
        ("936", "gb18030"),
        ("cp936", "gb18030"),
        ("GB2312", "gb18030"),
        ("UTF-8", "utf-8"),
        ("utf8", "utf-8"),
        ("65001", "utf-8"),
        ("latin1", "latin-1"),
        ("Big5", "big5"),
        ("windows-1252", "cp1252"),
    ],
)
def test_normalise(label: str, codec: str) -> None:
    assert enc.normalise(label) == codec


def test_unknown_encoding() -> None:
    with pytest.raises(ValueError, match="unknown encoding 'klingon'"):
        enc.normalise("klingon")
    assert enc.from_cpg("klingon") is None
    assert enc.from_cpg("  ") is None
    assert enc.from_cpg("UTF-8\r\n") == "utf-8"


def test_ldid() -> None:
    assert enc.from_ldid(0x4D) == "gb18030"
    assert enc.from_ldid(0) is None  # no mark: detect
    assert enc.from_ldid(0x57) is None  # "ANSI": the writer's code page, unknown here
    assert enc.from_ldid(0xFE) is None


def test_detect() -> None:
    assert enc.detect([b"code", NAME.encode("utf-8")]) == "utf-8"
    assert enc.detect([b"code", NAME.encode("gbk")]) == "gb18030"
    assert enc.detect([]) == "utf-8"


def test_decode_column_reports_each_bad_value() -> None:
    raw = [NAME.encode("gbk"), None, b"plain", "社区".encode("gbk")]
    good = enc.decode_column(raw, "gb18030")
    assert good.values == [NAME, None, "plain", "社区"] and good.failures == []
    bad = enc.decode_column(raw, "utf-8")
    assert bad.values == [None, None, "plain", None]
    assert [row for row, _ in bad.failures] == [0, 3]
    assert "are not valid utf-8" in bad.failures[0][1]


def test_decode_name_never_guesses() -> None:
    assert enc.decode_name("名称".encode("gbk"), "gb18030") == "名称"
    assert "\ufffd" in enc.decode_name("名称".encode("gbk"), "utf-8")
