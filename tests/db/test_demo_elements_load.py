"""The demo's element files load through the ingest service: every row accepted, placed in
the grid it was generated in, and a second load writes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, text

from gridsvc.demo.load import load_demo, load_elements
from gridsvc.settings import Settings
from tests.conftest import SCRATCH_DISTRICT

SCALE = 0.1  # 5,000 residents
REFERENCE = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def loaded(engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    home = tmp_path_factory.mktemp("home")
    settings = Settings(database_url=database_url, home=home)
    load_demo(engine, SCRATCH_DISTRICT, seed=3)
    reports = load_elements(
        engine, settings, SCRATCH_DISTRICT, seed=3, scale=SCALE, reference=REFERENCE
    )
    return settings, home, reports


def test_every_row_is_accepted_and_stored(engine: Engine, loaded) -> None:  # type: ignore[no-untyped-def]
    _, home, reports = loaded
    assert set(reports) == {
        "places.csv",
        "pois.csv",
        "persons.csv",
        "things.csv",
        "organisations.csv",
        "staff.csv",
        "situations.csv",
    }
    for name, report in reports.items():
        assert report["rejected"] == 0, (name, report["errors"][:3])
        assert report["inserted"] == report["rows"] > 0, name
    with engine.connect() as conn:
        stored = dict(
            conn.execute(
                text("SELECT kind, count(*) FROM elements WHERE adcode = :a GROUP BY kind"),
                {"a": SCRATCH_DISTRICT},
            ).all()
        )
    assert stored["person"] == reports["persons.csv"]["rows"] == round(50_000 * SCALE)
    assert stored["place"] == reports["places.csv"]["rows"] + reports["pois.csv"]["rows"]


def test_people_are_in_the_grid_of_their_building(engine: Engine, loaded) -> None:  # type: ignore[no-untyped-def]
    _, home, _ = loaded
    directory = next((home / "demo").iterdir())
    persons = pd.read_csv(directory / "persons.csv", encoding="gbk", dtype=str)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT external_id, grid_code, h3 IS NOT NULL FROM elements"
                " WHERE adcode = :a AND kind = 'person'"
            ),
            {"a": SCRATCH_DISTRICT},
        ).all()
    grid = {ext: code for ext, code, _ in rows}
    assert all(has_cell for _, _, has_cell in rows)
    expected = persons.set_index("人员编号")["楼栋编号"].str[2:17]
    assert (pd.Series(grid)[expected.index] == expected).mean() > 0.995


def test_loading_again_writes_nothing(engine: Engine, loaded) -> None:  # type: ignore[no-untyped-def]
    settings, _, _ = loaded
    again = load_elements(
        engine, settings, SCRATCH_DISTRICT, seed=3, scale=SCALE, reference=REFERENCE
    )
    for name, report in again.items():
        assert report["inserted"] == report["updated"] == 0, name
        assert report["unchanged"] == report["rows"], name


def test_files_are_kept_per_seed_scale_and_date(loaded) -> None:  # type: ignore[no-untyped-def]
    _, home, _ = loaded
    (directory,) = list((home / "demo").iterdir())
    assert directory.name == f"{SCRATCH_DISTRICT}-seed3-x0.1"
    assert (directory / "persons.yaml").is_file()
    assert Path(directory / "generated.json").read_text().count("2026-11-28") == 1
