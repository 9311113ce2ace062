"""The audit trail: one ``record`` call for every write, admin action and personal-data read.

Entries name who (key prefix and role, or ``cli:<os user>``), what (an action such as
``key.create``), which objects, the district, the client address and the outcome, with a
small JSON detail that must never hold secrets or personal data. Successful changes are
recorded in the transaction that makes them; refusals and rejections in a transaction of
their own (see ``audited``), since the change itself was rolled back.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from gridsvc.auth import Action, Principal, authorize
from gridsvc.errors import Forbidden, GridsvcError, InvalidInput, NotFound, Unauthorized
from gridsvc.repositories import audit as audit_repo
from gridsvc.repositories.audit import AuditFilter

FORBIDDEN_DETAIL = frozenset(
    {"key", "api_key", "key_hash", "secret", "password", "token", "cookie", "id_number", "phone"}
)
MAX_OBJECT_IDS = 100
MAX_PAGE = 500


@dataclass(frozen=True)
class Actor:
    """Who acts: a key prefix and role with the client's address, or a command-line user."""

    name: str
    role: str | None = None
    address: str | None = None

    @classmethod
    def of(cls, principal: Principal, address: str | None = None) -> Actor:
        """The actor for a request made with ``principal``'s key from ``address``."""
        return cls(principal.key_prefix, principal.role.value, address)


def cli_actor() -> Actor:
    """The actor of a command run on this machine: ``cli:<os user>``, no address."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    return Actor(f"cli:{user}")


ANONYMOUS = Actor("anonymous")


def record(
    db: Connection | Engine,
    actor: Actor | None,
    action: str,
    *,
    object_type: str | None = None,
    object_ids: Sequence[object] = (),
    district: str | None = None,
    outcome: str = "ok",
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one audit entry, in the caller's transaction (a Connection) or its own (an Engine).

    ``actor`` None means the command line of this process.
    """
    detail = dict(detail or {})
    leaked = FORBIDDEN_DETAIL & set(detail)
    if leaked:
        raise ValueError(f"audit detail must not hold {', '.join(sorted(leaked))}")
    who = actor or cli_actor()
    ids = [str(i) for i in object_ids]
    if len(ids) > MAX_OBJECT_IDS:
        detail["objects_total"] = len(ids)
        ids = ids[:MAX_OBJECT_IDS]
    values = {
        "actor": who.name,
        "actor_role": who.role,
        "address": who.address,
        "action": action,
        "object_type": object_type,
        "object_ids": ids,
        "district": district,
        "outcome": outcome,
        "detail": detail,
    }
    if isinstance(db, Engine):
        with db.begin() as conn:
            audit_repo.insert_entry(conn, **values)
    else:
        audit_repo.insert_entry(db, **values)


@contextmanager
def audited(
    engine: Engine,
    actor: Actor | None,
    action: str,
    *,
    object_type: str | None = None,
    object_ids: Sequence[object] = (),
    district: str | None = None,
) -> Iterator[None]:
    """Record a refusal (403/404/401) or a rejection (bad input, conflict) of ``action``.

    Wrap the whole operation, outside its transaction: the entry is written after the
    failed change was rolled back. Success is recorded by the operation itself.
    """
    try:
        yield
    except GridsvcError as exc:
        refused = isinstance(exc, Forbidden | NotFound | Unauthorized)
        record(
            engine,
            actor,
            action,
            object_type=object_type,
            object_ids=object_ids,
            district=district,
            outcome="refused" if refused else "rejected",
            detail={"status": exc.status, "reason": exc.detail[:300]},
        )
        raise


def parse_object(text: str | None) -> tuple[str | None, str | None]:
    """``TYPE`` or ``TYPE:ID`` (e.g. ``key:1a2b3c4d``, ``layer:7``) as (type, id)."""
    if not text:
        return None, None
    kind, _, ident = text.partition(":")
    if not kind:
        raise InvalidInput(f"object '{text}' must be TYPE or TYPE:ID, e.g. key:1a2b3c4d")
    return kind, ident or None


def entries(
    engine: Engine, principal: Principal, f: AuditFilter, *, limit: int, offset: int
) -> dict:
    """A page of audit entries, newest first; a district-limited key sees only its district."""
    authorize(principal, Action.READ_AUDIT)
    if principal.district:
        if f.district and f.district != principal.district:
            raise NotFound(f"no district '{f.district}' for this key")
        f = AuditFilter(**{**f.__dict__, "district": principal.district})
    limit = max(1, min(limit, MAX_PAGE))
    with engine.connect() as conn:
        total = audit_repo.count_entries(conn, f)
        found = audit_repo.find_entries(conn, f, limit=limit, offset=offset)
    return {"entries": found, "total": total, "limit": limit, "offset": offset}
