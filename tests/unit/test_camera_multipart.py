"""Splitting the multipart bodies cameras send."""

from __future__ import annotations

import time

import pytest

from cameras.multipart import Part, boundary_of, split, xml_text
from gridsvc.errors import InvalidInput


def test_parts_by_content_length_even_when_the_data_holds_the_boundary() -> None:
    data = b"<a>--b</a>\r\n--b not a delimiter"
    body = b"--b\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n\r\n" % len(data)
    body += data + b"\r\n--b\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xd9\r\n--b--\r\n"
    first, second = split(body, "multipart/mixed; boundary=b")
    assert first.data == data and first.is_xml()
    assert second.data == b"\xff\xd8\xff\xd9" and not second.is_xml()


def test_a_wrong_content_length_falls_back_to_the_boundary() -> None:
    body = (
        b"--b\r\nContent-Length: 999\r\n\r\n<x/>\r\n--b\r\nContent-Length: 2\r\n\r\n<y/>\r\n--b--"
    )
    assert [p.data for p in split(body, "multipart/mixed; boundary=b")] == [b"<x/>", b"<y/>"]


def test_bare_line_feeds_and_a_missing_closing_delimiter() -> None:
    body = b'--b\nContent-Disposition: form-data; name="x.xml"\n\n<x/>\n--b\n\n<y/>\n'
    parts = split(body, 'multipart/form-data; boundary="b"')
    assert [p.data for p in parts] == [b"<x/>", b"<y/>"]
    assert parts[0].name == "x.xml" and parts[0].is_xml() and parts[1].is_xml()


def test_names_and_media_types() -> None:
    part = Part(
        {
            "content-disposition": 'form-data; name="licensePlatePicture.jpg"; filename="p.jpg"',
            "content-type": "Image/JPEG; x=1",
        },
        b"\xff\xd8",
    )
    assert (part.name, part.filename, part.content_type) == (
        "licensePlatePicture.jpg",
        "p.jpg",
        "image/jpeg",
    )


def test_no_boundary_or_no_part_is_invalid() -> None:
    with pytest.raises(InvalidInput):
        boundary_of("multipart/mixed")
    with pytest.raises(InvalidInput):
        split(b"nothing here", "multipart/mixed; boundary=b")


def test_xml_text_decodes_gb_declared_bodies() -> None:
    body = '<?xml version="1.0" encoding="GB2312"?><a>北门</a>'.encode("gbk")
    assert xml_text(body).endswith("<a>北门</a>")
    assert xml_text("<a>北门</a>".encode()) == "<a>北门</a>"


def test_many_parts_without_crlf_header_ends_split_in_linear_time() -> None:
    """Bare-LF parts (no CRLF CRLF anywhere) must not make each part rescan the body."""
    body = b"".join(b"--b\nContent-Type: text/plain\n\nx\n" for _ in range(9_000)) + b"--b--\n"
    started = time.perf_counter()
    parts = split(body, "multipart/mixed; boundary=b")
    assert time.perf_counter() - started < 0.3  # ~0.03 s; rescanning took ~0.8 s
    assert len(parts) == 9_000 and parts[-1].data == b"x"


def test_too_many_parts_is_refused() -> None:
    body = b"".join(b"--b\n\nx\n" for _ in range(10_001))
    with pytest.raises(InvalidInput, match="more than 10000 parts"):
        split(body, "multipart/mixed; boundary=b")
