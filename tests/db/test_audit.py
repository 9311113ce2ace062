"""The audit log: entries land with the change, and the database refuses to alter them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from gridsvc.errors import InvalidInput
from gridsvc.repositories import audit as audit_repo
from gridsvc.repositories.audit import AuditFilter
from gridsvc.services import audit
from gridsvc.services.audit import Actor
from gridsvc.services.keys import create_key, revoke_key


def latest(engine: Engine, **filters: object) -> dict:
    with engine.connect() as conn:
        return audit_repo.find_entries(conn, AuditFilter(**filters), limit=1, offset=0)[0]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET outcome = 'ok'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ],
)
def test_the_database_refuses_to_change_entries(engine: Engine, statement: str) -> None:
    audit.record(engine, Actor("deadbeef", "admin", "10.0.0.1"), "test.append_only")
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() > 0


def test_key_changes_are_recorded_with_the_change(engine: Engine) -> None:
    actor = Actor("cafe0001", "admin", "192.0.2.7")
    _, prefix = create_key(engine, "planner", name="Zhang San", district="530302", actor=actor)
    entry = latest(engine, action="key.create", object_id=prefix)
    assert entry["actor"] == "cafe0001" and entry["actor_role"] == "admin"
    assert entry["address"] == "192.0.2.7" and entry["district"] == "530302"
    assert entry["object_type"] == "key" and entry["outcome"] == "ok"
    assert "Zhang San" not in str(entry)  # a key's name may be a person's: not recorded
    revoke_key(engine, prefix)
    entry = latest(engine, action="key.revoke", object_id=prefix)
    assert entry["actor"].startswith("cli:") and entry["address"] is None
    assert entry["detail"] == {"sessions_ended": 0}


def test_a_rejected_change_is_recorded_after_the_rollback(engine: Engine) -> None:
    actor = Actor("cafe0002", "admin")
    with pytest.raises(InvalidInput):
        create_key(engine, "grid_leader", actor=actor)
    with pytest.raises(InvalidInput), audit.audited(engine, actor, "key.create", object_type="key"):
        create_key(engine, "grid_leader", actor=actor)
    entry = latest(engine, actor="cafe0002")
    assert entry["outcome"] == "rejected" and entry["detail"]["status"] == 422
    assert "at least one grid" in entry["detail"]["reason"]


def test_secrets_never_enter_the_detail(engine: Engine) -> None:
    with pytest.raises(ValueError, match="key"):
        audit.record(engine, None, "key.create", detail={"key": "gsk_x"})


def test_filters_by_time(engine: Engine) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    audit.record(engine, Actor("cafe0003"), "test.time", object_type="thing", object_ids=[1, 2])
    assert latest(engine, actor="cafe0003", since=before)["object_ids"] == ["1", "2"]
    with engine.connect() as conn:
        assert audit_repo.count_entries(conn, AuditFilter(actor="cafe0003", until=before)) == 0
        assert audit_repo.count_entries(conn, AuditFilter(object_type="thing", object_id="2")) >= 1
