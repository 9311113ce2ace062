"""Creating, listing, checking and revoking API keys; every change is audited."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from gridsvc.auth import Action, Principal, Role, authorize, hash_key, new_key, require_district
from gridsvc.coding import Level, validate_code
from gridsvc.errors import InvalidInput, NotFound, Unauthorized
from gridsvc.repositories import elements_read
from gridsvc.repositories import keys as keys_repo
from gridsvc.repositories import sessions as sessions_repo
from gridsvc.services import audit
from gridsvc.services.audit import Actor

SESSION_CACHE_MAX_SECONDS = 5.0


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role '{role}': use one of {allowed}") from None


def _check_scope(role: Role, district: str | None, grids: list[str]) -> None:
    if district is not None and not re.fullmatch(r"\d{6}", district):
        raise InvalidInput(f"district '{district}' must be a 6-digit adcode")
    if role is Role.GRID_LEADER and not grids:
        raise InvalidInput("a grid_leader key needs at least one grid code (--grid CODE)")
    for code in grids:
        problem = validate_code(code, Level.GRID)
        if problem:
            raise InvalidInput(f"--grid {code}: {problem}")
        if district and not code.startswith(district):
            raise InvalidInput(f"--grid {code}: the grid is not in district {district}")


def _integrator(role: Role, name: str | None) -> str | None:
    """The integrator name of an integrator key; InvalidInput for another role or bad text."""
    if name is None:
        return None
    text = name.strip()
    if role is not Role.INTEGRATOR:
        raise InvalidInput(f"integrator '{text}': only a key of role integrator names one")
    if not text or len(text) > 100 or any(ord(c) < 32 for c in text):
        raise InvalidInput("integrator must be 1-100 characters of text")
    return text


@dataclass(frozen=True)
class StaffRef:
    """The staff record a grid leader's key stands for: its external id (and source), or its
    element id."""

    external_id: str | None = None
    element_id: int | None = None
    source: str | None = None

    def describe(self) -> str:
        if self.element_id is not None:
            return f"staff_id {self.element_id}"
        return f"--staff {self.external_id}" + (f" --source {self.source}" if self.source else "")


def _staff_record(engine: Engine, role: Role, ref: StaffRef, district: str | None) -> dict:
    """The one grid_leader staff record ``ref`` names; InvalidInput saying why otherwise."""
    what = ref.describe()
    if role is not Role.GRID_LEADER:
        raise InvalidInput(f"{what}: only a grid_leader key is tied to a staff record")
    with engine.connect() as conn:
        found = elements_read.staff_records(
            conn,
            external_id=ref.external_id,
            element_id=ref.element_id,
            source=ref.source,
            adcode=district,
        )
    where = f" in district {district}" if district else ""
    if not found:
        raise InvalidInput(f"{what}: no staff record{where} (load staff with gridsvc ingest)")
    if len(found) > 1:
        sources = ", ".join(sorted({f"{r['adcode']}/{r['source']}" for r in found}))
        raise InvalidInput(f"{what}: several staff records ({sources}): name --source/--district")
    (record,) = found
    if record["role"] != Role.GRID_LEADER.value:
        raise InvalidInput(f"{what}: the staff member's role is {record['role']}, not grid_leader")
    if not record["grid_code"]:
        raise InvalidInput(f"{what}: the staff record names no grid")
    return record


def create_key(
    engine: Engine,
    role: str,
    *,
    name: str = "",
    district: str | None = None,
    grids: list[str] | None = None,
    staff: StaffRef | None = None,
    actor: Actor | None = None,
    integrator: str | None = None,
) -> tuple[str, str]:
    """Create a key; return (key, prefix). The key itself is shown once and never stored.

    With ``staff`` the key is a grid leader's: its grid and district come from the staff
    record, whose id the key keeps. ``integrator`` names the integrator whose cameras an
    integrator key pushes events for. ``actor`` None is the command line of this process.
    """
    role_ = _role(role)
    integrator = _integrator(role_, integrator)
    grids = list(grids or [])
    staff_id = None
    if staff is not None:
        if grids:
            raise InvalidInput("give grid codes or a staff record, not both")
        record = _staff_record(engine, role_, staff, district)
        staff_id, district, grids = record["element_id"], record["adcode"], [record["grid_code"]]
    _check_scope(role_, district, grids)
    key, prefix, digest = new_key()
    with engine.begin() as conn:
        keys_repo.insert_key(
            conn,
            prefix=prefix,
            key_hash=digest,
            role=role_.value,
            name=name,
            district=district,
            grid_codes=grids,
            staff_id=staff_id,
            integrator=integrator,
        )
        audit.record(
            conn,
            actor,
            "key.create",
            object_type="key",
            object_ids=[prefix],
            district=district,
            detail={
                "role": role_.value,
                "grids": len(grids),
                "staff_id": staff_id,
                "integrator": integrator,
            },
        )
    return key, prefix


def create_for(
    engine: Engine,
    principal: Principal,
    actor: Actor,
    role: str,
    *,
    name: str = "",
    district: str | None = None,
    grids: list[str] | None = None,
    staff: StaffRef | None = None,
    integrator: str | None = None,
) -> tuple[str, str]:
    """Create a key on behalf of an admin; a district admin creates keys of its district only."""
    district = district or principal.district
    with audit.audited(engine, actor, "key.create", object_type="key", district=district):
        authorize(principal, Action.MANAGE_KEYS)
        if district:
            require_district(principal, district)
        return create_key(
            engine,
            role,
            name=name,
            district=district,
            grids=grids,
            staff=staff,
            actor=actor,
            integrator=integrator,
        )


def get_for(engine: Engine, principal: Principal, prefix: str) -> dict:
    """One key's public fields; NotFound outside an admin's district."""
    authorize(principal, Action.MANAGE_KEYS)
    with engine.connect() as conn:
        found = keys_repo.get_key(conn, prefix)
    if found is None or principal.district not in (None, found["district"]):
        raise NotFound(f"no key with prefix '{prefix}'")
    return found


def list_keys(engine: Engine, district: str | None = None) -> list[dict]:
    """Every key's public fields (never hashes); only one district's when given."""
    with engine.connect() as conn:
        return keys_repo.list_keys(conn, district)


def list_for(engine: Engine, principal: Principal) -> list[dict]:
    """The keys an admin may see (its district's only when limited)."""
    authorize(principal, Action.MANAGE_KEYS)
    return list_keys(engine, principal.district)


def revoke_key(
    engine: Engine,
    prefix: str,
    *,
    principal: Principal | None = None,
    actor: Actor | None = None,
    cache: PrincipalCache | None = None,
) -> dict:
    """Revoke a key and end its login sessions; NotFound when no such active key in scope.

    ``principal`` None is the command line (no role check). ``cache`` forgets the key now.
    """
    with audit.audited(engine, actor, "key.revoke", object_type="key", object_ids=[prefix]):
        if principal is not None:
            authorize(principal, Action.MANAGE_KEYS)
        with engine.begin() as conn:
            found = keys_repo.get_key(conn, prefix)
            in_scope = found and (
                principal is None or principal.district in (None, found["district"])
            )
            if not in_scope or not keys_repo.revoke(conn, prefix):
                raise NotFound(f"no active key with prefix '{prefix}'")
            ended = sessions_repo.revoke_for_key(conn, prefix)
            audit.record(
                conn,
                actor,
                "key.revoke",
                object_type="key",
                object_ids=[prefix],
                district=found["district"],
                detail={"sessions_ended": ended},
            )
    if cache is not None:
        cache.forget_key(prefix)
    return {"prefix": prefix, "revoked": True, "sessions_ended": ended}


class PrincipalCache:
    """Recently checked keys and sessions, so a request does not cost a database round trip.

    A revoked key or ended session stops working within ``ttl_seconds`` (sessions: at most
    5 s) in every process, and at once in the process that revoked it.
    """

    def __init__(self, ttl_seconds: float = 5.0, max_entries: int = 10_000):
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, Principal]] = {}

    def principal(self, engine: Engine, key: str) -> Principal:
        """The principal of ``key``, from the cache when checked within the TTL."""
        return self._cached(
            "key:" + hash_key(key), self.ttl_seconds, lambda: principal_for(engine, key)
        )

    def session(self, engine: Engine, id_hash: str, address: str | None = None) -> Principal:
        """The principal of the live session ``id_hash`` (cached at most 5 s)."""
        ttl = min(self.ttl_seconds, SESSION_CACHE_MAX_SECONDS)
        return self._cached(
            "session:" + id_hash, ttl, lambda: principal_for_session(engine, id_hash, address)
        )

    def forget_session(self, id_hash: str) -> None:
        """Drop one session from this process's cache."""
        self._entries.pop("session:" + id_hash, None)

    def forget_key(self, prefix: str) -> None:
        """Drop a key, and every session opened with it, from this process's cache."""
        stale = [s for s, (_, p) in self._entries.items() if p.key_prefix == prefix]
        for slot in stale:
            del self._entries[slot]

    def _cached(self, slot: str, ttl: float, load: Callable[[], Principal]) -> Principal:
        now = time.monotonic()
        hit = self._entries.get(slot)
        if hit and now - hit[0] < ttl:
            return hit[1]
        principal = load()
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[slot] = (now, principal)
        return principal


def principal_for(engine: Engine, key: str) -> Principal:
    """The principal a key stands for; Unauthorized when unknown or revoked."""
    with engine.connect() as conn:
        row = keys_repo.find_active(conn, hash_key(key))
    if row is None:
        raise Unauthorized("unknown or revoked API key")
    return _principal(row)


def principal_for_session(engine: Engine, id_hash: str, address: str | None = None) -> Principal:
    """The principal of a live login session; Unauthorized once it ended or its key was revoked."""
    with engine.begin() as conn:
        row = sessions_repo.find_live(conn, id_hash)
        if row is not None and address and row["last_address"] != address:
            sessions_repo.touch(conn, id_hash, address)
    if row is None:
        raise Unauthorized(
            "the login session has ended or expired, or its key was revoked: log in again"
        )
    return _principal(row)


def _principal(row: dict) -> Principal:
    return Principal(
        key_prefix=row["prefix"],
        role=Role(row["role"]),
        district=row["district"],
        grid_codes=frozenset(row["grid_codes"] or ()),
        integrator=row.get("integrator"),
    )
