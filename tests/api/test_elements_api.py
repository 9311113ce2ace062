"""Elements over HTTP: filters, paging, masking by role, the audited reveal, the grid card."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from gridsvc.services.keys import create_key
from gridsvc.spatial import h3cells
from tests.api.conftest import auth
from tests.elements_rows import (
    EXPECTED_A,
    ID_A,
    PHONE_A,
    SOURCE,
    Grid,
    delete_rows,
    grid_points,
    insert_rows,
    sample_rows,
)

PERSONAL = ("pii", "id_hash", "row_hash", "address", "birth_date")


@dataclass(frozen=True)
class Env:
    a: Grid
    b: Grid
    ids: dict[str, int]
    keys: dict[str, str]


@pytest.fixture(scope="module")
def env(client: TestClient, engine: Engine, demo_district: str, keys) -> Iterator[Env]:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        codes = (
            conn.execute(
                text("SELECT code FROM units WHERE adcode = :a AND level = 'grid' ORDER BY code"),
                {"a": demo_district},
            )
            .scalars()
            .all()
        )
        a, b = grid_points(
            conn, [codes[0], next(c for c in codes if c[:12] == codes[0][:12] and c != codes[0])]
        )
        ids = insert_rows(conn, demo_district, sample_rows(client.app.state.keyring, a, b))  # type: ignore[attr-defined]
    more = dict(keys)
    more["leader_b"], _ = create_key(engine, "grid_leader", grids=[b.code])
    more["district_operator"], _ = create_key(engine, "operator", district=demo_district)
    more["other_admin"], _ = create_key(engine, "admin", district="110101")
    yield Env(a, b, ids, more)
    delete_rows(engine)


def get(client: TestClient, key: str, query: str, status: int = 200) -> dict:
    r = client.get(f"/api/v1/elements?source={SOURCE}&{query}", headers=auth(key))
    assert r.status_code == status, r.text
    return r.json()


def kinds(body: dict) -> list[str]:
    return sorted(f["properties"]["kind"] for f in body["features"])


def test_admin_lists_every_element_masked(client: TestClient, env: Env) -> None:
    body = get(client, env.keys["admin"], "limit=1000")
    assert body["type"] == "FeatureCollection" and body["numberMatched"] == 16
    assert (
        client.get("/api/v1/elements", headers=auth(env.keys["admin"]))
        .headers["content-type"]
        .startswith("application/geo+json")
    )
    p1 = next(f for f in body["features"] if f["properties"]["external_id"] == "p1")
    props = p1["properties"]
    assert props["name"] == "张*" and props["id_number"] == "510104********1234"
    assert props["phone"] == "138****5678" and props["grid_code"] == env.a.code
    assert props["kind"] == "person" and props["category"] == "registered"
    assert props["h3"] == format(
        int(h3cells.latlng_to_cells(np.array([env.a.lat]), np.array([env.a.lon]), 11)[0]), "x"
    )
    assert p1["id"] == props["id"] == env.ids["p1"] and p1["geometry"]["type"] == "Point"
    for feature in body["features"]:
        assert not set(PERSONAL) & set(feature["properties"]), feature
    text_ = str(body)
    assert "张三丰" not in text_ and ID_A not in text_ and PHONE_A not in text_


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=thing", ["thing"] * 3),
        ("kind=staff", ["staff"] * 3),
        ("tag=party_member", ["person"] * 2),
        ("tag=elderly_alone&grid={b}", ["person"]),
        ("q=锦园", ["place"]),
        ("q=p4", ["person"]),
        ("kind=person&grid={a12}", ["person"] * 4),
        ("kind=situation&grid={a}", ["situation"] * 2),
        ("kind=person&cell={cell_a}", ["person"] * 3),
        ("kind=person&cell={parent_a}", None),  # the coarse cell may hold B's point too
        ("kind=place&bbox={bbox_a}", ["place"] * 2),
        ("kind=place&bbox=0,0,1,1", []),
    ],
)
def test_filters(client: TestClient, env: Env, query: str, expected: list[str] | None) -> None:
    cell = h3cells.latlng_to_cells(np.array([env.a.lat]), np.array([env.a.lon]), 11)
    parent = h3cells.cell_parents(cell, 7)
    values = {
        "a": env.a.code,
        "b": env.b.code,
        "a12": env.a.code[:12],
        "cell_a": h3cells.cells_to_str(cell)[0],
        "parent_a": h3cells.cells_to_str(parent)[0],
        "bbox_a": f"{env.a.lon - 1e-4},{env.a.lat - 1e-4},{env.a.lon + 1e-4},{env.a.lat + 1e-4}",
    }
    body = get(client, env.keys["admin"], query.format(**values))
    if expected is None:
        assert kinds(body).count("person") >= 3
    else:
        assert kinds(body) == expected and body["numberMatched"] == len(expected)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("cell=8f2830828052d25", "finer than the index resolution"),
        ("cell=ffffffffffffffff", "not a valid H3 cell"),
        ("bbox=1,2,3", "needs 4"),
        ("grid=530302001&district=510104", "not in district 510104"),
    ],
)
def test_bad_filters_say_why(client: TestClient, env: Env, query: str, message: str) -> None:
    body = get(client, env.keys["admin"], query, 422)
    assert message in body["detail"]


def test_paging_follows_next_links(client: TestClient, env: Env) -> None:
    url, seen = f"/api/v1/elements?source={SOURCE}&limit=5", []
    while url:
        body = client.get(url, headers=auth(env.keys["admin"])).json()
        assert body["numberMatched"] == 16 and body["numberReturned"] == len(body["features"])
        seen += [f["id"] for f in body["features"]]
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url = nxt[0] if nxt else ""
    assert len(seen) == 16 == len(set(seen)) and seen == sorted(seen)
    last = get(client, env.keys["admin"], "limit=5&offset=15")
    assert last["numberReturned"] == 1 and [x["rel"] for x in last["links"]] == ["self"]
    assert get(client, env.keys["admin"], "offset=100")["features"] == []
    get(client, env.keys["admin"], "limit=1001", 422)


@pytest.mark.parametrize("role", ["operator", "planner", "district_operator"])
def test_operators_and_planners_see_people_only_as_counts(
    client: TestClient, env: Env, role: str
) -> None:
    key = env.keys[role]
    body = get(client, key, "limit=1000")
    assert body["numberMatched"] == 12 and "person" not in kinds(body)
    staff = [f for f in body["features"] if f["properties"]["kind"] == "staff"]
    assert {f["properties"]["name"] for f in staff} == {"赵*", "钱*", "孙*"}
    refused = get(client, key, "kind=person", 403)
    assert "only as counts" in refused["detail"] and "/card" in refused["detail"]
    r = client.get(f"/api/v1/elements/{env.ids['p1']}", headers=auth(key))
    assert r.status_code == 404
    assert client.get(f"/api/v1/elements/{env.ids['b1']}", headers=auth(key)).status_code == 200
    card = client.get(f"/api/v1/grids/{env.a.code}/card", headers=auth(key)).json()
    assert card["residents"] == EXPECTED_A["residents"]


def test_grid_leader_sees_its_own_grid_only(client: TestClient, env: Env) -> None:
    key = env.keys["grid_leader"]
    body = get(client, key, "limit=1000")
    assert {f["properties"]["grid_code"] for f in body["features"]} == {env.a.code}
    assert kinds(body).count("person") == 3 and body["numberMatched"] == 14
    own = client.get(f"/api/v1/elements/{env.ids['p1']}", headers=auth(key))
    assert own.status_code == 200 and own.json()["properties"]["name"] == "张*"
    for other in ("p4", "st3"):
        r = client.get(f"/api/v1/elements/{env.ids[other]}", headers=auth(key))
        assert r.status_code == 404 and r.json()["detail"] == f"no element {env.ids[other]}"
    assert get(client, key, f"grid={env.b.code}")["numberMatched"] == 0
    mine = client.get(f"/api/v1/elements/{env.ids['p4']}", headers=auth(env.keys["leader_b"]))
    assert mine.status_code == 200


def test_district_limited_keys_see_their_district_only(client: TestClient, env: Env) -> None:
    key = env.keys["other_admin"]
    assert get(client, key, "")["numberMatched"] == 0
    assert get(client, key, f"district={env.a.code[:6]}", 404)
    r = client.get(f"/api/v1/elements/{env.ids['b1']}", headers=auth(key))
    assert r.status_code == 404
    r = client.get(f"/api/v1/elements/{env.ids['b1']}?district={env.a.code[:6]}", headers=auth(key))
    assert r.status_code == 404
    assert client.get(f"/api/v1/grids/{env.a.code}/card", headers=auth(key)).status_code == 404
    assert get(client, env.keys["integrator"], "", 403)


def reveal(client: TestClient, key: str, element: int, body: dict | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/elements/{element}/reveal",
        headers=auth(key),
        json={"reason": "visit after a fall, call the family"} if body is None else body,
    )


def audit_entries(client: TestClient, env: Env, element: int) -> list[dict]:
    query = f"/api/v1/audit?action=elements.reveal&object=element:{element}"
    return client.get(query, headers=auth(env.keys["admin"])).json()["entries"]


def test_reveal_is_audited_with_its_reason(client: TestClient, env: Env) -> None:
    r = reveal(client, env.keys["admin"], env.ids["p1"])
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    assert r.json() == {
        "id": env.ids["p1"],
        "kind": "person",
        "name": "张三丰",
        "id_number": ID_A,
        "phone": PHONE_A,
        "address": "春熙路 1 号",
        "birth_date": None,
    }
    (entry,) = audit_entries(client, env, env.ids["p1"])
    assert entry["outcome"] == "ok" and entry["district"] == env.a.code[:6]
    assert entry["detail"]["reason"] == "visit after a fall, call the family"
    assert entry["detail"]["fields"] == ["address", "id_number", "name", "phone"]
    assert ID_A not in str(entry) and "张三丰" not in str(entry)


def test_reveal_needs_a_reason(client: TestClient, env: Env) -> None:
    for body in ({}, {"reason": "ab"}, {"reason": "     "}, {"reason": "why", "x": 1}):
        r = reveal(client, env.keys["admin"], env.ids["p2"], body)
        assert r.status_code == 422, body
        assert "reason" in r.text
    entries = audit_entries(client, env, env.ids["p2"])
    assert [e["outcome"] for e in entries] == ["rejected"]  # the blank reason, seen by the service


def test_reveal_by_role_and_grid(client: TestClient, env: Env) -> None:
    leader = env.keys["grid_leader"]
    assert reveal(client, leader, env.ids["p3"]).json()["name"] == "王五"
    assert reveal(client, leader, env.ids["st1"]).json()["phone"] == "13900000001"
    assert reveal(client, leader, env.ids["p4"]).status_code == 404
    assert reveal(client, env.keys["leader_b"], env.ids["p4"]).status_code == 200
    for role in ("operator", "planner", "integrator"):
        r = reveal(client, env.keys[role], env.ids["p4"])
        assert r.status_code == 403, role
    assert reveal(client, env.keys["other_admin"], env.ids["p4"]).status_code == 404
    assert reveal(client, env.keys["admin"], env.ids["b1"]).status_code == 422
    outcomes = [(e["actor_role"], e["outcome"]) for e in audit_entries(client, env, env.ids["p4"])]
    assert sorted(outcomes) == sorted(
        [
            ("grid_leader", "refused"),
            ("grid_leader", "ok"),
            ("operator", "refused"),
            ("planner", "refused"),
            ("integrator", "refused"),
            ("admin", "refused"),
        ]
    )


def test_grid_card_over_http(client: TestClient, env: Env) -> None:
    leader = env.keys["grid_leader"]
    card = client.get(f"/api/v1/grids/{env.a.code}/card", headers=auth(leader))
    assert card.status_code == 200
    assert card.json()["households"] == 2 and card.json()["staff"]["on_duty"] == 1
    for code in (env.b.code, env.a.code[:12]):
        assert client.get(f"/api/v1/grids/{code}/card", headers=auth(leader)).status_code == 404
    admin = auth(env.keys["admin"])
    community = client.get(f"/api/v1/grids/{env.a.code[:12]}/card", headers=admin).json()
    assert community["level"] == "community" and community["residents"]["total"] == 4
    assert client.get("/api/v1/grids/510104999/card", headers=admin).status_code == 404
    assert client.get(f"/api/v1/grids/{env.a.code}/card").status_code == 401


def test_grid_leader_key_from_its_staff_record(client: TestClient, env: Env) -> None:
    admin = auth(env.keys["admin"])
    body = {"role": "grid_leader", "staff_id": env.ids["st1"], "name": "赵 grid leader"}
    r = client.post("/api/v1/keys", headers=admin, json=body)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["grid_codes"] == [env.a.code] and made["staff_id"] == env.ids["st1"]
    assert made["district"] == env.a.code[:6]
    listed = client.get("/api/v1/keys", headers=admin).json()["keys"]
    assert next(k for k in listed if k["prefix"] == made["prefix"])["staff_id"] == env.ids["st1"]
    assert reveal(client, made["key"], env.ids["p1"]).status_code == 200
    assert reveal(client, made["key"], env.ids["p4"]).status_code == 404
    wrong = client.post("/api/v1/keys", headers=admin, json={**body, "staff_id": env.ids["st2"]})
    assert wrong.status_code == 422 and "police_officer, not grid_leader" in wrong.json()["detail"]
    place = client.post("/api/v1/keys", headers=admin, json={**body, "staff_id": env.ids["b1"]})
    assert place.status_code == 422 and "no staff record" in place.json()["detail"]
