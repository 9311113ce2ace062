"""The OpenAPI document: FastAPI's, with the problem+json errors every operation can answer."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from gridsvc.api.problems import MEDIA_TYPE

PROBLEM: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem document.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "error_id": {"type": "string", "description": "Also in the server log (500 only)"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
ERRORS = {
    400: "The body could not be parsed (malformed multipart or encoding)",
    401: "No key, or an unknown or revoked key",
    403: "The key's role may not do this",
    404: "Not found, or outside the key's district or grids",
    408: "The request body arrived too slowly",
    413: "The request body is too large",
    422: "A parameter or the body is invalid; `errors` names each field",
    500: "Internal error; `error_id` is also in the server log",
}
PUBLIC = {"/healthz"}


def _errors(path: str, operation: dict) -> list[int]:
    if path in PUBLIC:
        return [500]
    codes = [401, 403, 404, 422, 500]
    if "requestBody" in operation:
        codes += [400, 408, 413]
    return sorted(codes)


def document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document with the Problem schema declared for every error response."""
    doc = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM
    ref = {"$ref": "#/components/schemas/Problem"}
    for path, item in doc["paths"].items():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            for code in _errors(path, operation):
                responses[str(code)] = {
                    "description": ERRORS[code],
                    "content": {MEDIA_TYPE: {"schema": ref}},
                }
    return doc


def install(app: FastAPI) -> None:
    """Serve ``document(app)`` (built once, on first use) as the app's OpenAPI document."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
