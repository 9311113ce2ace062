"""Raw rows normalised into element columns: each SPEC §8 error code, value maps, tags,
coordinates in several CRSs, and messages that never show a full ID number or phone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from gridsvc.geo.chinese import wgs84_to_gcj02
from ingest.mapfile import load_mapping
from ingest.normalise import ERROR_CODES, DistrictArea, ElementBatch, normalise
from ingest.tabular import FLAG_PREFIX, TAG_COLUMN, RawBatch

AREA = DistrictArea.from_geometry(shapely.box(103.0, 25.0, 104.0, 26.0))
PERSON = load_mapping(
    "kind: person\nsource: s\n"
    "fields: {external_id: 编号, name: 姓名, id_number: 身份证, phone: 电话, lon: 经度,"
    " lat: 纬度, registration: 户籍, gender: 性别, birth_date: 生日, building_id: 楼栋}\n"
    "values: {registration: {本地: registered}, tags: {高龄: very_old}}\n"
    "tags: {column: 标签, flags: {独居: elderly_alone}}\n"
)


def id_number(first17: str) -> str:
    """``first17`` with its GB 11643 check character (computed independently of ingest)."""
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(c) * w for c, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def credit_code(first17: str) -> str:
    """``first17`` with its GB 32100 check character."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [3**i % 31 for i in range(17)]
    total = sum(alphabet.index(c) * w for c, w in zip(first17, weights, strict=True))
    return first17 + alphabet[(31 - total % 31) % 31]


GOOD_ID = id_number("11010519491231002")
assert GOOD_ID == "11010519491231002X"  # the GB 11643 example


def person(**overrides: str | None) -> dict[str, str | None]:
    row: dict[str, str | None] = {
        "external_id": "P1",
        "name": "张三",
        "id_number": GOOD_ID,
        "phone": "13800138000",
        "lon": "103.5",
        "lat": "25.5",
        "registration": "本地",
        "gender": "男",
        "birth_date": "1949-12-31",
        "building_id": None,
        TAG_COLUMN: None,
        FLAG_PREFIX + "elderly_alone": None,
    }
    row.update(overrides)
    return row


def run(rows: list[dict], spec=PERSON, crs: str = "EPSG:4326", geometry=None) -> ElementBatch:  # type: ignore[no-untyped-def]
    frame = pd.DataFrame(rows).astype("str")
    return normalise(RawBatch(1, frame, geometry, 0, crs), spec, AREA)


def only_error(rows: list[dict], **kw) -> tuple[str | None, str, str]:  # type: ignore[no-untyped-def]
    out = run(rows, **kw)
    assert len(out) == 0 and len(out.errors) == 1, out.errors
    e = out.errors[0]
    return e.field, e.code, e.message


def test_a_good_person() -> None:
    out = run([person(**{TAG_COLUMN: "党员、低保", FLAG_PREFIX + "elderly_alone": "是"})])
    assert out.errors == [] and out.rows.tolist() == [1]
    c = out.columns
    assert c["external_id"].tolist() == ["P1"] and c["name"].tolist() == ["张三"]
    assert c["category"].tolist() == ["registered"] and c["id_number"].tolist() == [GOOD_ID]
    assert c["birth_date"].tolist() == ["1949-12-31"] and c["phone"].tolist() == ["13800138000"]
    assert c["lon"].tolist() == [103.5] and c["lat"].tolist() == [25.5]
    assert c["geometry"].tolist() == [None]
    assert out.shapes()[0].equals(shapely.Point(103.5, 25.5))
    assert c["tags"] == [["party_member", "low_income", "elderly_alone"]]
    assert c["attrs"]["gender"].tolist() == ["male"] and c["attrs"]["birth_year"].tolist() == [1949]
    assert set(c["attrs"]) == {"gender", "birth_year"}  # nothing personal in attrs
    assert c["status"].tolist() == [None] and c["address"].tolist() == [None]


@pytest.mark.parametrize(
    ("row", "field", "code", "why"),
    [
        (person(name=" "), "name", "missing_required", "name (column 姓名): is empty"),
        (person(gender="未知"), "gender", "unparseable_value", "'未知' is not one of male, female"),
        (person(birth_date="1949-02-30"), "birth_date", "unparseable_value", "is not a date"),
        (
            person(phone="12345"),
            "phone",
            "unparseable_value",
            "phone (column 电话): is not a mobile",
        ),
        (person(**{TAG_COLUMN: "会员"}), "tags", "unparseable_value", "'会员' is not a care tag"),
        (
            person(**{FLAG_PREFIX + "elderly_alone": "maybe"}),
            "tags",
            "unparseable_value",
            "column 独居",
        ),
        (
            person(id_number="110105194912310021"),
            "id_number",
            "invalid_id_number",
            "check character is 1, expected X",
        ),
        (
            person(id_number="1101051949123100"),
            "id_number",
            "invalid_id_number",
            "has 16 characters, expected 18",
        ),
        (
            person(id_number="11010519491231002A"),
            "id_number",
            "invalid_id_number",
            "17 digits followed by a digit or X",
        ),
        (
            person(id_number=id_number("99010519491231002")),
            "id_number",
            "invalid_id_number",
            "province code",
        ),
        (
            person(id_number=id_number("11010519490230002")),
            "id_number",
            "invalid_id_number",
            "not a real birth date",
        ),
        (
            person(id_number=id_number("11010530000101002")),
            "id_number",
            "invalid_id_number",
            "not a real birth date",
        ),
        (
            person(lon="东经103"),
            "lon",
            "bad_coordinate",
            "lon/lat (columns 经度, 纬度): not a number",
        ),
        (person(lat=None), "lon", "bad_coordinate", "only one of the two"),
        (person(lon="200", lat="95"), "lon", "bad_coordinate", "beyond ±180 / ±90"),
        (person(lon="25.5", lat="103.5"), "lon", "swapped_coordinates", "appear swapped"),
        (person(lon="110", lat="30"), "lon", "outside_district", "outside the district"),
        (person(lon=None, lat=None), "lon", "missing_required", "no building_id"),
    ],
)
def test_each_error(row: dict, field: str, code: str, why: str) -> None:
    got_field, got_code, message = only_error([row])
    assert (got_field, got_code) == (field, code)
    assert code in ERROR_CODES
    assert message.startswith("row 1: ") and why in message
    assert row["id_number"] not in message and "13800138000" not in message


def test_all_errors_of_a_row_and_only_bad_rows_rejected() -> None:
    bad = person(name=None, id_number="110105194912310021", lon="x")
    out = run([person(), bad, person(external_id="P3")])
    assert out.rows.tolist() == [1, 3]
    assert [(e.row, e.code) for e in out.errors] == [
        (2, "missing_required"),
        (2, "invalid_id_number"),
        (2, "bad_coordinate"),
    ]
    assert out.columns["external_id"].tolist() == ["P1", "P3"]
    assert out.take(np.array([False, True])).columns["external_id"].tolist() == ["P3"]


def test_normalised_forms() -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in GOOD_ID[:-1]) + "ｘ"
    out = run(
        [
            person(
                id_number=f" {full_width} ",
                phone="+86 138-0013-8000",
                birth_date="1949年12月31日",
                registration="流动",
                gender="Female",
                lon="１０３．５",
            ),
            person(building_id="B1", lon=None, lat=None, id_number=None, birth_date=None),
        ]
    )
    assert out.errors == []
    assert out.columns["id_number"].tolist() == [GOOD_ID, None]
    assert out.columns["phone"].tolist() == ["13800138000", "13800138000"]
    assert out.columns["birth_date"].tolist() == ["1949-12-31", None]
    assert out.columns["category"].tolist() == ["floating", "registered"]
    assert out.columns["attrs"]["gender"].tolist() == ["female", "male"]
    assert out.columns["attrs"]["birth_year"].tolist() == [1949, None]
    assert np.isnan(out.columns["lon"][1]) and out.columns["building_id"].tolist()[1] == "B1"


def test_tags_from_column_flags_and_value_map() -> None:
    rows = [
        person(**{TAG_COLUMN: "独居老人,elderly_alone；高龄", FLAG_PREFIX + "elderly_alone": "Y"}),
        person(**{TAG_COLUMN: None, FLAG_PREFIX + "elderly_alone": "否"}),
        person(**{TAG_COLUMN: " 、 ", FLAG_PREFIX + "elderly_alone": "true"}),
    ]
    assert run(rows).columns["tags"] == [["elderly_alone", "very_old"], [], ["elderly_alone"]]


@pytest.mark.parametrize("crs", ["gcj02", "bd09", "EPSG:4490"])
def test_declared_crs_converted(crs: str) -> None:
    lon, lat = 103.5, 25.5
    if crs == "gcj02":
        x, y = (float(v[0]) for v in wgs84_to_gcj02([lon], [lat]))
    elif crs == "bd09":
        from gridsvc.geo.chinese import wgs84_to_bd09

        x, y = (float(v[0]) for v in wgs84_to_bd09([lon], [lat]))
    else:
        x, y = lon, lat
    assert crs == "EPSG:4490" or abs(x - lon) > 1e-4
    out = run([person(lon=repr(x), lat=repr(y))], crs=crs)
    assert out.columns["lon"][0] == pytest.approx(lon, abs=1e-7)
    assert out.columns["lat"][0] == pytest.approx(lat, abs=1e-7)


def test_projected_crs() -> None:
    spec = load_mapping(
        "kind: thing\nsource: s\ncrs: EPSG:32648\n"
        "fields: {external_id: id, class_code: 类, lon: x, lat: y, status: 状态}\n"
        "values: {status: {完好: intact}}\n"
    )
    rows = [
        {
            "external_id": "T1",
            "class_code": "01001",
            "lon": "350000",
            "lat": "2821000",
            "status": "完好",
        },
        {
            "external_id": "T2",
            "class_code": "1001",
            "lon": "350000",
            "lat": "2821000",
            "status": None,
        },
        {"external_id": "T3", "class_code": "01001", "lon": None, "lat": None, "status": None},
    ]
    out = run(rows, spec=spec, crs="EPSG:32648")
    assert out.rows.tolist() == [1]
    assert out.columns["category"].tolist() == ["01001"]
    assert out.columns["status"].tolist() == ["intact"]
    assert 103 < out.columns["lon"][0] < 104 and 25 < out.columns["lat"][0] < 26
    assert [(e.row, e.field, e.code) for e in out.errors] == [
        (2, "class_code", "unparseable_value"),
        (3, "lon", "missing_required"),
    ]


def test_organisation_credit_codes_and_grid_codes() -> None:
    spec = load_mapping(
        "kind: organisation\nsource: s\n"
        "fields: {external_id: id, kind: 类型, name: 名称, credit_code: 信用代码,"
        " grid_codes: 网格, level: 层级, parent_external_id: 上级, wkt: 位置}\n"
        "values: {kind: {党组织: party_org}}\n"
    )
    good = credit_code("91350100M000100Y4")
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    grid = "530302001001001"
    base = {
        "external_id": "O1",
        "kind": "党组织",
        "name": "党支部",
        "credit_code": good,
        "grid_codes": f"{grid}，530302001001002",
        "level": "网格党支部",
        "parent_external_id": "O0",
        "wkt": "POINT (103.5 25.5)",
    }
    rows = [
        base,
        {**base, "external_id": "O2", "credit_code": wrong},
        {**base, "external_id": "O3", "credit_code": "91350100I000100Y43"},
        {**base, "external_id": "O4", "grid_codes": "5303"},
        {
            **base,
            "external_id": "O5",
            "wkt": "POLYGON ((103.1 25.1, 103.2 25.1, 103.2 25.2, 103.1 25.1))",
        },
        {**base, "external_id": "O6", "wkt": "POINT (1"},
    ]
    out = run(rows, spec=spec)
    assert out.rows.tolist() == [1, 5]
    assert out.columns["category"].tolist() == ["party_org", "party_org"]
    assert out.columns["parent_external_id"].tolist() == ["O0", "O0"]
    attrs = out.columns["attrs"]
    assert attrs["credit_code"].tolist() == [good, good]
    assert attrs["grid_codes"].tolist()[0] == [grid, "530302001001002"]
    assert attrs["level"].tolist()[0] == "grid_branch"
    assert out.columns["geometry"][0] is None and out.columns["geometry"][1].geom_type == "Polygon"
    assert AREA.polygon.contains(shapely.Point(out.columns["lon"][1], out.columns["lat"][1]))
    errors = [(e.row, e.field, e.code) for e in out.errors]
    assert errors == [
        (2, "credit_code", "invalid_credit_code"),
        (3, "credit_code", "invalid_credit_code"),
        (4, "grid_codes", "unparseable_value"),
        (6, "wkt", "unparseable_value"),
    ]
    assert f"check character is {wrong[-1]}, expected {good[-1]}" in out.errors[0].message
    assert "no I, O, S, V, Z" in out.errors[1].message


def test_situation_times_severity_and_grid_code() -> None:
    spec = load_mapping(
        "kind: situation\nsource: s\n"
        "fields: {external_id: id, kind: 类型, severity: 等级, valid_from: 开始, valid_to: 结束,"
        " grid_code: 网格, description: 描述}\n"
    )
    base = {
        "external_id": "S1",
        "kind": "隐患",
        "severity": "2",
        "valid_from": "2024/5/1 08:30",
        "valid_to": "2024-05-02T10:00:00Z",
        "grid_code": "530302001001001",
        "description": "井盖",
    }
    rows = [
        base,
        {**base, "severity": "5"},
        {**base, "valid_from": "明天"},
        {**base, "grid_code": None},
    ]
    out = run(rows, spec=spec)
    assert out.rows.tolist() == [1]
    c = out.columns
    assert c["category"].tolist() == ["hazard"] and c["severity"].tolist() == [2]
    assert c["valid_from"].tolist() == ["2024-05-01T08:30:00+08:00"]
    assert c["valid_to"].tolist() == ["2024-05-02T10:00:00+00:00"]
    assert c["grid_code"].tolist() == ["530302001001001"]
    assert c["attrs"]["description"].tolist() == ["井盖"]
    assert [(e.row, e.field, e.code) for e in out.errors] == [
        (2, "severity", "unparseable_value"),
        (3, "valid_from", "unparseable_value"),
        (4, "lon", "missing_required"),
    ]
    assert "from 1 to 4" in out.errors[0].message


def test_layer_geometry_checked_and_swapped() -> None:
    spec = load_mapping("kind: place\nsource: s\nfields: {external_id: id, kind: k, name: n}\n")
    geoms = np.array(
        [
            shapely.box(103.1, 25.1, 103.2, 25.2),
            shapely.Point(25.5, 103.5),
            shapely.Point(10, 10),
            None,
        ],
        dtype=object,
    )
    rows = [{"external_id": str(i), "kind": "楼栋", "name": "楼"} for i in range(4)]
    out = run(rows, spec=spec, geometry=geoms)
    assert out.rows.tolist() == [1]
    assert out.columns["geometry"][0].equals(geoms[0])
    assert [(e.row, e.field, e.code) for e in out.errors] == [
        (2, "geometry", "swapped_coordinates"),
        (3, "geometry", "outside_district"),
        (4, "lon", "missing_required"),
    ]


def test_staff_needs_no_location() -> None:
    spec = load_mapping(
        "kind: staff\nsource: s\n"
        "fields: {external_id: id, grid_code: g, role: r, name: n, phone: p, duty_status: d}\n"
        "values: {role: {网格长: grid_leader}, duty_status: {在岗: on_duty}}\n"
    )
    row = {
        "external_id": "W1",
        "grid_code": "530302001001001",
        "role": "网格长",
        "name": "李四",
        "phone": "0871-6512345",
        "duty_status": "在岗",
    }
    out = run([row], spec=spec)
    assert out.errors == []
    c = out.columns
    assert c["category"].tolist() == ["grid_leader"] and c["status"].tolist() == ["on_duty"]
    assert c["phone"].tolist() == ["08716512345"] and c["grid_code"].tolist() == ["530302001001001"]
    assert np.isnan(c["lon"][0])


def test_dates_of_a_column_in_several_chunks() -> None:
    import pyarrow as pa

    from ingest import values

    column = pa.chunked_array([["1984-06-13", "2001-02-30"], ["2016年1月29日"]])
    dates, bad = values.date(column)
    assert list(dates) == ["1984-06-13", None, "2016-01-29"]
    assert list(bad) == [False, True, False]


@pytest.mark.parametrize("chunks", [[["103.5", "25.1"]], [["103.5"], ["", "x"]]])
def test_numbers_can_be_written_to(chunks: list) -> None:
    import pyarrow as pa

    from ingest import values

    x, _ = values.number(pa.chunked_array(chunks))
    x[:] = 0.0
    assert (x == 0).all()
