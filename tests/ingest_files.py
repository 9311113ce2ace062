"""Builders of element files for ingest tests: valid ID numbers, points inside grids, CSVs
and their mapping files."""

from __future__ import annotations

import csv
from pathlib import Path

import shapely
from sqlalchemy import Engine, text

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


def id_number(seq: int, region: str = "350205", birth: str = "19800101") -> str:
    """A valid 18-character ID number (GB 11643) for sequence ``seq`` (0..999)."""
    body = f"{region}{birth}{seq % 1000:03d}"
    return body + CHECK[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]


def grid_points(engine: Engine, adcode: str, n: int) -> list[tuple[str, float, float]]:
    """(grid code, lon, lat) of a point inside each of up to ``n`` grids of the district."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT code, ST_AsBinary(geom) FROM units WHERE adcode = :a AND level = 'grid' "
                "ORDER BY code LIMIT :n"
            ),
            {"a": adcode, "n": n},
        ).all()
    out = []
    for code, wkb in rows:
        p = shapely.from_wkb(bytes(wkb)).point_on_surface()
        out.append((code, p.x, p.y))
    return out


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str = "utf-8") -> Path:
    """A CSV file of ``rows`` under ``header``."""
    with path.open("w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def mapping(kind: str, source: str, fields: dict[str, str], extra: str = "") -> str:
    """A mapping file's YAML text (WGS 84)."""
    lines = [f"kind: {kind}", f"source: {source}", "crs: EPSG:4326", "fields:"]
    lines += [f"  {target}: {column}" for target, column in fields.items()]
    return "\n".join(lines) + "\n" + extra


PERSON_FIELDS = {
    "external_id": "人员编号",
    "name": "姓名",
    "id_number": "公民身份号码",
    "phone": "联系电话",
    "building_id": "楼栋编号",
    "lon": "经度",
    "lat": "纬度",
    "registration": "户籍类型",
}
PERSON_HEADER = list(PERSON_FIELDS.values())
PERSON_VALUES = "values:\n  registration: {户籍: registered, 流动: floating}\n"


def person_row(i: int, lon: float | str = "", lat: float | str = "", building: str = "") -> list:
    """One person row (name 张<i>, a valid ID number, a mobile phone)."""
    return [f"P{i}", f"张{i}丰", id_number(i), f"138{i:08d}", building, lon, lat, "户籍"]
