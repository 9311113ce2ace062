"""Element source files written in tmp_path and read back in batches: CSV in UTF-8, UTF-8
with BOM and GBK, XLSX, GeoJSON, GeoPackage and zipped Shapefile."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely

from gridsvc.errors import InvalidInput
from ingest.mapfile import load_mapping
from ingest.tabular import FLAG_PREFIX, TAG_COLUMN, open_table
from tests.shapefiles import write_shapefile_zip

MAP = load_mapping(
    "kind: person\nsource: s\n"
    "fields: {external_id: 编号, name: 姓名, lon: 经度, lat: 纬度}\n"
    "tags: {column: 标签, flags: {独居: elderly_alone}}\n"
)
SPATIAL_MAP = load_mapping(
    "kind: place\nsource: s\nfields: {external_id: 编号, name: 名称, kind: 类型}\n"
)
HEADER = "编号,姓名,经度,纬度,标签,独居,备注\n"
ROWS = '001,张三,103.5,25.5,"党员、低保",是,x\n002,李四,,,,,\n003,"王\n五",103.6,25.6,,否,z\n'


def write_csv(tmp_path: Path, codec: str, name: str = "p.csv") -> Path:
    path = tmp_path / name
    path.write_bytes((HEADER + ROWS).encode(codec))
    return path


def all_rows(table, skip: int = 0) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return pd.concat([b.frame for b in table.batches(skip)], ignore_index=True)


@pytest.mark.parametrize(
    ("codec", "found"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8"), ("gbk", "gb18030")]
)
def test_csv_encodings_detected(tmp_path: Path, codec: str, found: str) -> None:
    table = open_table(write_csv(tmp_path, codec), MAP)
    assert table.format == "csv" and table.encoding == found
    assert table.columns == ["编号", "姓名", "经度", "纬度", "标签", "独居", "备注"]
    frame = all_rows(table)
    assert frame["external_id"].tolist() == ["001", "002", "003"]  # leading zeros kept
    assert frame["name"].tolist() == ["张三", "李四", "王\n五"]
    assert frame[TAG_COLUMN].tolist()[0] == "党员、低保"
    assert frame[FLAG_PREFIX + "elderly_alone"].tolist()[2] == "否"
    assert pd.isna(frame["lon"][1]) and "备注" not in frame.columns


def test_declared_encoding_wins(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "gbk")
    spec = load_mapping(
        "kind: person\nsource: s\nencoding: utf-8\nfields: {external_id: 编号, name: 姓名}\n"
    )
    with pytest.raises(InvalidInput, match="not valid utf-8"):
        open_table(path, spec)


def test_csv_batches_and_skip_rows(tmp_path: Path) -> None:
    body = "".join(f"{i:03d},name{i},103.5,25.5,,,\n" for i in range(1, 11))
    path = tmp_path / "many.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    table = open_table(path, MAP, batch_rows=4)
    batches = list(table.batches())
    assert [(b.first_row, len(b)) for b in batches] == [(1, 4), (5, 4), (9, 2)]
    assert batches[-1].bytes_done == table.bytes_total == path.stat().st_size
    assert batches[1].rows.tolist() == [5, 6, 7, 8]
    assert batches[1].frame["external_id"].tolist() == ["005", "006", "007", "008"]
    resumed = list(table.batches(skip_rows=7))
    assert [(b.first_row, len(b)) for b in resumed] == [(8, 3)]
    assert resumed[0].frame["external_id"].tolist() == ["008", "009", "010"]
    assert resumed[0].geometry is None and resumed[0].crs == "EPSG:4326"


def test_missing_column_lists_the_files_columns(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("编号,名字\n1,a\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        open_table(path, MAP)
    assert "has no column(s) 姓名, 经度, 纬度, 标签, 独居" in caught.value.detail
    assert "its columns are: 编号, 名字" in caught.value.detail


def test_header_spaces_are_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(" 编号 ,姓名\n1,a\n", encoding="utf-8")
    spec = load_mapping("kind: person\nsource: s\nfields: {external_id: 编号, name: 姓名}\n")
    assert all_rows(open_table(path, spec))["external_id"].tolist() == ["1"]


def test_ragged_csv_names_the_problem_not_the_row(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("编号,姓名\n1,a\n2,b,110105194912310021\n", encoding="utf-8")
    spec = load_mapping("kind: person\nsource: s\nfields: {external_id: 编号, name: 姓名}\n")
    with pytest.raises(InvalidInput) as caught:
        list(open_table(path, spec).batches())
    assert "wrong number of columns" in caught.value.detail
    assert "110105" not in caught.value.detail


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"<?xml version='1.0'?><OGRVRTDataSource/>", "XML is not accepted"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16, "old Excel (.xls)"),
        (b"\x00\x01\x02\x03binary", "unrecognised binary content"),
        (b"\x00\x00\x27\x0a" + b"\x00" * 96, "send a Shapefile zipped"),
    ],
)
def test_unaccepted_content(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=expected.replace("(", r"\(").replace(")", r"\)")):
        open_table(path, MAP)


def test_xlsx_cells_read_back_as_typed(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "封面"
    sheet = book.create_sheet("人口")
    sheet.append(["编号", "姓名", "经度", "纬度", "标签", "独居"])
    sheet.append([1234.0, "张三", 103.5, 25.5, "党员", 1])
    sheet.append([])
    sheet.append([dt.datetime(2020, 1, 2), "李四", None, None, None, True])
    sheet.append([dt.datetime(2020, 1, 2, 8, 30), "  ", 1e20, None, None, False])
    sheet.append([])
    path = tmp_path / "p.xlsx"
    book.save(path)
    spec = load_mapping(
        "kind: person\nsource: s\nsheet: 人口\n"
        "fields: {external_id: 编号, name: 姓名, lon: 经度, lat: 纬度}\n"
        "tags: {column: 标签, flags: {独居: elderly_alone}}\n"
    )
    table = open_table(path, spec, batch_rows=2)
    assert table.format == "xlsx" and table.encoding is None
    batches = list(table.batches())
    # the empty row 2 is kept (batches may run over by held empty rows), the trailing dropped
    assert [(b.first_row, len(b)) for b in batches] == [(1, 3), (4, 1)]
    frame = pd.concat([b.frame for b in batches], ignore_index=True)
    ids = frame["external_id"].tolist()
    assert ids[0] == "1234" and pd.isna(ids[1]) and ids[2:] == ["2020-01-02", "2020-01-02 08:30:00"]
    assert frame["lon"].tolist()[0] == "103.5" and frame["lon"].tolist()[3] == "1e+20"
    assert frame[FLAG_PREFIX + "elderly_alone"].tolist()[2:] == ["true", "false"]
    resumed = list(table.batches(skip_rows=2))
    assert resumed[0].first_row == 3 and len(resumed[0]) == 2


def test_xlsx_unknown_sheet(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["编号", "姓名"])
    book.save(tmp_path / "p.xlsx")
    spec = load_mapping(
        "kind: person\nsource: s\nsheet: 户籍\nfields: {external_id: 编号, name: 姓名}\n"
    )
    with pytest.raises(InvalidInput, match="has no sheet '户籍'; its sheets are: Sheet"):
        open_table(tmp_path / "p.xlsx", spec)


def places() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"编号": ["a", "b", "c"], "名称": ["一号楼", "二号楼", "三号楼"], "类型": ["楼栋"] * 3},
        geometry=[shapely.Point(103.5, 25.5), shapely.box(103, 25, 103.1, 25.1), None],
        crs="EPSG:4490",
    )


@pytest.mark.parametrize(("suffix", "fmt"), [(".geojson", "geojson"), (".gpkg", "gpkg")])
def test_layer_files_keep_geometry(tmp_path: Path, suffix: str, fmt: str) -> None:
    path = tmp_path / f"places{suffix}"
    places().to_file(path)
    table = open_table(path.rename(tmp_path / "upload.bin"), SPATIAL_MAP, batch_rows=2)
    assert (table.format, table.rows_total, table.crs) == (fmt, 3, "EPSG:4490")
    first, second = list(table.batches())
    assert first.frame["name"].tolist() == ["一号楼", "二号楼"]
    assert first.geometry[0].equals(shapely.Point(103.5, 25.5))
    assert first.geometry[1].geom_type == "Polygon"
    assert second.first_row == 3 and second.geometry[0] is None
    assert [b.first_row for b in table.batches(skip_rows=1)] == [2]


def test_zipped_shapefile_in_gbk(tmp_path: Path) -> None:
    frame = places()
    path = write_shapefile_zip(
        tmp_path / "places.zip",
        {c: frame[c].tolist() for c in ("编号", "名称", "类型")},
        [shapely.Point(103.5, 25.5), shapely.Point(103.6, 25.6), shapely.Point(103.7, 25.7)],
        encoding="GBK",
    )
    spec = load_mapping(
        "kind: place\nsource: s\ncrs: gcj02\nfields: {external_id: 编号, name: 名称, kind: 类型}\n"
    )
    table = open_table(path, spec)
    assert (table.format, table.encoding, table.crs) == ("shapefile", "gb18030", "gcj02")
    (batch,) = list(table.batches())
    assert batch.frame["name"].tolist() == ["一号楼", "二号楼", "三号楼"]
    assert batch.geometry[2].equals(shapely.Point(103.7, 25.7))
