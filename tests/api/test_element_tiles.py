"""Element tiles (``elements``, ``heat``): points at z ≥ 15, counts per H3 cell below, roles."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import h3
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from gridsvc.repositories.element_tiles import PARENT
from maps.tiles import TileCache
from tests.api.conftest import auth
from tests.api.test_tile_freshness import until
from tests.api.test_tiles_api import features, point_of, url
from tests.conftest import READONLY_DISTRICT

SOURCE = "test-element-tiles"
#: (kind, category, tags, name, metres east of the grid's point) in the leader's grid
MINE = [
    ("person", "registered", ["elderly_alone"], "张*", 0),
    ("person", "floating", ["elderly_alone", "low_income"], "李*", 4),
    ("person", "registered", [], "王*", 8),
    ("place", "building", [], "3 号楼", 12),
    ("place", "compound", [], "幸福小区", 16),
    ("thing", "01001", [], "井盖", 20),
    ("organisation", "party_org", [], "第一网格党支部", 24),
    ("situation", "hazard", [], "消防通道堵塞", 28),
    ("staff", "grid_leader", [], "赵*", 32),
]
OTHERS = [
    ("person", "registered", ["elderly_alone"], "钱*", 0),
    ("place", "poi", [], "便利店", 4),
]


def insert(engine: Engine, grid: str, lon: float, lat: float, rows: list, tag: str = "") -> None:  # type: ignore[type-arg]
    with engine.begin() as conn:
        for i, (kind, category, tags, name, east) in enumerate(rows):
            x = lon + east / 100_000.0
            cell = h3.str_to_int(h3.latlng_to_cell(lat, x, 11))
            conn.execute(
                text(
                    "INSERT INTO elements (adcode, kind, category, source, external_id, name, "
                    "grid_code, h3, geom, tags, row_hash, severity) VALUES (:a, :k, :c, :s, :e, "
                    ":n, :g, :h, ST_SetSRID(ST_Point(:x, :y), 4326), :t, 0, :sev)"
                ),
                {
                    "a": READONLY_DISTRICT,
                    "k": kind,
                    "c": category,
                    "s": SOURCE,
                    "e": f"{grid}-{tag}{i}",
                    "n": name,
                    "g": grid,
                    "h": cell,
                    "x": x,
                    "y": lat,
                    "t": tags,
                    "sev": 2 if kind == "situation" else None,
                },
            )


@pytest.fixture(scope="module")
def places(engine: Engine, first_grid: str) -> Iterator[dict]:
    """Elements in the grid leader's grid and in a neighbouring grid of another leader."""
    lon, lat = point_of(engine, first_grid)
    with engine.connect() as conn:
        other = conn.execute(
            text(
                "SELECT code FROM units WHERE adcode = :a AND level = 'grid' AND code <> :g "
                "ORDER BY ST_Distance(geom, ST_SetSRID(ST_Point(:x, :y), 4326)) LIMIT 1"
            ),
            {"a": READONLY_DISTRICT, "g": first_grid, "x": lon, "y": lat},
        ).scalar_one()
    insert(engine, first_grid, lon, lat, MINE)
    insert(engine, other, lon, lat + 0.0001, OTHERS)  # the same tiles, another grid
    yield {"lon": lon, "lat": lat, "mine": first_grid, "other": other}
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM elements WHERE source = :s"), {"s": SOURCE})


def ours(response, layer: str = "elements") -> list[dict]:  # type: ignore[no-untyped-def]
    return features(response).get(layer, [])


def test_points_at_z16_for_admin(client: TestClient, keys, places) -> None:  # type: ignore[no-untyped-def]
    r = client.get(url("elements", places["lon"], places["lat"], 16), headers=auth(keys["admin"]))
    found = [f["properties"] for f in ours(r)]
    kinds = sorted(p["kind"] for p in found)
    assert kinds == sorted(k for k, *_ in MINE + OTHERS)
    people = [p for p in found if p["kind"] == "person"]
    assert people and all("name" not in p for p in people)  # no names of people in tiles
    assert next(p for p in found if p["kind"] == "staff")["name"] == "赵*"  # masked
    building = next(p for p in found if p["category"] == "building")
    assert building["name"] == "3 号楼" and building["grid_code"] == places["mine"]
    assert isinstance(building["element_id"], int)
    tagged = next(p for p in found if p["category"] == "floating")
    assert tagged["tags"] == "elderly_alone,low_income"
    situation = next(p for p in found if p["kind"] == "situation")
    assert situation["severity"] == 2
    assert all(f["geometry"]["type"] == "Point" for f in ours(r))


def test_operator_never_gets_people(client: TestClient, keys, places) -> None:  # type: ignore[no-untyped-def]
    h = auth(keys["operator"])
    r = client.get(url("elements", places["lon"], places["lat"], 16), headers=h)
    kinds = {f["properties"]["kind"] for f in ours(r)}
    assert kinds == {"place", "thing", "organisation", "situation", "staff"}
    r = client.get(url("elements", places["lon"], places["lat"], 16, "kind=person"), headers=h)
    assert r.status_code == 403 and "individual people" in r.json()["detail"]
    r = client.get(
        url("elements", places["lon"], places["lat"], 17, "kind=person"),
        headers=auth(keys["planner"]),
    )
    assert r.status_code == 403
    # counts of people are allowed below z15 and in the heat layer
    r = client.get(url("elements", places["lon"], places["lat"], 14, "kind=person"), headers=h)
    assert sum(f["properties"]["count"] for f in ours(r)) == 4
    assert (
        client.get(url("elements", 0, 0, 16), headers=auth(keys["integrator"])).status_code == 403
    )


def test_grid_leader_sees_own_grid_only(client: TestClient, keys, places) -> None:  # type: ignore[no-untyped-def]
    h = auth(keys["grid_leader"])
    r = client.get(url("elements", places["lon"], places["lat"], 16), headers=h)
    found = [f["properties"] for f in ours(r)]
    assert {p["grid_code"] for p in found} == {places["mine"]}
    assert sorted(p["kind"] for p in found) == sorted(k for k, *_ in MINE)
    r = client.get(url("elements", places["lon"], places["lat"], 16, "kind=person"), headers=h)
    assert len(ours(r)) == 3
    r = client.get(url("elements", places["lon"], places["lat"], 12), headers=h)
    assert sum(f["properties"]["count"] for f in ours(r)) == len(MINE)


def test_aggregated_cells_below_z15(client: TestClient, keys, places) -> None:  # type: ignore[no-untyped-def]
    lon, lat = places["lon"], places["lat"]
    for z, res in ((14, 10), (12, 8), (9, 5)):
        r = client.get(url("elements", lon, lat, z), headers=auth(keys["operator"]))
        cells = [f for f in ours(r) if f["properties"]["h3"]]
        assert cells and all(f["geometry"]["type"] == "Point" for f in cells), z
        assert {h3.get_resolution(f["properties"]["h3"]) for f in cells} == {res}
        ours_cell = h3.cell_to_parent(h3.latlng_to_cell(lat, lon, 11), res)
        props = next(f["properties"] for f in cells if f["properties"]["h3"] == ours_cell)
        if z == 9:  # one res-5 cell holds them all (and the district's other test rows: none)
            assert props["count"] == len(MINE) + len(OTHERS)
            assert props["person"] == 4 and props["place"] == 3 and props["staff"] == 1
            assert props["thing"] == props["organisation"] == props["situation"] == 1
        assert props["count"] == sum(
            props.get(k, 0)
            for k in ("person", "place", "thing", "organisation", "situation", "staff")
        )
    r = client.get(url("elements", lon, lat, 12, "kind=place"), headers=auth(keys["operator"]))
    cells = [f["properties"] for f in ours(r)]
    assert sum(p["count"] for p in cells) == 3 and all(set(p) == {"h3", "count"} for p in cells)


def test_heat_by_tag_and_kind(client: TestClient, keys, places) -> None:  # type: ignore[no-untyped-def]
    lon, lat = places["lon"], places["lat"]
    h = auth(keys["operator"])
    for z, res in ((13, 9), (16, 10)):
        r = client.get(url("heat", lon, lat, z, "tag=elderly_alone"), headers=h)
        hexes = ours(r, "heat")
        assert {h3.get_resolution(f["properties"]["h3"]) for f in hexes} == {res}
        assert sum(f["properties"]["count"] for f in hexes) == 3
        assert all(f["geometry"]["type"] == "Polygon" for f in hexes)
    r = client.get(url("heat", lon, lat, 13, "kind=place"), headers=h)
    assert sum(f["properties"]["count"] for f in ours(r, "heat")) == 3
    r = client.get(url("heat", lon, lat, 13, "tag=veteran"), headers=h)
    assert r.status_code == 204
    r = client.get(
        url("heat", lon, lat, 13, "tag=elderly_alone"), headers=auth(keys["grid_leader"])
    )
    assert sum(f["properties"]["count"] for f in ours(r, "heat")) == 2
    for query in ("tag=Elderly", "kind=camera", "tag="):
        r = client.get(url("heat", lon, lat, 13, query), headers=h)
        assert r.status_code == 422, query


def test_tiles_follow_element_writes(client: TestClient, keys, engine, places) -> None:  # type: ignore[no-untyped-def]
    path, h = url("heat", places["lon"], places["lat"], 13, "tag=veteran"), auth(keys["admin"])
    assert client.get(path, headers=h).status_code == 204
    extra = [("person", "registered", ["veteran"], "孙*", 40)]
    insert(engine, places["mine"], places["lon"], places["lat"] + 0.0002, extra, "extra")
    assert until(lambda: client.get(path, headers=h).status_code == 200) < 1.6
    with engine.begin() as conn:
        conn.execute(
            text("DELETE FROM elements WHERE source = :s AND 'veteran' = ANY(tags)"), {"s": SOURCE}
        )
    assert until(lambda: client.get(path, headers=h).status_code == 204) < 1.6


def test_parent_arithmetic_matches_h3(engine: Engine) -> None:
    cells = [
        h3.latlng_to_cell(lat, lon, r)
        for lat, lon in ((25.49, 103.79), (-33.9, 151.2), (64.1, -21.9), (0.0, 0.0))
        for r in (9, 11, 13, 15)
    ]
    sql = f"SELECT {PARENT} FROM (SELECT %(c)s::bigint AS h3) t"
    with engine.connect() as conn:
        for cell in cells:
            for res in range(0, 16):
                got = conn.exec_driver_sql(sql, {"c": h3.str_to_int(cell), "res": res}).scalar_one()
                want = cell if res >= h3.get_resolution(cell) else h3.cell_to_parent(cell, res)
                assert h3.int_to_str(got) == want, (cell, res)


def test_counts_are_made_once_for_concurrent_tiles(engine: Engine) -> None:
    cache = TileCache(engine, entries=0)  # its pool is not opened: no I/O
    calls: list[int] = []
    gate = threading.Event()

    def make() -> int:
        calls.append(1)
        gate.wait(2)
        return len(calls)

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(cache.derived, ("counts",), make) for _ in range(4)]
        time.sleep(0.2)
        gate.set()
        assert [f.result() for f in futures] == [1, 1, 1, 1]
    assert calls == [1]
