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


class TooLarge(GridsvcError):
    """The request carries more than a limit allows (items in a batch)."""

    status = 413
    title = "Content too large"


class TooManyRequests(GridsvcError):
    """The caller went past its rate limit; ``retry_after`` seconds until it may send again."""

    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail, retry_after=retry_after)


class ConfigurationError(GridsvcError):
    """The machine or the settings cannot run the product (missing binaries, bad URL)."""

    status = 500
    title = "Configuration error"
