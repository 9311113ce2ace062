"""Domain exceptions; the API maps each to an RFC 9457 problem in one place."""

from __future__ import annotations

from typing import Any


class GridsvcError(Exception):
    """Base of every error the product reports to a user."""

    status = 500
    title = "Internal error"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra


class InvalidInput(GridsvcError):
    """The input was understood but is wrong (bad field, bad geometry, bad code)."""

    status = 422
    title = "Invalid input"


class NotFound(GridsvcError):
    status = 404
    title = "Not found"


class Unauthorized(GridsvcError):
    status = 401
    title = "Unauthorized"


class Forbidden(GridsvcError):
    status = 403
    title = "Forbidden"


class Conflict(GridsvcError):
    status = 409
    title = "Conflict"


class ConfigurationError(GridsvcError):
    """The machine or the settings cannot run the product (missing binaries, bad URL)."""

    status = 500
    title = "Configuration error"
