"""Cameras for event tests, written straight into the table (the registry is not needed to
push events; its own tests cover registration)."""

from __future__ import annotations

from sqlalchemy import Engine, text

from cameras.deviceid import make_device_id


def add_cameras(
    engine: Engine,
    adcode: str,
    count: int,
    *,
    first: int = 1,
    integrator: str | None = None,
    grid_code: str | None = None,
    aliases: dict[int, list[str]] | None = None,
) -> list[str]:
    """Register ``count`` cameras numbered from ``first``; their device ids."""
    ids = [make_device_id(adcode, n) for n in range(first, first + count)]
    aliases = aliases or {}
    rows = [
        {
            "a": adcode,
            "d": device_id,
            "i": integrator,
            "g": grid_code,
            "h": 600_000_000_000_000_000 + n,
            "al": aliases.get(n, []),
        }
        for n, device_id in zip(range(first, first + count), ids, strict=True)
    ]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO cameras (adcode, device_id, name, department, integrator, "
                "device_type, grid_code, h3, aliases) VALUES "
                "(:a, :d, 'test camera', 'police', :i, '132', :g, :h, :al)"
            ),
            rows,
        )
        alias_rows = [
            {"a": adcode, "al": alias, "d": make_device_id(adcode, n)}
            for n, names in aliases.items()
            for alias in names
        ]
        if alias_rows:
            conn.execute(
                text("INSERT INTO camera_aliases (adcode, alias, device_id) VALUES (:a, :al, :d)"),
                alias_rows,
            )
    return ids
