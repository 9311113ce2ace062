"""The grid card's aggregates at grid, community, street and district level, on real PostGIS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from gridsvc.auth import Principal, Role
from gridsvc.errors import NotFound
from gridsvc.pii import Keyring
from gridsvc.services.elements import grid_card
from tests.elements_rows import EXPECTED_A, delete_rows, grid_points, insert_rows, sample_rows

ADMIN = Principal("t", Role.ADMIN)


@pytest.fixture(scope="module")
def grids(engine: Engine, demo_district: str) -> Iterator[tuple[str, str, str]]:
    """Grid A and B (same community) with the sample rows, and a grid of another street."""
    with engine.begin() as conn:
        codes = (
            conn.execute(
                text("SELECT code FROM units WHERE adcode = :a AND level = 'grid' ORDER BY code"),
                {"a": demo_district},
            )
            .scalars()
            .all()
        )
        a = codes[0]
        b = next(c for c in codes[1:] if c[:12] == a[:12])
        far = next(c for c in codes if c[:9] != a[:9])
        ga, gb = grid_points(conn, [a, b])
        insert_rows(conn, demo_district, sample_rows(Keyring(b"k" * 32), ga, gb))
    yield a, b, far
    delete_rows(engine)


def subset(card: dict, expected: dict) -> dict:
    return {k: card[k] for k in expected}


def test_grid_card_counts_every_facet(engine: Engine, grids) -> None:  # type: ignore[no-untyped-def]
    a, _, _ = grids
    card = grid_card(engine, ADMIN, a)
    assert card["code"] == a and card["level"] == "grid"
    assert subset(card, EXPECTED_A) == EXPECTED_A
    staff = card["staff"]
    assert staff["total"] == 2 and staff["on_duty"] == 1
    assert staff["by_role"] == {"grid_leader": 1, "police_officer": 1}
    (leader,) = staff["on_duty_members"]
    assert leader["name"] == "赵*" and leader["phone"].startswith("139****")
    assert leader["role"] == "grid_leader" and leader["grid_code"] == a


@pytest.mark.parametrize("level", [12, 9, 6])
def test_higher_levels_add_both_grids(engine: Engine, grids, level: int) -> None:  # type: ignore[no-untyped-def]
    a, _, _ = grids
    card = grid_card(engine, ADMIN, a[:level])
    assert card["level"] == {12: "community", 9: "street", 6: "district"}[level]
    assert card["households"] == 3
    assert card["residents"]["total"] == 4
    assert card["residents"]["by_registration"] == {"floating": 1, "registered": 3}
    assert card["residents"]["by_tag"]["elderly_alone"] == 2
    assert card["staff"]["on_duty"] == 2 and len(card["staff"]["on_duty_members"]) == 2


def test_other_street_and_empty_grid(engine: Engine, grids) -> None:  # type: ignore[no-untyped-def]
    _, _, far = grids
    for code in (far, far[:9]):
        card = grid_card(engine, ADMIN, code)
        assert card["households"] == 0 and card["residents"]["total"] == 0
        assert card["places"] == {"total": 0, "by_kind": {}}


def test_unknown_unit_is_not_found(engine: Engine, grids) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound, match="510104999999999"):
        grid_card(engine, ADMIN, grids[0][:6] + "999999999")


def test_card_statement_uses_the_grid_index(engine: Engine, grids) -> None:  # type: ignore[no-untyped-def]
    from gridsvc.elementview import code_range
    from gridsvc.repositories.elements_read import CARD_SQL

    a = grids[0]
    lo, hi = code_range(a)
    params = {
        "adcode": a[:6],
        "code": a,
        "lo": lo,
        "hi": hi,
        "now": "2026-01-01",
        "party_tag": "party_member",
        "staff_limit": 200,
        "video": ["131", "132"],
    }
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE elements"))
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(conn.execute(text("EXPLAIN " + str(CARD_SQL)), params).scalars())
    # One scan of elements, by the grid index: an index scan, or a bitmap heap scan over it
    # (the planner's choice after other tests have deleted rows).
    scans = [line for line in plan.splitlines() if "on elements" in line]
    index = [line for line in plan.splitlines() if "ix_elements_adcode_grid_code_kind" in line]
    assert len(scans) == 1 and index, plan
    assert "ix_elements_adcode_grid_code_kind" in scans[0] or "Bitmap Heap Scan" in scans[0], plan
