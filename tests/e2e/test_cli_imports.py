"""Importing as planners do from the command line: a GBK Shapefile without a code page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from sqlalchemy import Engine, text

from gridsvc.demo.generate import generate_hierarchy
from tests.conftest import SCRATCH_DISTRICT
from tests.shapefiles import write_shapefile_zip

pytestmark = pytest.mark.e2e
GRIDSVC = str(Path(sys.executable).with_name("gridsvc"))
BUNDLED = Path(__file__).parents[2] / "gridsvc" / "data" / "districts"


def run(database_url: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDSVC_")}
    env |= {"GRIDSVC_DATABASE_URL": database_url, "GRIDSVC_HOME": str(home)}
    return subprocess.run([GRIDSVC, *args], env=env, capture_output=True, text=True, timeout=300)


def street_names(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT code, name FROM units WHERE adcode = :a AND level = 'street'"),
            {"a": SCRATCH_DISTRICT},
        )
        return {code: name for code, name in rows}


def test_gbk_shapefile_with_chinese_columns(database_url, scratch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    district = ("--district", SCRATCH_DISTRICT)
    boundary = str(BUNDLED / f"{SCRATCH_DISTRICT}.geojson")
    out = run(
        database_url,
        tmp_path,
        "import-grids",
        boundary,
        "--crs",
        "gcj02",
        "--level",
        "district",
        *district,
    )
    assert out.returncode == 0, out.stderr
    with scratch.connect() as conn:
        wkb = conn.execute(
            text("SELECT ST_AsBinary(geom) FROM units WHERE code = :c"), {"c": SCRATCH_DISTRICT}
        ).scalar_one()
    streets = [
        u
        for u in generate_hierarchy(shapely.from_wkb(bytes(wkb)), SCRATCH_DISTRICT, 3)
        if u.level.value == "street"
    ]
    columns = {"编码": [s.code for s in streets], "名称": [s.name for s in streets]}
    path = write_shapefile_zip(
        tmp_path / "街道.zip", columns, [s.geometry for s in streets], encoding="GBK"
    )
    args = (
        "import-grids",
        str(path),
        "--crs",
        "4326",
        "--level",
        "street",
        *district,
        "--field",
        "code=编码",
        "--field",
        "name=名称",
    )
    wrong = run(database_url, tmp_path, *args, "--encoding", "utf-8")
    assert wrong.returncode == 1
    assert "ERROR   encoding: column names" in wrong.stdout
    assert "are not valid utf-8; declare the file's encoding" in wrong.stdout
    assert street_names(scratch) == {}
    good = run(database_url, tmp_path, *args, "--json")
    assert good.returncode == 0, good.stdout + good.stderr
    report = json.loads(good.stdout)
    assert report["encoding"] == {"name": "gb18030", "source": "detected"}
    assert street_names(scratch) == {s.code: s.name for s in streets}


def test_bad_mapping_and_encoding_are_refused_before_reading(database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "missing.zip")
    out = run(
        database_url,
        tmp_path,
        "import-layer",
        path,
        "--department",
        "城管",
        "--crs",
        "4326",
        "--encoding",
        "klingon",
    )
    assert out.returncode == 1 and "unknown encoding 'klingon'" in out.stderr
    out = run(
        database_url,
        tmp_path,
        "import-grids",
        path,
        "--crs",
        "4326",
        "--level",
        "street",
        "--field",
        "code",
    )
    assert out.returncode == 1 and "must look like TARGET=COLUMN" in out.stderr
