"""Adopting a proposal keeps keys and layer reports consistent with the grids it leaves."""

from __future__ import annotations

import dataclasses

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from gridsvc.demo.load import load_department_layers
from gridsvc.repositories import keys as keys_repo
from gridsvc.repositories import units as units_repo
from gridsvc.services.imports import import_table
from gridsvc.services.keys import create_key
from tests.api.conftest import auth
from tests.conftest import SCRATCH_DISTRICT
from tests.db.scratch_grids import load_hierarchy, table

PROBLEM = "application/problem+json"


def _grid_codes(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        q = text("SELECT code FROM units WHERE adcode = :a AND level = 'grid'")
        return set(conn.execute(q, {"a": SCRATCH_DISTRICT}).scalars())


def _report_codes(engine: Engine) -> set[str]:
    """Every unified grid code named by a stored crosswalk row or conflict."""
    with engine.connect() as conn:
        q = text(
            "SELECT grid_code FROM layer_crosswalk WHERE adcode = :a UNION "
            "SELECT unnest(grid_codes) FROM layer_conflicts WHERE adcode = :a"
        )
        return set(conn.execute(q, {"a": SCRATCH_DISTRICT}).scalars())


def test_adoption_refused_while_keys_hold_removed_grids(  # type: ignore[no-untyped-def]
    client: TestClient, keys, scratch: Engine
) -> None:
    units = load_hierarchy(scratch)
    grids = [u for u in units if u.level.value == "grid"]
    # one community's grids numbered from 901: a proposal (numbered from 001) drops them
    last = max(g.parent_code for g in grids)
    mine = [g for g in grids if g.parent_code == last]
    renamed = [dataclasses.replace(g, code=f"{last}{901 + i}") for i, g in enumerate(mine)]
    current = [g for g in grids if g.parent_code != last] + renamed
    import_table(scratch, table(current), level="grid", crs="EPSG:4326", district=SCRATCH_DISTRICT)
    with scratch.connect() as conn:
        outline = units_repo.shapes(conn, SCRATCH_DISTRICT, ["district"])[0].geometry
    load_department_layers(scratch, units, outline, SCRATCH_DISTRICT, seed=5)
    h = auth(keys["admin"])
    proposal = client.post(f"/api/v1/layers/propose?district={SCRATCH_DISTRICT}", headers=h)
    assert proposal.status_code == 200, proposal.text
    layer_id = proposal.json()["layer_id"]
    feats = client.get(f"/api/v1/layers/{layer_id}/features", headers=h).json()["features"]
    proposed = {f["properties"]["code"] for f in feats}
    before = _grid_codes(scratch)
    doomed, kept = renamed[0].code, sorted(before & proposed)[0]
    assert doomed not in proposed
    _, blocking = create_key(scratch, "grid_leader", name="leader", grids=[kept, doomed])
    _, harmless = create_key(scratch, "grid_leader", grids=[kept])
    _, revoked = create_key(scratch, "grid_leader", grids=[renamed[1].code])
    with scratch.begin() as conn:
        keys_repo.revoke(conn, revoked)

    r = client.post(f"/api/v1/layers/{layer_id}/adopt", headers=h)
    assert r.status_code == 409 and r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["blocking_keys"] == [{"prefix": blocking, "name": "leader", "grids": [doomed]}]
    assert blocking in body["detail"] and doomed in body["detail"]
    assert harmless not in body["detail"] and revoked not in body["detail"]
    assert _grid_codes(scratch) == before  # nothing changed
    layer = client.get(f"/api/v1/layers/{layer_id}", headers=h).json()
    assert layer["status"] != "adopted"

    with scratch.begin() as conn:
        keys_repo.revoke(conn, blocking)
    r = client.post(f"/api/v1/layers/{layer_id}/adopt", headers=h)
    assert r.status_code == 200, r.text
    adopted = r.json()
    assert doomed in adopted["removed_grids"] and kept not in adopted["removed_grids"]
    assert _grid_codes(scratch) == proposed
    # every layer's report was recomputed against the adopted grids: none names a removed one
    assert len(adopted["reports_rebuilt"]) == 4
    named = _report_codes(scratch)
    assert named and named <= proposed
