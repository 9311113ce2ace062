"""Camera tables through a mapping: a GeoJSON file's points, tag flag columns, dry runs."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, text

from cameras.deviceid import make_device_id
from gridsvc.services.camera_imports import import_table
from gridsvc.services.cells import LocatorCache
from ingest.mapfile import load_mapping
from tests.ingest_files import grid_points

MAPPING = """kind: camera
source: 城管视频
fields:
  device_id: code
  name: 名称
  department: dept
  heading_deg: heading
values:
  tags: {智能: smart}
tags:
  flags: {智能: smart}
  column: 标签
"""


def geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


def test_geojson_points_and_tag_flags(engine: Engine, demo_district: str, tmp_path: Path) -> None:
    places = grid_points(engine, demo_district, 2)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "code": make_device_id("510104", 600 + i),
                "名称": f"城管{i}",
                "dept": "urban_management",
                "heading": "180",
                "智能": flag,
                "标签": "占道经营",
            },
        }
        for i, ((_, lon, lat), flag) in enumerate(zip(places, ("是", "否"), strict=True))
    ]
    path = geojson(tmp_path / "cameras.geojson", features)
    spec = load_mapping(MAPPING, kind="camera")
    locators = LocatorCache(11)
    dry = import_table(engine, locators, None, "510104", path, spec, dry_run=True)
    assert (dry["inserted"], dry["dry_run"]) == (2, True)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM cameras")).scalar_one() == 0
    report = import_table(engine, locators, None, "510104", path, spec)
    assert (report["rows"], report["inserted"], report["rejected"]) == (2, 2, 0)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT grid_code, tags, source, heading_deg FROM cameras ORDER BY device_id")
        ).all()
    assert [r[0] for r in rows] == [p[0] for p in places]
    assert [r[1] for r in rows] == [["占道经营", "smart"], ["占道经营"]]
    assert {r[2] for r in rows} == {"城管视频"} and rows[0][3] == 180.0
