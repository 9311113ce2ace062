"""Who reads which elements, who may reveal personal data, whose grid cards: pure rules."""

from __future__ import annotations

import pytest

from gridsvc.auth import (
    ElementScope,
    Principal,
    Role,
    can_see_element,
    element_scope,
    require_card,
    require_element,
    require_reveal,
)
from gridsvc.errors import Forbidden, NotFound

GRID = "530302004012007"
OTHER = "530302004012008"


def who(role: Role, **kw) -> Principal:  # type: ignore[no-untyped-def]
    return Principal(key_prefix="p", role=role, **kw)


LEADER = who(Role.GRID_LEADER, grid_codes=frozenset({GRID}))


def test_scope_of_listings() -> None:
    assert element_scope(who(Role.ADMIN)) == ElementScope(None, None, True)
    assert element_scope(LEADER, "person") == ElementScope(None, frozenset({GRID}), True)
    limited = who(Role.OPERATOR, district="530302")
    assert element_scope(limited, "place") == ElementScope("530302", None, False)
    assert element_scope(who(Role.PLANNER)).people is False


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.PLANNER])
def test_people_only_as_counts(role: Role) -> None:
    with pytest.raises(Forbidden, match="only as counts"):
        element_scope(who(role), "person")
    assert not can_see_element(who(role), "530302", "person", GRID)
    assert can_see_element(who(role), "530302", "staff", GRID)
    with pytest.raises(NotFound, match="no element 7"):
        require_element(who(role), 7, "530302", "person", GRID)


def test_integrators_read_no_elements() -> None:
    with pytest.raises(Forbidden):
        element_scope(who(Role.INTEGRATOR))
    assert not can_see_element(who(Role.INTEGRATOR), "530302", "place", GRID)
    with pytest.raises(Forbidden):
        require_card(who(Role.INTEGRATOR), GRID)


def test_grid_leader_reads_and_reveals_in_its_grids_only() -> None:
    assert can_see_element(LEADER, "530302", "person", GRID)
    for kind in ("person", "place", "staff"):
        assert not can_see_element(LEADER, "530302", kind, OTHER)
        assert not can_see_element(LEADER, "530302", kind, None)
    require_reveal(LEADER, 1, "530302", "person", GRID)
    with pytest.raises(NotFound, match="no element 2"):
        require_reveal(LEADER, 2, "530302", "person", OTHER)


def test_only_admins_and_grid_leaders_reveal() -> None:
    require_reveal(who(Role.ADMIN), 1, "530302", "person", OTHER)
    for role in (Role.OPERATOR, Role.PLANNER, Role.INTEGRATOR):
        with pytest.raises(Forbidden, match="reveal personal data"):
            require_reveal(who(role), 1, "530302", "staff", GRID)
    with pytest.raises(NotFound):
        require_reveal(who(Role.ADMIN, district="110101"), 1, "530302", "person", GRID)


def test_district_limited_keys() -> None:
    op = who(Role.OPERATOR, district="530302")
    assert can_see_element(op, "530302", "place", GRID)
    assert not can_see_element(op, "530303", "place", "530303004012007")
    require_card(op, "530302004")
    with pytest.raises(NotFound):
        require_card(op, "530303")


def test_cards() -> None:
    require_card(LEADER, GRID)
    for code in (OTHER, GRID[:12], GRID[:6]):
        with pytest.raises(NotFound, match=code):
            require_card(LEADER, code)
    for role in (Role.ADMIN, Role.OPERATOR, Role.PLANNER):
        require_card(who(role), GRID[:6])
