"""Cross-site checks, client addresses, HTTPS behind a proxy and session tokens (pure)."""

from __future__ import annotations

import pytest

from gridsvc import csrf, sessions

PROXIES = frozenset({"127.0.0.1"})


@pytest.mark.parametrize(
    ("method", "origin", "referer", "host", "allowed"),
    [
        ("GET", "https://evil.example", None, "grid.example", True),
        ("POST", "https://grid.example", None, "grid.example", True),
        ("POST", "HTTPS://Grid.Example:443", None, "grid.example", True),
        ("DELETE", "http://grid.example:8000", None, "grid.example:8000", True),
        ("POST", None, "https://grid.example/map?x=1", "grid.example", True),
        ("POST", "https://portal.example", None, "grid.example", True),  # trusted
        ("POST", "https://evil.example", None, "grid.example", False),
        ("POST", "https://grid.example.evil.example", None, "grid.example", False),
        ("PATCH", "http://grid.example:8001", None, "grid.example:8000", False),
        ("PUT", None, "https://evil.example/", "grid.example", False),
        ("POST", None, None, "grid.example", False),
        ("POST", "null", None, "grid.example", False),
        ("POST", "file://x", None, "grid.example", False),
    ],
)
def test_cross_site_reason(
    method: str, origin: str | None, referer: str | None, host: str, allowed: bool
) -> None:
    reason = csrf.cross_site_reason(
        method, origin, referer, host, "https", ("https://portal.example",)
    )
    assert (reason is None) is allowed, reason


def test_reasons_name_the_header() -> None:
    reason = csrf.cross_site_reason("POST", None, "https://evil.example/x", "a.example", "https")
    assert reason and "Referer" in reason and "https://evil.example" in reason
    reason = csrf.cross_site_reason("POST", None, None, "a.example", "https")
    assert reason and "Origin or Referer" in reason


def test_client_address_believes_only_trusted_proxies() -> None:
    assert csrf.client_address("203.0.113.9", "10.0.0.1", PROXIES) == "203.0.113.9"
    assert csrf.client_address("127.0.0.1", "198.51.100.2, 127.0.0.1", PROXIES) == "198.51.100.2"
    assert csrf.client_address("127.0.0.1", "1.1.1.1, 198.51.100.2", PROXIES) == "198.51.100.2"
    assert csrf.client_address("127.0.0.1", None, PROXIES) == "127.0.0.1"
    assert csrf.client_address(None, "1.1.1.1", PROXIES) is None


def test_https_and_the_secure_flag() -> None:
    assert csrf.is_https("https", None, "203.0.113.9", PROXIES)
    assert csrf.is_https("http", "https", "127.0.0.1", PROXIES)
    assert not csrf.is_https("http", "https", "203.0.113.9", PROXIES)
    assert csrf.cookie_secure("auto", True) and not csrf.cookie_secure("auto", False)
    assert csrf.cookie_secure("true", False) and not csrf.cookie_secure("false", True)


def test_session_tokens() -> None:
    token, stored = sessions.new_token("s3cret")
    assert sessions.verify(token, "s3cret") == stored
    assert stored not in token and len(stored) == 64
    assert sessions.verify(token, "other") is None
    tampered = token[:-1] + ("1" if token[-1] == "0" else "0")
    assert sessions.verify(tampered, "s3cret") is None
    assert sessions.verify("garbage", "s3cret") is None
    assert sessions.new_token("s3cret")[1] != stored
