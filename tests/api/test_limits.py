"""Bounded requests: bodies refused unread when too large or unauthenticated, and in time.

The app is driven at the ASGI level with a ``receive`` that records how many body bytes
were taken, and through a real uvicorn server with a raw socket for slow bodies.
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
import zipfile
from collections.abc import Iterator

import anyio
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gridsvc.api.app import create_app
from gridsvc.db.embedded import free_port
from gridsvc.settings import Settings
from tests.api.conftest import auth
from tests.conftest import SCRATCH_DISTRICT

LIMITS = {
    "max_body_bytes": 2_000,
    "max_locate_bytes": 4_000,
    "max_upload_bytes": 20_000,
    "zip_max_members": 10,
    "zip_max_ratio": 50.0,
}


@pytest.fixture(scope="module")
def limited(database_url: str, demo_district: str) -> Iterator[tuple[TestClient, FastAPI]]:
    settings = Settings(database_url=database_url, default_district=demo_district, **LIMITS)
    app = create_app(settings)
    with TestClient(app) as client:
        yield client, app


class Consumed:
    """Body chunks handed to the app one at a time, counting what it took."""

    def __init__(self, chunks: list[bytes]):
        self.chunks = chunks
        self.taken = 0

    async def receive(self) -> dict:
        if not self.chunks:
            return {"type": "http.disconnect"}
        body = self.chunks.pop(0)
        self.taken += len(body)
        return {"type": "http.request", "body": body, "more_body": bool(self.chunks)}


def call(app: FastAPI, path: str, headers: dict[str, str], chunks: list[bytes]):  # type: ignore[no-untyped-def]
    """POST ``chunks`` to ``path``; (status, headers, JSON body, bytes the app took)."""
    body = Consumed(chunks)
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    anyio.run(app, scope, body.receive, send)
    start = sent[0]
    payload = b"".join(m.get("body", b"") for m in sent[1:])
    head = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], head, json.loads(payload), body.taken


def check_problem(status: int, head: dict, problem: dict, expected: int, path: str) -> None:
    assert status == expected, problem
    assert head["content-type"] == "application/problem+json"
    assert problem["status"] == expected and problem["instance"] == path
    assert problem["title"] and problem["detail"] and problem["type"] == "about:blank"


def test_declared_oversize_is_refused_unread(limited, keys) -> None:  # type: ignore[no-untyped-def]
    _, app = limited
    headers = {
        **auth(keys["operator"]),
        "content-type": "application/json",
        "content-length": str(10**9),
    }
    status, head, problem, taken = call(app, "/api/v1/locate", headers, [b"x" * 1000] * 5)
    check_problem(status, head, problem, 413, "/api/v1/locate")
    assert taken == 0 and "4000 bytes" in problem["detail"]
    assert head["connection"] == "close"


def test_chunked_oversize_is_refused_at_the_limit(limited, keys) -> None:  # type: ignore[no-untyped-def]
    _, app = limited
    headers = {
        **auth(keys["operator"]),
        "content-type": "application/json",
        "transfer-encoding": "chunked",
    }
    status, head, problem, taken = call(app, "/api/v1/locate", headers, [b" " * 1000] * 50)
    check_problem(status, head, problem, 413, "/api/v1/locate")
    assert taken == 5000  # the chunk that passed 4000 bytes, and nothing after it


def test_other_routes_get_the_small_default(limited) -> None:  # type: ignore[no-untyped-def]
    _, app = limited
    headers = {"content-type": "application/x-www-form-urlencoded", "transfer-encoding": "chunked"}
    status, head, problem, taken = call(app, "/login", headers, [b"x" * 1500] * 4)
    check_problem(status, head, problem, 413, "/login")
    assert taken == 3000 and "2000 bytes" in problem["detail"]


@pytest.mark.parametrize(
    "credentials",
    [
        {},
        {"authorization": "Bearer gsk_nope_nope"},
        {
            "cookie": "gridsvc_session=forged.1.x",
            "origin": "http://testserver",
            "host": "testserver",
        },
    ],
    ids=["none", "bad-key", "bad-cookie"],
)
def test_unauthenticated_upload_is_refused_unread(limited, credentials) -> None:  # type: ignore[no-untyped-def]
    _, app = limited
    headers = {
        **credentials,
        "content-type": "multipart/form-data; boundary=b",
        "content-length": "10000",
    }
    status, head, problem, taken = call(app, "/api/v1/grids/import", headers, [b"x" * 5000] * 2)
    check_problem(status, head, problem, 401, "/api/v1/grids/import")
    assert taken == 0 and head["www-authenticate"] == "Bearer"


def test_oversize_upload_unauthenticated_is_401_authenticated_413(limited, keys) -> None:  # type: ignore[no-untyped-def]
    _, app = limited
    big = {"content-type": "multipart/form-data; boundary=b", "content-length": str(10**8)}
    status, *_, taken = call(app, "/api/v1/layers", big, [b"x" * 5000])
    assert (status, taken) == (401, 0)
    status, *_, taken = call(app, "/api/v1/layers", {**big, **auth(keys["admin"])}, [b"x" * 5000])
    assert (status, taken) == (413, 0)


def test_bodies_within_the_limits_go_through(limited, keys) -> None:  # type: ignore[no-untyped-def]
    client, _ = limited
    points = {"points": [[104.08, 30.65]] * 50}
    r = client.post("/api/v1/locate", headers=auth(keys["operator"]), json=points)
    assert r.status_code == 200, r.text
    r = client.post("/api/v1/locate", headers=auth(keys["operator"]), content=b" " * 4001)
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"


def zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


SHP_HEAD = b"\x00\x00\x27\x0a" + b"\x00" * 96


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        (
            {"grids.shp": SHP_HEAD, "grids.dbf": b"\x00" * 5_000_000},
            "times; at most 50 is accepted",
        ),
        ({f"f{i}.txt": b"x" for i in range(11)} | {"a.shp": SHP_HEAD}, "holds 12 files"),
        ({"../../grids.shp": SHP_HEAD}, "climbs out of the archive"),
        ({"/tmp/grids.shp": SHP_HEAD}, "absolute path"),
    ],
    ids=["zip-bomb", "too-many-members", "traversal", "absolute"],
)
def test_hostile_zips_are_refused_before_gdal(limited, keys, members, reason) -> None:  # type: ignore[no-untyped-def]
    client, _ = limited
    content = zip_of(members)
    assert len(content) < LIMITS["max_upload_bytes"]
    r = client.post(
        "/api/v1/grids/import",
        headers=auth(keys["admin"]),
        data={"crs": "EPSG:4326", "level": "street", "district": SCRATCH_DISTRICT},
        files={"file": ("grids.zip", content)},
    )
    assert r.status_code == 422, r.text
    assert reason in r.json()["detail"] and "/tmp/gridsvc" not in r.text


@pytest.fixture(scope="module")
def server(database_url: str, demo_district: str) -> Iterator[int]:
    """A real uvicorn server with a 3 s idle timeout and an 8 s body deadline (margins wide
    enough for a loaded CI machine, where a 0.2 s pause has stretched past 1.5 s)."""
    settings = Settings(
        database_url=database_url,
        default_district=demo_district,
        body_timeout_seconds=3.0,
        body_deadline_seconds=8.0,
    )
    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", ws="none"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    yield port
    srv.should_exit = True
    thread.join(10)


def raw_request(port: int, head: str, pieces: list[bytes], pause: float) -> tuple[bytes, float]:
    """Send ``head`` then ``pieces`` every ``pause`` seconds; the answer and its delay."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        start = time.monotonic()
        s.sendall(head.replace("\n", "\r\n").encode() + b"\r\n")
        for piece in pieces:
            s.sendall(piece)
            s.settimeout(pause)
            try:
                answer = s.recv(65536)
            except TimeoutError:
                continue
            return answer, time.monotonic() - start
        s.settimeout(10)
        return s.recv(65536), time.monotonic() - start


def post_head(path: str, key: str | None, length: int, content_type: str) -> str:
    bearer = f"Authorization: Bearer {key}\n" if key else ""
    return (
        f"POST {path} HTTP/1.1\nHost: localhost\n{bearer}Content-Type: {content_type}\n"
        f"Content-Length: {length}\n"
    )


def test_stalled_body_gets_408(server, keys) -> None:  # type: ignore[no-untyped-def]
    head = post_head("/api/v1/locate", keys["operator"], 1000, "application/json")
    answer, took = raw_request(server, head, [b'{"points": ['], pause=10)
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert b"application/problem+json" in answer and b"stalled for more than 3 s" in answer
    assert took < 10


def test_trickled_upload_gets_408_at_the_deadline(server, keys) -> None:  # type: ignore[no-untyped-def]
    head = post_head(
        "/api/v1/grids/import", keys["admin"], 100_000, "multipart/form-data; boundary=b"
    )
    answer, took = raw_request(server, head, [b"--b\r\n"] + [b"x"] * 90, pause=0.2)
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert b"not received in time" in answer
    assert 7.5 < took < 14


def test_server_refuses_before_the_body_is_sent(server, keys) -> None:  # type: ignore[no-untyped-def]
    ctype = "multipart/form-data; boundary=b"
    answer, took = raw_request(server, post_head("/api/v1/layers", None, 10**6, ctype), [], 0)
    assert answer.startswith(b"HTTP/1.1 401") and took < 2
    big = post_head("/api/v1/layers", keys["admin"], 10**10, ctype)
    answer, took = raw_request(server, big, [], 0)
    assert answer.startswith(b"HTTP/1.1 413") and took < 2


def test_cross_site_cookie_upload_is_refused_unread(limited) -> None:  # type: ignore[no-untyped-def]
    _, app = limited
    headers = {
        "cookie": "gridsvc_session=forged.1.x",
        "origin": "https://elsewhere.example",
        "host": "testserver",
        "content-type": "multipart/form-data; boundary=b",
        "content-length": "10000",
    }
    status, head, problem, taken = call(app, "/api/v1/grids/import", headers, [b"x" * 5000] * 2)
    check_problem(status, head, problem, 403, "/api/v1/grids/import")
    assert taken == 0
