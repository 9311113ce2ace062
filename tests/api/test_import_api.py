"""Importing boundary files through HTTP: good files land, bad ones write nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from gridsvc.demo.generate import generate_hierarchy
from gridsvc.demo.load import bundled_districts
from tests.api.conftest import auth
from tests.conftest import SCRATCH_DISTRICT
from tests.helpers import write_geojson
from tests.shapefiles import write_shapefile_zip

BUNDLED = Path(__file__).parents[2] / "gridsvc" / "data" / "districts"


def post(client, key, path: Path, **form):  # type: ignore[no-untyped-def]
    data = {"crs": "EPSG:4326", "district": SCRATCH_DISTRICT, **form}
    with path.open("rb") as fh:
        return client.post(
            "/api/v1/grids/import", headers=auth(key), data=data, files={"file": (path.name, fh)}
        )


def count(engine: Engine, level: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM units WHERE adcode = :a AND level = :l"),
            {"a": SCRATCH_DISTRICT, "l": level},
        ).scalar_one()


@pytest.fixture
def district(client: TestClient, keys: dict[str, str], scratch: Engine) -> object:
    """District 350205 imported from its bundled GCJ-02 boundary; returns its WGS 84 shape."""
    r = post(client, keys["admin"], BUNDLED / "350205.geojson", crs="gcj02", level="district")
    assert r.status_code == 200, r.text
    with scratch.connect() as conn:
        wkb = conn.execute(
            text("SELECT ST_AsBinary(geom) FROM units WHERE code = :c"), {"c": SCRATCH_DISTRICT}
        ).scalar_one()
    return shapely.from_wkb(bytes(wkb))


@pytest.fixture
def streets(district, tmp_path: Path) -> list:  # type: ignore[no-untyped-def]
    units = generate_hierarchy(district, SCRATCH_DISTRICT, seed=3)
    return [u for u in units if u.level.value == "street"]


def street_file(tmp_path: Path, streets, **overrides) -> Path:  # type: ignore[no-untyped-def]
    feats = [({"code": s.code, "name": s.name}, s.geometry) for s in streets]
    for i, (props, geom) in overrides.items():
        feats[int(i)] = (props, geom)
    return write_geojson(tmp_path / "streets.geojson", feats)


def test_import_streets_then_idempotent(client, keys, streets, tmp_path, scratch) -> None:  # type: ignore[no-untyped-def]
    path = street_file(tmp_path, streets)
    first = post(client, keys["admin"], path, level="street")
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["status"] == "accepted"
    assert body["written"] == {"inserted": len(streets), "updated": 0, "unchanged": 0}
    again = post(client, keys["admin"], path, level="street").json()
    assert again["written"] == {"inserted": 0, "updated": 0, "unchanged": len(streets)}
    assert count(scratch, "street") == len(streets)


def test_only_admin_imports(client, keys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_geojson(tmp_path / "x.geojson", [({}, shapely.box(0, 0, 1, 1))])
    for role in ("operator", "planner", "grid_leader", "integrator"):
        r = post(client, keys[role], path, level="street")
        assert r.status_code == 403, role


def _assert_rejected(r, kind: str, feature: int) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert "nothing was written" in body["detail"]
    hits = [e for e in body["errors"] if e["kind"] == kind]
    assert hits and hits[0]["feature"] == feature, body["errors"]
    return hits[0]


def test_self_intersecting_polygon_strict(client, keys, streets, tmp_path, scratch) -> None:  # type: ignore[no-untyped-def]
    x0, y0, x1, y1 = streets[1].geometry.bounds
    bowtie = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0)])
    path = street_file(tmp_path, streets, **{"1": ({"code": streets[1].code}, bowtie)})
    err = _assert_rejected(post(client, keys["admin"], path, level="street", strict="true"),
                           "invalid_geometry", 2)  # fmt: skip
    assert "Self-intersection" in err["message"] and err["code"] == streets[1].code
    assert count(scratch, "street") == 0
    # without --strict it is repaired, reported, and written
    lax = post(client, keys["admin"], path, level="street").json()
    assert lax["status"] == "accepted"
    assert any(w["kind"] == "invalid_geometry" for w in lax["warnings"])


def test_swapped_lat_lon(client, keys, streets, tmp_path, scratch) -> None:  # type: ignore[no-untyped-def]
    swapped = shapely.transform(streets[0].geometry, lambda c: c[:, ::-1])
    path = street_file(tmp_path, streets, **{"0": ({"code": streets[0].code}, swapped)})
    err = _assert_rejected(post(client, keys["admin"], path, level="street"),
                           "swapped_coordinates", 1)  # fmt: skip
    assert "swapped" in err["message"]
    assert count(scratch, "street") == 0


def test_wrong_crs_lands_outside_district(client, keys, streets, tmp_path, scratch) -> None:  # type: ignore[no-untyped-def]
    path = street_file(tmp_path, streets)
    r = post(client, keys["admin"], path, level="street", crs="EPSG:3857")
    err = _assert_rejected(r, "outside_district", 1)
    assert "EPSG:3857" in err["message"] and "350205" in err["message"]
    assert count(scratch, "street") == 0


def test_code_not_extending_parent(client, keys, streets, tmp_path, scratch) -> None:  # type: ignore[no-untyped-def]
    s = streets[2]
    path = street_file(
        tmp_path,
        streets,
        **{"2": ({"code": "350206" + s.code[6:], "parent_code": "350205"}, s.geometry)},
    )
    err = _assert_rejected(post(client, keys["admin"], path, level="street"), "code", 3)
    assert "does not extend" in err["message"] and err["field"] == "code"
    assert count(scratch, "street") == 0


def test_codeless_features_are_numbered(client, keys, streets, tmp_path, scratch) -> None:  # type: ignore[no-untyped-def]
    path = write_geojson(tmp_path / "s.geojson", [({"name": s.name}, s.geometry) for s in streets])
    body = post(client, keys["admin"], path, level="street").json()
    assert body["status"] == "accepted", body
    with scratch.connect() as conn:
        codes = (
            conn.execute(
                text("SELECT code FROM units WHERE adcode = :a AND level = 'street' ORDER BY code"),
                {"a": SCRATCH_DISTRICT},
            )
            .scalars()
            .all()
        )
    assert codes == [f"350205{i:03d}" for i in range(1, len(streets) + 1)]


def test_unreadable_file_and_unknown_crs(client, keys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json")
    r = post(client, keys["admin"], bad, level="street")
    assert r.status_code == 422 and "could not read bad.geojson" in r.json()["detail"]
    assert "gridsvc-upload" not in r.text and "/tmp" not in r.text  # no server paths
    ok = write_geojson(tmp_path / "ok.geojson", [({}, shapely.box(118, 24.4, 118.01, 24.41))])
    r = post(client, keys["admin"], ok, level="street", crs="EPSG:999999")
    assert r.status_code == 422 and "EPSG:999999" in r.json()["detail"]


def test_bundled_index_lists_demo_districts() -> None:
    assert {"530302", "350205", "510104"} <= set(bundled_districts())


def names_in_db(engine: Engine, level: str) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT code, name FROM units WHERE adcode = :a AND level = :l"),
            {"a": SCRATCH_DISTRICT, "l": level},
        )
        return {code: name for code, name in rows}


def gbk_streets(tmp_path: Path, streets, code: str = "code", name: str = "name") -> Path:  # type: ignore[no-untyped-def]
    columns = {code: [s.code for s in streets], name: [s.name for s in streets]}
    columns["面积"] = [f"{s.geometry.area:.6f}" for s in streets]
    return write_shapefile_zip(
        tmp_path / "streets.zip", columns, [s.geometry for s in streets], encoding="GBK"
    )


def test_gbk_shapefile_without_cpg_keeps_names(client, keys, streets, tmp_path, scratch) -> None:  # type: ignore[no-untyped-def]
    r = post(client, keys["admin"], gbk_streets(tmp_path, streets), level="street")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["encoding"] == {"name": "gb18030", "source": "detected"}
    assert names_in_db(scratch, "street") == {s.code: s.name for s in streets}
    [unused] = [w for w in body["warnings"] if w["kind"] == "unused_columns"]
    assert "面积" in unused["message"]


def test_wrong_encoding_rejects_each_feature(client, keys, streets, tmp_path, scratch) -> None:  # type: ignore[no-untyped-def]
    r = post(
        client, keys["admin"], gbk_streets(tmp_path, streets), level="street", encoding="utf-8"
    )
    assert r.status_code == 422, r.text
    [header, *errors] = [e for e in r.json()["errors"] if e["kind"] == "encoding"]
    assert "column names" in header["message"] and "feature" not in header  # 面积 in GBK
    assert [e["feature"] for e in errors] == list(range(1, len(streets) + 1))
    assert {e["field"] for e in errors} == {"name"}
    assert "are not valid utf-8" in errors[0]["message"]
    assert "declare the file's encoding" in errors[0]["message"]
    assert count(scratch, "street") == 0


def test_declared_encoding_is_used(client, keys, streets, tmp_path, scratch) -> None:  # type: ignore[no-untyped-def]
    r = post(
        client,
        keys["admin"],
        gbk_streets(tmp_path, streets),
        level="street",
        encoding="GBK",
        dry_run="true",
    )
    assert r.status_code == 200, r.text
    assert r.json()["encoding"] == {"name": "gb18030", "source": "declared"}
    r = post(
        client, keys["admin"], gbk_streets(tmp_path, streets), level="street", encoding="klingon"
    )
    assert r.status_code == 422 and "unknown encoding 'klingon'" in r.json()["detail"]


def test_field_mapping_of_chinese_columns(client, keys, streets, tmp_path, scratch) -> None:  # type: ignore[no-untyped-def]
    path = gbk_streets(tmp_path, streets, code="编码", name="名称")
    mapping = {"field": ["code=编码", "name=名称"]}
    r = post(client, keys["admin"], path, level="street", **mapping)
    assert r.status_code == 200, r.text
    assert names_in_db(scratch, "street") == {s.code: s.name for s in streets}
    r = post(client, keys["admin"], path, level="street", field=["code=编码", "name=名字"])
    assert r.status_code == 422, r.text
    [error] = [e for e in r.json()["errors"] if e["kind"] == "unknown_column"]
    assert error["field"] == "name" and "名字" in error["message"]
    assert "编码, 名称, 面积" in error["message"]
    r = post(client, keys["admin"], path, level="street", field=["colour=编码"])
    assert r.status_code == 422 and "unknown target 'colour'" in r.json()["detail"]
