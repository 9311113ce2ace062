"""``gridsvc coverage`` recomputes a district's coverage through the service, audited."""

from __future__ import annotations

import getpass
import json

import pytest
import shapely
from sqlalchemy import Engine, text

from gridsvc.cli import build_parser
from gridsvc.repositories import audit as audit_repo
from gridsvc.repositories.audit import AuditFilter
from gridsvc.settings import Settings
from tests.camera_rows import CameraRow, device_id, insert_cameras


def run(database_url: str, *argv: str) -> int:
    args = build_parser().parse_args(list(argv))
    return args.func(args, Settings(database_url=database_url))


def test_cli_coverage_recomputes_the_district(
    database_url: str, engine: Engine, demo_district: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with engine.begin() as conn:
        grids = conn.execute(
            text("SELECT count(*) FROM units WHERE adcode = :a AND level = 'grid'"),
            {"a": demo_district},
        ).scalar_one()
        wkb = conn.execute(
            text("SELECT ST_AsBinary(ST_PointOnSurface(geom)) FROM units WHERE code = :c"),
            {"c": conn.execute(text("SELECT min(code) FROM units WHERE level = 'grid'")).scalar()},
        ).scalar_one()
        point = shapely.from_wkb(bytes(wkb))
        cam = CameraRow(device_id(demo_district, 7), point.x, point.y, 45.0, 90.0, 60.0, "traffic")
        insert_cameras(conn, demo_district, [cam])
    assert run(database_url, "coverage", "--district", demo_district, "--json") == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["district"] == demo_district and summary["grids"] == grids
    assert summary["cameras"] == 1 and summary["by_department"] == {"traffic": 1}
    assert 0 < summary["share"] < 0.01
    assert run(database_url, "coverage", "--district", demo_district) == 0
    out = capsys.readouterr().out
    assert f"district {demo_district}: {grids} grids recomputed" in out and "traffic" in out
    with engine.connect() as conn:
        cli = AuditFilter(actor=f"cli:{getpass.getuser()}", action="coverage.recompute")
        found = audit_repo.find_entries(conn, cli, limit=5, offset=0)
    assert len(found) == 2 and {e["district"] for e in found} == {demo_district}
    assert found[0]["detail"]["grids"] == grids
