"""A grid leader's key tied to its staff record: grid and district taken from the record."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from gridsvc.cli import build_parser
from gridsvc.errors import InvalidInput
from gridsvc.pii import Keyring
from gridsvc.services.keys import StaffRef, create_key, list_keys, principal_for
from gridsvc.settings import Settings
from tests.conftest import SCRATCH_DISTRICT
from tests.elements_rows import Grid, delete_rows, insert_rows, sample_rows

A = Grid(SCRATCH_DISTRICT + "001001001", 118.03, 24.48)
B = Grid(SCRATCH_DISTRICT + "001001002", 118.04, 24.49)


@pytest.fixture(scope="module")
def staff(engine: Engine) -> Iterator[dict[str, int]]:
    with engine.begin() as conn:
        ids = insert_rows(conn, SCRATCH_DISTRICT, sample_rows(Keyring(b"k" * 32), A, B))
    yield ids
    delete_rows(engine)


def run(database_url: str, *argv: str) -> int:
    args = build_parser().parse_args(list(argv))
    return args.func(args, Settings(database_url=database_url))


def test_cli_ties_the_key_to_the_staff_record(
    database_url: str, engine: Engine, staff, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    assert run(database_url, "keys", "create", "--role", "grid_leader", "--staff", "st1") == 0
    key = capsys.readouterr().out.strip()
    principal = principal_for(engine, key)
    assert principal.grid_codes == {A.code} and principal.district == SCRATCH_DISTRICT
    (listed,) = [k for k in list_keys(engine) if k["prefix"] == principal.key_prefix]
    assert listed["staff_id"] == staff["st1"]
    assert run(database_url, "keys", "list") == 0
    assert f"{A.code}  staff {staff['st1']}" in capsys.readouterr().out


def test_other_grid_leader_and_element_id(engine: Engine, staff) -> None:  # type: ignore[no-untyped-def]
    key, _ = create_key(engine, "grid_leader", staff=StaffRef(element_id=staff["st3"]))
    assert principal_for(engine, key).grid_codes == {B.code}


@pytest.mark.parametrize(
    ("role", "ref", "message"),
    [
        ("grid_leader", StaffRef("st2"), "role is police_officer, not grid_leader"),
        ("grid_leader", StaffRef("nobody"), "--staff nobody: no staff record"),
        ("grid_leader", StaffRef("st1", source="other"), "--source other: no staff record"),
        ("operator", StaffRef("st1"), "only a grid_leader key"),
    ],
)
def test_refusals_say_why(engine: Engine, staff, role: str, ref: StaffRef, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match=message):
        create_key(engine, role, staff=ref)


def test_staff_in_another_district_or_with_grids(engine: Engine, staff) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="in district 530302"):
        create_key(engine, "grid_leader", district="530302", staff=StaffRef("st1"))
    with pytest.raises(InvalidInput, match="not both"):
        create_key(engine, "grid_leader", grids=[A.code], staff=StaffRef("st1"))


def test_several_sources_need_a_source(engine: Engine, staff) -> None:  # type: ignore[no-untyped-def]
    keyring = Keyring(b"k" * 32)
    twin = [r for r in sample_rows(keyring, A, B) if r["external_id"] == "st1"]
    with engine.begin() as conn:
        insert_rows(conn, SCRATCH_DISTRICT, twin, source="test:elements-hr")
    try:
        with pytest.raises(InvalidInput, match="several staff records"):
            create_key(engine, "grid_leader", staff=StaffRef("st1"))
        key, _ = create_key(engine, "grid_leader", staff=StaffRef("st1", source="test:elements-hr"))
        assert principal_for(engine, key).grid_codes == {A.code}
    finally:
        delete_rows(engine, "test:elements-hr")
