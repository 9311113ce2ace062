"""``gridsvc keys create --role integrator --integrator NAME``: the key carries its integrator."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from gridsvc.auth import Role
from gridsvc.errors import InvalidInput
from gridsvc.services.keys import principal_for
from tests.db.test_cli_keys import run


def test_integrator_key_from_the_command_line(
    database_url: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ("keys", "create", "--role", "integrator", "--integrator", "海康集成", "--name", "hik")
    assert run(database_url, *argv) == 0
    key = capsys.readouterr().out.strip()
    principal = principal_for(engine, key)
    assert (principal.role, principal.integrator) == (Role.INTEGRATOR, "海康集成")
    assert run(database_url, "keys", "list") == 0
    assert "integrator 海康集成" in capsys.readouterr().out


def test_integrator_name_only_on_integrator_keys(database_url: str) -> None:
    with pytest.raises(InvalidInput, match="only a key of role integrator"):
        run(database_url, "keys", "create", "--role", "operator", "--integrator", "x")
    with pytest.raises(InvalidInput, match="1-100 characters"):
        run(database_url, "keys", "create", "--role", "integrator", "--integrator", " ")
