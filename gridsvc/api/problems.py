"""Every error leaves the API as an RFC 9457 problem+json document, mapped here only.

Domain errors, validation errors and HTTP errors have handlers; anything else is caught by
``ProblemMiddleware`` (inside Starlette's server-error middleware, so it works the same under
uvicorn and the test client): it logs the traceback with a fresh error id and answers 500
with that id and nothing of the exception's text. ``gridsvc.api.openapi`` declares these
problems for every operation.
"""

from __future__ import annotations

import json
import logging
import uuid
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gridsvc.auth import BASIC_KEY_PATHS
from gridsvc.errors import GridsvcError, Unauthorized

MEDIA_TYPE = "application/problem+json"
logger = logging.getLogger("gridsvc.errors")


def problem_body(status: int, detail: str, instance: str, **extra: Any) -> dict[str, Any]:
    """The problem document for ``status`` with a human ``detail``."""
    return {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extra,
    }


def problem(status: int, detail: str, request: Request, **extra: Any) -> JSONResponse:
    """A problem+json response for ``status`` with a human ``detail``."""
    body = problem_body(status, detail, request.url.path, **extra)
    challenge = 'Basic realm="gridsvc", Bearer' if request.url.path in BASIC_KEY_PATHS else "Bearer"
    headers = {"WWW-Authenticate": challenge} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def internal_error(where: str, exc: BaseException | None = None) -> tuple[str, str]:
    """Log an internal error under a new id; (error id, the detail safe to show a client)."""
    error_id = uuid.uuid4().hex
    if exc is None:
        logger.exception("error %s on %s", error_id, where)
    else:
        logger.error("error %s on %s: %s", error_id, where, exc, exc_info=exc)
    detail = f"internal error {error_id}: the service failed; quote this id to its operators"
    return error_id, detail


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GridsvcError)
    if exc.status >= 500:  # configuration or server trouble: the detail is for the log only
        error_id, detail = internal_error(f"{request.method} {request.url.path}", exc)
        return problem(exc.status, detail, request, error_id=error_id)
    extra: dict[str, Any] = dict(exc.extra)
    if exc.errors:
        extra["errors"] = exc.errors
    status = exc.status if not isinstance(exc, Unauthorized) else 401
    response = problem(status, exc.detail, request, **extra)
    if "retry_after" in extra:
        response.headers["Retry-After"] = str(extra["retry_after"])
    return response


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "body")),
            "in": (e.get("loc") or ["?"])[0],
            "message": e.get("msg", ""),
        }
        for e in exc.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
    return problem(422, detail, request, errors=errors)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem(exc.status_code, str(exc.detail), request)


class ProblemMiddleware:
    """Answer any unhandled exception with a 500 problem carrying a logged error id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            error_id, detail = internal_error(f"{scope.get('method')} {scope.get('path')}")
            if started:  # too late for a problem document: let the server drop the connection
                raise
            body = problem_body(500, detail, scope.get("path", ""), error_id=error_id)
            content = json.dumps(body).encode()
            headers = [(b"content-type", MEDIA_TYPE.encode()),
                       (b"content-length", str(len(content)).encode())]  # fmt: skip
            await send({"type": "http.response.start", "status": 500, "headers": headers})
            await send({"type": "http.response.body", "body": content})


def install(app: FastAPI) -> None:
    """Register the problem handlers and the catch-all middleware on ``app``."""
    app.add_exception_handler(GridsvcError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_middleware(ProblemMiddleware)
