"""Camera coverage of grids (placeholder interface, filled by the coverage work)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection


def grids_touching(conn: Connection, adcode: str, device_ids: Iterable[str]) -> set[str]:
    """Codes of the grids whose coverage depends on these cameras (sector or position)."""
    return set()


def recompute(conn: Connection, adcode: str, grid_codes: Iterable[str]) -> None:
    """Recompute and store the coverage of these grids inside the caller's transaction."""
    return None
