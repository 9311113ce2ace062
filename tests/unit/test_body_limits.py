"""The body limit table and the counting, timed receive, without a server."""

from __future__ import annotations

import time

import anyio
import pytest

from gridsvc.api.limits import BodyRejected, _Body, body_limit, declared_length, needs_credentials
from gridsvc.settings import Settings

S = Settings(max_upload_bytes=300, max_locate_bytes=200, max_body_bytes=100)


@pytest.mark.parametrize(
    ("method", "path", "limit"),
    [
        ("POST", "/api/v1/grids/import", 300),
        ("POST", "/api/v1/layers/", 300),
        ("POST", "/api/v1/locate", 200),
        ("POST", "/api/v1/cells/aggregate", 200),
        ("POST", "/api/v1/layers/propose", 100),
        ("GET", "/api/v1/locate", 100),
        ("POST", "/login", 100),
    ],
)
def test_body_limit_per_route(method: str, path: str, limit: int) -> None:
    assert body_limit(method, path, S) == limit


def test_needs_credentials() -> None:
    assert needs_credentials("POST", "/api/v1/layers")
    assert not needs_credentials("GET", "/api/v1/layers")
    assert not needs_credentials("POST", "/login")


def test_declared_length() -> None:
    assert declared_length({"headers": [(b"content-length", b"12")]}) == 12
    assert declared_length({"headers": []}) is None
    for bad in (b"x", b"-1"):
        with pytest.raises(ValueError):
            declared_length({"headers": [(b"content-length", bad)]})


def chunks(*parts: bytes, pause: float = 0.0):  # type: ignore[no-untyped-def]
    """A receive() handing out ``parts``, waiting ``pause`` seconds before each."""
    queue = list(parts)

    async def receive():  # type: ignore[no-untyped-def]
        await anyio.sleep(pause)
        body = queue.pop(0)
        return {"type": "http.request", "body": body, "more_body": bool(queue)}

    return receive


def drain(body: _Body) -> int:
    async def run() -> int:
        while not body.complete:
            await body()
        return body.received

    return anyio.run(run)


def test_counts_chunks_and_stops_past_the_limit() -> None:
    assert drain(_Body(chunks(b"a" * 60, b"b" * 40), 100, 5, time.monotonic() + 5)) == 100
    body = _Body(chunks(b"a" * 60, b"b" * 41, b"c" * 1000), 100, 5, time.monotonic() + 5)
    with pytest.raises(BodyRejected) as info:
        drain(body)
    assert info.value.status_code == 413 and body.received == 101


def test_idle_timeout_and_deadline() -> None:
    stalled = _Body(chunks(b"a", b"b", pause=0.3), 100, 0.05, time.monotonic() + 5)
    with pytest.raises(BodyRejected, match="stalled for more than 0.05 s") as info:
        drain(stalled)
    assert info.value.status_code == 408
    slow = _Body(chunks(*[b"x"] * 20, pause=0.04), 100, 0.1, time.monotonic() + 0.3)
    with pytest.raises(BodyRejected, match="not received in time"):
        drain(slow)
    assert slow.received < 20
