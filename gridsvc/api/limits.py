"""Request bodies bounded while they stream in; callers checked before a body is read.

A pure ASGI middleware, outermost of the app's own. Before a body-carrying request to the
API reaches a route, the caller's credentials are checked (the same check as the
``current_principal`` dependency: FastAPI reads multipart bodies before it resolves
dependencies, so only here is an unauthenticated upload refused unread). A declared
``Content-Length`` over the route's limit is refused at once (413); a chunked body is
counted as it arrives and refused when it passes the limit. A body that stalls longer than
the idle timeout between chunks, or is not complete by the deadline, is refused with 408.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import NoReturn

import anyio
from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gridsvc.api.deps import current_principal
from gridsvc.api.problems import problem
from gridsvc.errors import Forbidden, Unauthorized
from gridsvc.settings import Settings
from ingest.kinds import KINDS

#: (method, path) → the Settings field holding its body limit; any other request gets
#: ``max_body_bytes``.
ROUTE_LIMITS: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/grids/import"): "max_upload_bytes",
    ("POST", "/api/v1/layers"): "max_upload_bytes",
    ("POST", "/api/v1/locate"): "max_locate_bytes",
    ("POST", "/api/v1/cells/aggregate"): "max_locate_bytes",
    ("POST", "/api/v1/cameras/catalog"): "max_locate_bytes",
    ("POST", "/api/v1/camera-events"): "max_camera_event_bytes",
    **{("POST", f"/api/v1/ingest/{kind}"): "max_ingest_bytes" for kind in KINDS},
    ("POST", "/api/v1/ingest/isapi"): "max_camera_event_bytes",
    ("POST", "/api/v1/ingest/onvif"): "max_camera_event_bytes",
}
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PROTECTED_PREFIX = "/api/"


def body_limit(method: str, path: str, settings: Settings) -> int:
    """The most bytes a request body to ``method path`` may have."""
    field = ROUTE_LIMITS.get((method, path.rstrip("/") or "/"), "max_body_bytes")
    return int(getattr(settings, field))


def needs_credentials(method: str, path: str) -> bool:
    """Whether a request must show valid credentials before its body is read."""
    return method in BODY_METHODS and path.startswith(PROTECTED_PREFIX)


def declared_length(scope: Scope) -> int | None:
    """The request's Content-Length, None when absent; ValueError when not a number."""
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            length = int(value)
            if length < 0:
                raise ValueError(value)
            return length
    return None


class BodyRejected(HTTPException):
    """The body broke a limit while being read; the middleware answers for it."""


@dataclass
class _Body:
    """A ``receive`` that counts body bytes and bounds the waits between chunks."""

    receive: Receive
    limit: int
    idle_seconds: float
    deadline: float  # time.monotonic() by which the whole body must be in
    received: int = 0
    complete: bool = False
    failure: BodyRejected | None = None

    async def __call__(self) -> Message:
        if self.complete:  # later calls wait for a disconnect: no limits apply
            return await self.receive()
        wait = min(self.idle_seconds, self.deadline - time.monotonic())
        if wait <= 0:
            self._fail(408, "the request body was not received in time")
        try:
            with anyio.fail_after(wait):
                message = await self.receive()
        except TimeoutError:
            if time.monotonic() >= self.deadline:
                self._fail(408, "the request body was not received in time")
            self._fail(408, f"the request body stalled for more than {self.idle_seconds:g} s")
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                self._fail(413, too_large(self.limit))
            self.complete = not message.get("more_body", False)
        return message

    def _fail(self, status: int, detail: str) -> NoReturn:
        self.failure = BodyRejected(status, detail)
        raise self.failure


def too_large(limit: int) -> str:
    """The detail of a 413: the limit in bytes and MB."""
    return f"the request body is larger than the limit of {limit} bytes ({limit / 1024**2:g} MB)"


def _refusal(request: Request, status: int, detail: str) -> JSONResponse:
    response = problem(status, detail, request)
    if status in (408, 413):
        response.headers["Connection"] = "close"
    return response


class BodyLimits:
    """ASGI middleware: credentials before bodies, and bodies bounded in size and time."""

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal = await self._refusal(request)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        s = self.settings
        body = _Body(
            receive,
            body_limit(request.method, request.url.path, s),
            s.body_timeout_seconds,
            time.monotonic() + s.body_deadline_seconds,
        )
        await self._guarded(scope, body, send, request)

    async def _refusal(self, request: Request) -> JSONResponse | None:
        """A response refusing the request before its body is read, or None to go on."""
        if needs_credentials(request.method, request.url.path):
            engine = request.app.state.engine
            try:
                await anyio.to_thread.run_sync(current_principal, request, engine)
            except (Unauthorized, Forbidden) as exc:  # no key, or a cross-site cookie write
                return problem(exc.status, exc.detail, request)
        limit = body_limit(request.method, request.url.path, self.settings)
        try:
            length = declared_length(request.scope)
        except ValueError:
            return _refusal(request, 400, "the Content-Length header is not a byte count")
        if length is not None and length > limit:
            return _refusal(request, 413, too_large(limit))
        return None

    async def _guarded(self, scope: Scope, body: _Body, send: Send, request: Request) -> None:
        """Run the app; once the body broke a limit, answer its problem instead of the app."""
        started = replaced = False

        async def guarded_send(message: Message) -> None:
            nonlocal started, replaced
            if message["type"] == "http.response.start":
                started = True
                if body.failure is not None:
                    replaced = True
                    fail = body.failure
                    await _refusal(request, fail.status_code, fail.detail)(scope, body, send)
                    return
            if not replaced:
                await send(message)

        try:
            await self.app(scope, body, guarded_send)
        except BodyRejected as exc:
            if not started:
                await _refusal(request, exc.status_code, exc.detail)(scope, body, send)
