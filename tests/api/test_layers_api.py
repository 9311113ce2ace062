"""多网合一 through HTTP: departmental layers, reports, proposals and adoption."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from gridsvc.demo.departments import generate_department_layers
from gridsvc.demo.generate import generate_hierarchy
from tests.api.conftest import auth
from tests.conftest import SCRATCH_DISTRICT
from tests.helpers import write_geojson
from tests.shapefiles import write_shapefile_zip

BUNDLED = Path(__file__).parents[2] / "gridsvc" / "data" / "districts"


def layers_of(client, key, district="510104"):  # type: ignore[no-untyped-def]
    r = client.get(f"/api/v1/layers?district={district}", headers=auth(key))
    assert r.status_code == 200, r.text
    return r.json()["layers"]


def test_demo_district_has_three_reported_layers(client: TestClient, keys) -> None:  # type: ignore[no-untyped-def]
    layers = layers_of(client, keys["operator"])
    assert [x["department"] for x in layers] == ["城管", "综治", "公安"]
    for x in layers:
        assert x["kind"] == "departmental" and x["version"] == 1
        assert x["summary"]["features"] > 0 and x["summary"]["crosswalk_rows"] > 0
    kinds = set().union(*(x["summary"]["conflicts"] for x in layers))
    assert {"boundary_mismatch", "sliver", "uncovered", "outside_district"} <= kinds


def test_report_json_and_geojson(client: TestClient, keys) -> None:  # type: ignore[no-untyped-def]
    layer = layers_of(client, keys["planner"])[0]
    h = auth(keys["planner"])
    body = client.get(f"/api/v1/layers/{layer['layer_id']}/report", headers=h).json()
    assert body["summary"] == layer["summary"]
    shares = {}
    for row in body["crosswalk"]:
        assert 0 < row["share_of_dept"] <= 1.0001 and 0 < row["share_of_grid"] <= 1.0001
        shares[row["grid_code"]] = shares.get(row["grid_code"], 0) + row["share_of_grid"]
    assert max(shares.values()) <= 1.001
    c = body["conflicts"][0]
    assert c["message"] and c["area_m2"] > 0 and c["geometry"]["type"]
    gj = client.get(f"/api/v1/layers/{layer['layer_id']}/report?format=geojson", headers=h)
    assert gj.headers["content-type"] == "application/geo+json"
    assert len(gj.json()["features"]) == len(body["conflicts"])
    feats = client.get(f"/api/v1/layers/{layer['layer_id']}/features", headers=h).json()
    assert len(feats["features"]) == layer["summary"]["features"]
    assert client.get("/api/v1/layers/999999/report", headers=h).status_code == 404


def test_layer_roles(client: TestClient, keys) -> None:  # type: ignore[no-untyped-def]
    for role in ("grid_leader", "integrator"):
        assert client.get("/api/v1/layers", headers=auth(keys[role])).status_code == 403
    assert client.post("/api/v1/layers/propose", headers=auth(keys["operator"])).status_code == 403


@pytest.fixture
def scratch_units(client, keys, scratch: Engine):  # type: ignore[no-untyped-def]
    """District 350205 with streets and communities, but no grids; returns generated units."""

    def post(path: Path, level: str, crs: str = "EPSG:4326"):  # type: ignore[no-untyped-def]
        with path.open("rb") as fh:
            r = client.post("/api/v1/grids/import", headers=auth(keys["admin"]),
                            data={"crs": crs, "level": level, "district": SCRATCH_DISTRICT},
                            files={"file": (path.name, fh)})  # fmt: skip
        assert r.status_code == 200, r.text

    post(BUNDLED / "350205.geojson", "district", "gcj02")
    with scratch.connect() as conn:
        wkb = conn.execute(text("SELECT ST_AsBinary(geom) FROM units WHERE code = '350205'"))
        outline = shapely.from_wkb(bytes(wkb.scalar_one()))
    units = generate_hierarchy(outline, SCRATCH_DISTRICT, seed=5)
    return outline, units, post


def _layer_file(path: Path, feats) -> Path:  # type: ignore[no-untyped-def]
    return write_geojson(path, [({"code": f.code, "name": f.name}, f.geometry) for f in feats])


def post_layer(client, key, path: Path, **form):  # type: ignore[no-untyped-def]
    data = {"crs": "EPSG:4326", "district": SCRATCH_DISTRICT, **form}
    with path.open("rb") as fh:
        return client.post("/api/v1/layers", headers=auth(key), data=data,
                           files={"file": (path.name, fh)})  # fmt: skip


def test_import_versioning_and_bad_layers(client, keys, scratch_units, tmp_path) -> None:  # type: ignore[no-untyped-def]
    outline, units, post = scratch_units
    grids = [u for u in units if u.level.value == "grid"]
    comms = [u for u in units if u.level.value == "community"]
    layers = generate_department_layers(grids, comms, outline, SCRATCH_DISTRICT, seed=5)
    police = _layer_file(tmp_path / "police.geojson", layers["police"])
    first = post_layer(client, keys["admin"], police, department="公安")
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["version"] == 1
    assert any(w["kind"] == "outside_district" for w in body["import"]["warnings"])
    again = post_layer(client, keys["admin"], police, department="公安").json()
    assert again["layer_id"] == body["layer_id"] and again["version"] == 2
    # wrong CRS: lands outside the district, nothing replaced
    r = post_layer(client, keys["admin"], police, department="公安", crs="EPSG:3857")
    assert r.status_code == 422 and r.json()["errors"][0]["kind"] == "outside_district"
    # invalid geometry, strict
    f0 = layers["police"][0]
    x0, y0, x1, y1 = f0.geometry.bounds
    bowtie = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    bad = write_geojson(tmp_path / "bad.geojson", [({"code": f0.code}, bowtie)])
    r = post_layer(client, keys["admin"], bad, department="城管", strict="true")
    assert r.status_code == 422 and r.json()["errors"][0]["kind"] == "invalid_geometry"
    # a malformed departmental code
    worse = write_geojson(tmp_path / "code.geojson", [({"code": "12345"}, f0.geometry)])
    r = post_layer(client, keys["admin"], worse, department="城管")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "code"
    assert len(layers_of(client, keys["admin"], SCRATCH_DISTRICT)) == 1


def test_propose_and_adopt(client, keys, scratch_units, tmp_path) -> None:  # type: ignore[no-untyped-def]
    outline, units, post = scratch_units
    for level in ("street", "community"):
        mine = [u for u in units if u.level.value == level]
        feats = [({"code": u.code, "name": u.name}, u.geometry) for u in mine]
        post(write_geojson(tmp_path / f"{level}.geojson", feats), level)
    grids = [u for u in units if u.level.value == "grid"]
    comms = [u for u in units if u.level.value == "community"]
    layers = generate_department_layers(grids, comms, outline, SCRATCH_DISTRICT, seed=5)
    for key, name in (("urban_management", "城管"), ("comprehensive_governance", "综治")):
        path = _layer_file(tmp_path / f"{key}.geojson", layers[key])
        assert post_layer(client, keys["admin"], path, department=name).status_code == 200
    h = auth(keys["admin"])
    r = client.post(f"/api/v1/layers/propose?district={SCRATCH_DISTRICT}", headers=h)
    assert r.status_code == 200, r.text
    proposal = r.json()
    assert proposal["grids"] > 10
    feats = client.get(f"/api/v1/layers/{proposal['layer_id']}/features", headers=h).json()
    codes = [f["properties"]["code"] for f in feats["features"]]
    assert all(len(c) == 15 and c.startswith("350205") for c in codes)
    adopted = client.post(f"/api/v1/layers/{proposal['layer_id']}/adopt", headers=h)
    assert adopted.status_code == 200, adopted.text
    grids_now = client.get(f"/api/v1/grids?level=grid&district={SCRATCH_DISTRICT}",
                           headers=h).json()  # fmt: skip
    assert sorted(f["id"] for f in grids_now["features"]) == sorted(codes)
    pt = shapely.point_on_surface(shapely.geometry.shape(feats["features"][0]["geometry"]))
    loc = client.get(f"/api/v1/locate?lon={pt.x}&lat={pt.y}&district={SCRATCH_DISTRICT}",
                     headers=h).json()  # fmt: skip
    assert loc["grid_code"] == codes[0]
    assert_audited(client, keys, proposal["layer_id"])


def assert_audited(client, keys, proposal_id: int) -> None:  # type: ignore[no-untyped-def]
    """Grid imports, layer imports, the proposal and its adoption are in the audit log."""
    h, prefix = auth(keys["admin"]), keys["admin"].split("_")[1]
    q = f"/api/v1/audit?actor={prefix}&object=layer:{proposal_id}&limit=5"
    entries = client.get(q, headers=h).json()["entries"]
    assert [e["action"] for e in entries] == ["layer.adopt", "layer.propose"]
    adopt = entries[0]
    assert adopt["district"] == SCRATCH_DISTRICT and adopt["outcome"] == "ok"
    assert adopt["actor_role"] == "admin" and adopt["detail"]["grids"] > 10
    q = f"/api/v1/audit?action=layer.import&object=layer&actor={prefix}&limit=2"
    imported = client.get(q, headers=h).json()["entries"]
    assert [e["detail"]["department"] for e in imported] == ["综治", "城管"]
    q = f"/api/v1/audit?action=grids.import&object=district:{SCRATCH_DISTRICT}&limit=3"
    grids = client.get(q, headers=h).json()["entries"]
    assert [e["detail"]["level"] for e in grids] == ["community", "street", "district"]
    assert grids[0]["detail"]["inserted"] > 0


def test_keys_of_another_district_see_nothing_here(client: TestClient, engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from gridsvc.services.keys import create_key

    op, _ = create_key(engine, "operator", district="110101")
    admin, _ = create_key(engine, "admin", district="110101")
    assert layers_of(client, op, "110101") == []
    assert client.get("/api/v1/layers?district=510104", headers=auth(op)).status_code == 404
    assert client.get("/api/v1/layers/1/report", headers=auth(op)).status_code == 404
    r = client.get("/api/v1/locate?lon=104.08&lat=30.65&district=510104", headers=auth(op))
    assert r.status_code == 404
    path = write_geojson(tmp_path / "x.geojson", [({}, shapely.box(104, 30.6, 104.01, 30.61))])
    with path.open("rb") as fh:
        r = client.post("/api/v1/grids/import", headers=auth(admin),
                        data={"crs": "4326", "level": "street", "district": "510104"},
                        files={"file": ("x.geojson", fh)})  # fmt: skip
    assert r.status_code == 404
    assert client.get("/api/v1/layers/99999999999999999999", headers=auth(op)).status_code == 422


def test_gbk_shapefile_layer_with_mapped_columns(client, keys, scratch_units, tmp_path) -> None:  # type: ignore[no-untyped-def]
    outline, units, _ = scratch_units
    grids = [u for u in units if u.level.value == "grid"]
    comms = [u for u in units if u.level.value == "community"]
    feats = generate_department_layers(grids, comms, outline, SCRATCH_DISTRICT, seed=5)["police"]
    columns = {"BM": [f.code for f in feats], "MC": [f.name for f in feats]}
    path = write_shapefile_zip(
        tmp_path / "police.zip", columns, [f.geometry for f in feats], encoding="GBK"
    )
    r = post_layer(client, keys["admin"], path, department="公安", field=["code=BM", "name=MC"])
    assert r.status_code == 200, r.text
    assert r.json()["import"]["encoding"] == {"name": "gb18030", "source": "detected"}
    h = auth(keys["admin"])
    got = client.get(f"/api/v1/layers/{r.json()['layer_id']}/features", headers=h).json()
    names = {f["properties"]["code"]: f["properties"]["name"] for f in got["features"]}
    assert names == {f.code: f.name for f in feats}
    wrong = post_layer(
        client,
        keys["admin"],
        path,
        department="公安",
        encoding="utf-8",
        field=["code=BM", "name=MC"],
    )
    assert wrong.status_code == 422
    errors = [e for e in wrong.json()["errors"] if e["kind"] == "encoding"]
    assert errors and errors[0]["feature"] == 1 and errors[0]["field"] == "name"
