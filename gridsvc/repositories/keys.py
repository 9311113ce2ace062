"""API keys table."""

from __future__ import annotations

from sqlalchemy import ARRAY, Connection, String, cast, insert, select, update
from sqlalchemy.sql import func

from gridsvc.db.models import ApiKey


def insert_key(
    conn: Connection,
    *,
    prefix: str,
    key_hash: str,
    role: str,
    name: str = "",
    district: str | None = None,
    grid_codes: list[str] | None = None,
    staff_id: int | None = None,
    integrator: str | None = None,
) -> None:
    """Store a new key's hash and scope (and the staff element a grid leader's key stands for,
    or the integrator whose cameras an integrator key pushes for)."""
    conn.execute(
        insert(ApiKey).values(
            prefix=prefix,
            key_hash=key_hash,
            role=role,
            name=name,
            district=district,
            grid_codes=grid_codes or [],
            staff_id=staff_id,
            integrator=integrator,
        )
    )


def find_active(conn: Connection, key_hash: str) -> dict | None:
    """The unrevoked key with this hash, as a mapping, or None."""
    return _active(conn, ApiKey.key_hash == key_hash)


def find_active_by_prefix(conn: Connection, prefix: str) -> dict | None:
    """The unrevoked key with this prefix, as a mapping, or None."""
    return _active(conn, ApiKey.prefix == prefix)


def _active(conn: Connection, match) -> dict | None:  # type: ignore[no-untyped-def]
    row = (
        conn.execute(
            select(
                ApiKey.prefix, ApiKey.role, ApiKey.district, ApiKey.grid_codes, ApiKey.integrator
            ).where(match, ApiKey.revoked_at.is_(None))
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


PUBLIC = (
    ApiKey.prefix,
    ApiKey.role,
    ApiKey.name,
    ApiKey.district,
    ApiKey.grid_codes,
    ApiKey.staff_id,
    ApiKey.integrator,
    ApiKey.created_at,
    ApiKey.revoked_at,
)


def list_keys(conn: Connection, district: str | None = None) -> list[dict]:
    """Every key's public fields (never the hash); only one district's when given."""
    query = select(*PUBLIC).order_by(ApiKey.created_at, ApiKey.prefix)
    if district:
        query = query.where(ApiKey.district == district)
    return [dict(r) for r in conn.execute(query).mappings()]


def get_key(conn: Connection, prefix: str) -> dict | None:
    """One key's public fields (revoked or not), or None."""
    row = conn.execute(select(*PUBLIC).where(ApiKey.prefix == prefix)).mappings().first()
    return dict(row) if row else None


def revoke(conn: Connection, prefix: str) -> bool:
    """Revoke the key with this prefix; False when there is no such active key."""
    result = conn.execute(
        update(ApiKey)
        .where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    return result.rowcount > 0


def active_scoped_to(conn: Connection, codes: list[str]) -> list[dict]:
    """Unrevoked keys scoped to any of ``codes``: prefix, name and those of their grids."""
    if not codes:
        return []
    wanted = sorted(codes)
    overlaps = ApiKey.grid_codes.bool_op("&&")(cast(wanted, ARRAY(String(15))))
    rows = conn.execute(
        select(ApiKey.prefix, ApiKey.name, ApiKey.grid_codes)
        .where(ApiKey.revoked_at.is_(None), overlaps)
        .order_by(ApiKey.prefix)
    ).all()
    held = set(wanted)
    return [
        {"prefix": prefix, "name": name, "grids": sorted(set(grids) & held)}
        for prefix, name, grids in rows
    ]
