"""The CLI manages keys through the same services, audited as ``cli:<os user>``."""

from __future__ import annotations

import getpass

import pytest
from sqlalchemy import Engine

from gridsvc.cli import build_parser
from gridsvc.repositories import audit as audit_repo
from gridsvc.repositories.audit import AuditFilter
from gridsvc.settings import Settings


def run(database_url: str, *argv: str) -> int:
    args = build_parser().parse_args(list(argv))
    return args.func(args, Settings(database_url=database_url))


def test_cli_key_create_and_revoke_are_audited(
    database_url: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(database_url, "keys", "create", "--role", "planner", "--district", "530302") == 0
    key = capsys.readouterr().out.strip()
    prefix = key.split("_")[1]
    assert run(database_url, "keys", "revoke", prefix) == 0
    assert "0 login sessions ended" in capsys.readouterr().out
    assert run(database_url, "keys", "revoke", prefix) == 1
    with engine.connect() as conn:
        found = audit_repo.find_entries(conn, AuditFilter(object_id=prefix), limit=5, offset=0)
    assert [e["action"] for e in found] == ["key.revoke", "key.revoke", "key.create"]
    assert [e["outcome"] for e in found] == ["refused", "ok", "ok"]
    assert {e["actor"] for e in found} == {f"cli:{getpass.getuser()}"}
    assert {e["actor_role"] for e in found} == {None} and {e["address"] for e in found} == {None}
