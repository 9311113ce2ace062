"""Hostile or malformed inputs give a specific 4xx (or a per-row error), never a 500."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from fastapi import UploadFile
from fastapi.testclient import TestClient

from gridsvc.api.uploads import read_upload
from gridsvc.errors import InvalidInput
from tests.api.conftest import auth
from tests.conftest import SCRATCH_DISTRICT

SECRET = "TOPSECRET-c0ffee-not-for-clients"


def import_file(client: TestClient, key: str, name: str, content: bytes):  # type: ignore[no-untyped-def]
    data = {"crs": "EPSG:4326", "district": SCRATCH_DISTRICT, "level": "street"}
    return client.post(
        "/api/v1/grids/import", headers=auth(key), data=data, files={"file": (name, content)}
    )


def vrt(source: Path) -> bytes:
    return (
        "<OGRVRTDataSource><OGRVRTLayer name='secret'>"
        f"<SrcDataSource>{source}</SrcDataSource><SrcLayer>secret</SrcLayer>"
        "<GeometryType>wkbNone</GeometryType>"
        "</OGRVRTLayer></OGRVRTDataSource>"
    ).encode()


@pytest.fixture
def secret_csv(tmp_path: Path) -> Path:
    path = tmp_path / "secret.csv"
    path.write_text(f"name,wkt\n{SECRET},POLYGON((0 0,1 0,1 1,0 0))\n")
    return path


@pytest.mark.parametrize("name", ["x.json", "x.geojson", "x.gpkg"])
def test_vrt_disguised_as_layer_is_rejected(client, keys, scratch, secret_csv, name) -> None:  # type: ignore[no-untyped-def]
    r = import_file(client, keys["admin"], name, vrt(secret_csv))
    assert r.status_code == 422, r.text
    assert SECRET not in r.text
    detail = r.json()["detail"]
    assert "not accepted" in detail and "GeoJSON" in detail and "GPKG" in detail


def test_vrt_inside_zip_is_rejected(client, keys, scratch, secret_csv, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for members in (["x.vrt"], ["x.shp"]):  # a lone member is opened by its content
        archive = tmp_path / "layer.zip"
        with zipfile.ZipFile(archive, "w") as z:
            for member in members:
                z.writestr(member, vrt(secret_csv))
        r = import_file(client, keys["admin"], "layer.zip", archive.read_bytes())
        assert r.status_code == 422, r.text
        assert SECRET not in r.text


def test_layer_without_geometry_is_rejected(client, keys, scratch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    table = tmp_path / "attributes.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"code": ["350205001"]}), table)
    r = import_file(client, keys["admin"], table.name, table.read_bytes())
    assert r.status_code == 422, r.text
    assert "attributes.gpkg has no geometry column" in r.json()["detail"]


@pytest.mark.parametrize("name", ["..", ".", "a/..", ""])
def test_upload_named_like_a_directory(client, keys, scratch, name) -> None:  # type: ignore[no-untyped-def]
    r = import_file(client, keys["admin"], name, b"{not json")
    assert r.status_code == 422, r.text
    if name:  # an empty filename reaches FastAPI as a plain form field, not a file
        assert "upload.geojson" in r.json()["detail"]


@pytest.mark.parametrize("name", ["", ".", "..", None])
def test_read_upload_falls_back_to_default_name(name) -> None:  # type: ignore[no-untyped-def]
    upload = UploadFile(io.BytesIO(b"{not json"), filename=name)
    with pytest.raises(InvalidInput, match="upload.geojson"):
        read_upload(upload)


def locate(client: TestClient, key: str, body: bytes, content_type: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/locate", headers={**auth(key), "Content-Type": content_type}, content=body
    )


def check_never_500(r) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code in (200, 422), r.text
    body = json.loads(r.text, parse_constant=lambda c: pytest.fail(f"{c} in JSON: {r.text}"))
    if r.status_code == 200:
        assert body["results"][0]["error"]
        assert body["summary"]["invalid"] == 1
    else:
        assert body["detail"]
    return body


@pytest.mark.parametrize(
    "point",
    [["nan", 25], [103.8, "NaN"], ["1e400", 25], [103.8, "-1e400"], [10**400, 25],
     [-(10**400), 25], [{"big": 1}, 25]],
    ids=["nan-lon", "nan-lat", "inf-lon", "inf-lat", "huge-int", "huge-neg-int", "object"],
)  # fmt: skip
def test_locate_json_bad_numbers(client, keys, point) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps({"points": [point, [103.8, 25.5]]}).encode()
    result = check_never_500(locate(client, keys["operator"], body, "application/json"))
    if "results" in result:
        assert result["results"][0]["lon"] is None or result["results"][0]["lat"] is None
        assert "error" not in result["results"][1]


def test_locate_json_literal_nan_and_infinity(client, keys) -> None:  # type: ignore[no-untyped-def]
    for literal in ("NaN", "Infinity", "-Infinity"):
        body = f'{{"points": [[{literal}, 25]]}}'.encode()
        check_never_500(locate(client, keys["operator"], body, "application/json"))


@pytest.mark.parametrize(
    "csv_body",
    [b"lon,lat\nnan,25\n", b"lon,lat\n1e400,25\n", b"lon,lat\n" + b"9" * 400 + b",25\n",
     b"lon,lat\n\xff\xfe,25\n", b"\xff\xfe\xfalon,lat\n103.8,25.5\n"],
    ids=["nan", "inf", "huge", "bad-utf8-row", "bad-utf8-header"],
)  # fmt: skip
def test_locate_csv_bad_numbers_and_encoding(client, keys, csv_body) -> None:  # type: ignore[no-untyped-def]
    r = locate(client, keys["operator"], csv_body, "text/csv")
    body = check_never_500(r)
    if b"\xff" in csv_body:
        assert r.status_code == 422 and "UTF-8" in body["detail"]


def test_locate_csv_accept_csv_with_nan(client, keys) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/locate",
        headers={**auth(keys["operator"]), "Content-Type": "text/csv", "Accept": "text/csv"},
        content=b"id,lon,lat\na,nan,25\n",
    )
    assert r.status_code == 200, r.text
    assert "finite" in r.text
