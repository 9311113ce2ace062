"""Stream URLs: checked, and their credentials hidden from everyone but admins."""

from __future__ import annotations

import pytest

from cameras.streams import StreamError, check_url, mask_url, masked, parse_streams


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "rtsp://admin:Hik12345@192.168.1.64:554/Streaming/Channels/101",
            "rtsp://***@192.168.1.64:554/Streaming/Channels/101",
        ),
        ("rtsp://admin@10.0.0.1/live", "rtsp://***@10.0.0.1/live"),
        (
            "https://u:p%40ss@cdn.example.cn/live.m3u8?token=1",
            "https://***@cdn.example.cn/live.m3u8?token=***",
        ),
        ("rtsp://user#1:secret@10.0.0.1/live", "rtsp://***@10.0.0.1/live"),
        ("rtsp://admin:pa/ss@10.0.0.1/live", "rtsp://***@10.0.0.1/live"),
        (
            "http://10.0.0.5/cgi-bin/mjpg.cgi?user=admin&pwd=secret&res=hd",
            "http://10.0.0.5/cgi-bin/mjpg.cgi?user=***&pwd=***&res=hd",
        ),
        ("rtmp://media.example.cn/live/101", "rtmp://media.example.cn/live/101"),
    ],
)
def test_mask_url(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_masked_keeps_names() -> None:
    streams = [{"name": "main", "url": "rtsp://a:b@h/1"}, {"name": "sub", "url": "rtsp://h/2"}]
    assert masked(streams) == [
        {"name": "main", "url": "rtsp://***@h/1"},
        {"name": "sub", "url": "rtsp://h/2"},
    ]
    assert "b@" not in str(masked(streams))


@pytest.mark.parametrize(
    "url",
    [
        "rtsp://h/1",
        "rtsps://h:322/x",
        "rtmp://h/app/s",
        "http://h/x.flv",
        "https://h/x.m3u8",
        "srt://h:9000",
    ],
)
def test_stream_schemes(url: str) -> None:
    assert check_url(url, "x") == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://h/x", "scheme 'ftp'"),
        ("h/x", r"scheme '\(none\)'"),
        ("rtsp:///x", "names no host"),
        ("rtsp://h:99999/x", "not a valid URL"),
        ("rtsp://h/a b", "blanks"),
        ("", "missing"),
    ],
)
def test_bad_urls(url: str, why: str) -> None:
    with pytest.raises(StreamError, match=why):
        check_url(url, "streams[0]")


@pytest.mark.parametrize(
    "url",
    [
        "rtsp://admin:secret@/x",
        "rtsp://admin:Abc#secret@10.0.0.1:554/x",
        "rtsp://user?x:secret@10.0.0.1/live",
    ],
)
def test_bad_url_message_hides_credentials(url: str) -> None:
    with pytest.raises(StreamError) as caught:
        check_url(url, "streams[0]")
    assert "secret" not in str(caught.value)


def test_unencoded_credentials_are_refused_and_a_query_at_is_not() -> None:
    with pytest.raises(StreamError, match="percent-encoded"):
        check_url("rtsp://user#1:secret@10.0.0.1/live", "streams[0]")
    assert check_url("rtsp://10.0.0.1/live?tag=a@b", "x") == "rtsp://10.0.0.1/live?tag=a@b"


def test_parse_cell_and_lists() -> None:
    assert parse_streams("rtsp://h/1") == [{"name": "main", "url": "rtsp://h/1"}]
    assert parse_streams(["rtsp://h/1", "rtsp://h/2"])[1]["name"] == "stream2"
    with pytest.raises(StreamError, match="given twice"):
        parse_streams("main=rtsp://h/1;main=rtsp://h/2")
    with pytest.raises(StreamError, match="name and url only"):
        parse_streams([{"name": "main", "url": "rtsp://h/1", "user": "x"}])
    with pytest.raises(StreamError, match="at most"):
        parse_streams([f"rtsp://h/{i}" for i in range(9)])
