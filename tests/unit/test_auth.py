"""Roles and scopes, decided in one place."""

from __future__ import annotations

import pytest

from gridsvc.auth import (
    Action,
    Principal,
    Role,
    authorize,
    can_see_unit,
    hash_key,
    new_key,
    parse_bearer,
    require_unit,
    search_district,
    visible_codes,
)
from gridsvc.errors import Forbidden, NotFound, Unauthorized

GRID = "530302004012007"


def who(role: Role, **kw) -> Principal:  # type: ignore[no-untyped-def]
    return Principal(key_prefix="p", role=role, **kw)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.ADMIN, set(Action)),
        (
            Role.OPERATOR,
            {
                Action.READ_UNITS,
                Action.READ_LAYERS,
                Action.LOCATE,
                Action.READ_ELEMENTS,
                Action.INGEST_ELEMENTS,
                Action.READ_CAMERAS,
            },
        ),
        (
            Role.GRID_LEADER,
            {
                Action.READ_UNITS,
                Action.LOCATE,
                Action.READ_ELEMENTS,
                Action.READ_PEOPLE,
                Action.REVEAL_PERSONAL_DATA,
                Action.READ_CAMERAS,
            },
        ),
        (
            Role.PLANNER,
            {
                Action.READ_UNITS,
                Action.READ_LAYERS,
                Action.LOCATE,
                Action.EXPORT,
                Action.READ_ELEMENTS,
                Action.READ_CAMERAS,
            },
        ),
        (Role.INTEGRATOR, {Action.PUSH_CAMERA_EVENTS, Action.LOCATE}),
    ],
)
def test_role_permissions(role: Role, allowed: set[Action]) -> None:
    for action in Action:
        if action in allowed:
            authorize(who(role), action)
        else:
            with pytest.raises(Forbidden, match=role.value):
                authorize(who(role), action)


def test_grid_leader_sees_own_grid_and_ancestors_only() -> None:
    leader = who(Role.GRID_LEADER, grid_codes=frozenset({GRID}))
    for code in (GRID, GRID[:12], GRID[:9], GRID[:6]):
        assert can_see_unit(leader, code)
        require_unit(leader, code)
    for code in ("530302004012008", "530302004013", "530303"):
        assert not can_see_unit(leader, code)
        with pytest.raises(NotFound, match=code):
            require_unit(leader, code)


def test_district_scope() -> None:
    op = who(Role.OPERATOR, district="530302")
    assert can_see_unit(op, GRID)
    assert not can_see_unit(op, "510104001001001")
    assert can_see_unit(who(Role.OPERATOR), "510104001001001")


def test_keys_are_random_and_hashed() -> None:
    key, prefix, digest = new_key()
    assert key.startswith(f"gsk_{prefix}_") and len(key) > 40
    assert digest == hash_key(key) and len(digest) == 64 and key not in digest
    assert new_key()[0] != key


def test_bearer_header() -> None:
    assert parse_bearer("Bearer abc") == "abc"
    assert parse_bearer("bearer  abc ") == "abc"
    for bad in (None, "", "Basic abc", "Bearer "):
        with pytest.raises(Unauthorized):
            parse_bearer(bad)


def test_search_district_stays_in_the_keys_district() -> None:
    limited = who(Role.OPERATOR, district="530302")
    assert search_district(limited, None) == "530302"
    assert search_district(limited, "530302") == "530302"
    with pytest.raises(NotFound, match="510104"):
        search_district(limited, "510104")
    assert search_district(who(Role.OPERATOR), None) is None
    assert search_district(who(Role.OPERATOR), "510104") == "510104"


def test_visible_codes() -> None:
    leader = who(Role.GRID_LEADER, grid_codes=frozenset({GRID}))
    assert visible_codes(leader) == {GRID, GRID[:12], GRID[:9], GRID[:6]}
    assert visible_codes(who(Role.OPERATOR, district="530302")) is None
