"""Who reads and manages cameras: roles, districts, a grid leader's own grids."""

from __future__ import annotations

import pytest

from gridsvc.auth import (
    Action,
    Principal,
    Role,
    authorize,
    camera_scope,
    can_see_camera,
    require_camera,
    sees_stream_credentials,
)
from gridsvc.errors import Forbidden, NotFound

OWN, OTHER = "510104001001001", "510104001001002"
LEADER = Principal("l", Role.GRID_LEADER, "510104", frozenset({OWN}))


@pytest.mark.parametrize(
    ("role", "reads", "manages"),
    [
        (Role.ADMIN, True, True),
        (Role.OPERATOR, True, True),
        (Role.PLANNER, True, False),
        (Role.GRID_LEADER, True, False),
        (Role.INTEGRATOR, False, False),
    ],
)
def test_camera_actions_by_role(role: Role, reads: bool, manages: bool) -> None:
    p = Principal("k", role)
    for action, allowed in ((Action.READ_CAMERAS, reads), (Action.MANAGE_CAMERAS, manages)):
        if allowed:
            authorize(p, action)
        else:
            with pytest.raises(Forbidden):
                authorize(p, action)


def test_grid_leader_sees_cameras_of_its_grids_only() -> None:
    assert can_see_camera(LEADER, "510104", OWN)
    assert not can_see_camera(LEADER, "510104", OTHER)
    assert not can_see_camera(LEADER, "510104", None)  # a camera placed in no grid
    with pytest.raises(NotFound, match="no camera '5101'"):
        require_camera(LEADER, "5101", "510104", OTHER)
    assert camera_scope(LEADER).grid_codes == frozenset({OWN})


def test_district_key_sees_its_district_only() -> None:
    p = Principal("k", Role.OPERATOR, "510104")
    assert can_see_camera(p, "510104", None)
    assert not can_see_camera(p, "350205", OWN)
    assert camera_scope(p).grid_codes is None and camera_scope(p).district == "510104"


def test_integrator_reads_no_camera() -> None:
    p = Principal("k", Role.INTEGRATOR, integrator="acme")
    assert not can_see_camera(p, "510104", OWN)
    with pytest.raises(Forbidden):
        require_camera(p, "x", "510104", OWN)


def test_only_admins_read_stream_credentials() -> None:
    assert sees_stream_credentials(Principal("a", Role.ADMIN))
    assert not any(sees_stream_credentials(Principal("k", r)) for r in Role if r is not Role.ADMIN)
