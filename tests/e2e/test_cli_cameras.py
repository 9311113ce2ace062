"""``gridsvc cameras import`` as a clerk runs it on a GBK CSV exported from Excel (GCJ-02
coordinates, Chinese columns and values), and ``import-catalog`` on GB2312 Catalog files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from cameras.deviceid import make_device_id
from gridsvc.geo.crs import parse_crs
from tests.e2e.test_cli_imports import run
from tests.ingest_files import grid_points, write_csv

pytestmark = pytest.mark.e2e
D = "510104"
SAMPLES = Path(__file__).parents[1] / "samples" / "cameras"
HEADER = [
    "设备编码",
    "点位名称",
    "所属部门",
    "经度",
    "纬度",
    "朝向",
    "视角",
    "可视距离",
    "类型",
    "标签",
]
MAPPING = """kind: camera
source: 雪亮工程台账
crs: gcj02
fields:
  device_id: 设备编码
  name: 点位名称
  department: 所属部门
  lon: 经度
  lat: 纬度
  heading_deg: 朝向
  fov_deg: 视角
  range_m: 可视距离
  ptz_type: 类型
values:
  department: {公安: police, 交通: traffic, 城管: urban_management}
  ptz_type: {球机: "1", 半球: "2", 枪机: "3"}
tags:
  column: 标签
"""


def cameras_of(engine: Engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT device_id, department, grid_code, ptz_type, tags, source, "
                "sector IS NOT NULL FROM cameras WHERE adcode = :a"
            ),
            {"a": D},
        )
        return {r[0]: tuple(r[1:]) for r in rows}


def test_gbk_csv_dry_run_then_load_then_unchanged(
    engine, demo_district, database_url, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    places = grid_points(engine, demo_district, 3)
    gcj = parse_crs("gcj02")
    rows = []
    for i, (_, lon, lat) in enumerate(places, start=1):
        x, y = gcj.from_wgs84([lon], [lat])
        kind = ("球机", "枪机", "半球")[i - 1]
        rows.append(
            [
                make_device_id(D, i),
                f"春熙路{i}号",
                "公安" if i < 3 else "交通",
                f"{x[0]:.7f}",
                f"{y[0]:.7f}",
                "90",
                "60",
                "80",
                kind,
                "重点,入口",
            ]
        )
    rows.append(["5101040000132", "坏编码", "公安", "", "", "", "", "", "", ""])
    rows.append([make_device_id(D, 9), "北京", "公安", "116.397", "39.909", "", "", "", "", ""])
    rows.append([make_device_id(D, 1), "重复", "公安", "", "", "", "", "", "", ""])
    path = write_csv(tmp_path / "摄像机台账.csv", HEADER, rows, encoding="gbk")
    assert "春熙路".encode("gbk") in path.read_bytes()
    map_path = tmp_path / "map.yaml"
    map_path.write_text(MAPPING, encoding="utf-8")
    args = ("cameras", "import", str(path), "--map", str(map_path), "--district", D)

    dry = run(database_url, tmp_path, *args, "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    body = json.loads(dry.stdout)
    assert body["dry_run"] is True and cameras_of(engine) == {}
    assert (body["rows"], body["accepted"], body["rejected"], body["inserted"]) == (6, 3, 3, 3)
    codes = {(e["row"], e["field"], e["code"]) for e in body["errors"]}
    assert codes == {
        (4, "device_id", "invalid_device_id"),
        (5, "lon", "outside_district"),
        (6, "device_id", "duplicate_in_file"),
    }

    done = run(database_url, tmp_path, *args)
    assert done.returncode == 0, done.stderr
    assert "6 rows, 3 accepted, 3 rejected; 3 inserted" in done.stdout
    assert "row 5 [outside_district] lon" in done.stdout
    stored = cameras_of(engine)
    first = stored[make_device_id(D, 1)]
    assert first == ("police", places[0][0], 1, ["重点", "入口"], "雪亮工程台账", True)
    assert stored[make_device_id(D, 3)][:3] == ("traffic", places[2][0], 2)

    again = json.loads(run(database_url, tmp_path, *args, "--json").stdout)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 3)


def test_import_catalog_files(engine, demo_district, database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    files = [str(SAMPLES / "catalog_248_part1.xml"), str(SAMPLES / "catalog_248_part2.xml")]
    out = run(
        database_url,
        tmp_path,
        "cameras",
        "import-catalog",
        *files,
        "--district",
        D,
        "--department",
        "police",
    )
    assert out.returncode == 0, out.stderr
    assert "3 cameras, 1 recorders/platforms, 1 groups, 1 regions; 3 created" in out.stdout
    partial = run(
        database_url,
        tmp_path,
        "cameras",
        "import-catalog",
        files[0],
        "--district",
        D,
        "--department",
        "police",
    )
    assert "warning: incomplete catalogue: SN 248" in partial.stdout
    assert "2 missing" in partial.stdout
    bad = run(
        database_url,
        tmp_path,
        "cameras",
        "import-catalog",
        str(SAMPLES / "catalog_external_entity.xml"),
        "--district",
        D,
    )
    assert bad.returncode == 1 and "DTDs, entities and external references" in bad.stderr
