"""Camera records: each field checked, every bad value named; positions converted; sectors."""

from __future__ import annotations

import pytest
import shapely

from cameras.record import PTZ_TYPES, check_record, validate_record
from cameras.sector import view_sector
from gridsvc.errors import InvalidInput
from gridsvc.geo.crs import parse_crs

CAMERA = "51010400001320000101"
NVR = "51010400001180000001"
GOOD = {"device_id": CAMERA, "name": "春熙路东口", "department": "police"}


def errors_of(**raw: object) -> dict[str, str]:
    record, errors = check_record({**GOOD, **raw})
    assert record is None
    return {e.field: e.code for e in errors}


def test_minimal_record() -> None:
    record = validate_record(GOOD)
    assert (record.device_id, record.device_type, record.lon, record.sector()) == (
        CAMERA,
        "132",
        None,
        None,
    )


def test_full_record_from_table_cells() -> None:
    raw = {
        **GOOD,
        "integrator": "海康集成",
        "parent_id": NVR,
        "lon": "104.112673",
        "lat": "30.603483",
        "height_m": "6.5",
        "heading_deg": "90",
        "fov_deg": "60",
        "range_m": "80",
        "ptz_type": "球机",
        "streams": "main=rtsp://admin:pw@10.0.0.1/h264；sub=rtsp://10.0.0.1/sub",
        "tags": "入口，重点、入口",
        "aliases": "MAC:AA:BB:CC:DD:EE:FF/1; ip:192.168.1.64/1",
        "civil_code": "510104",
    }
    record = validate_record(raw)
    assert record.ptz_type == 1 and record.height_m == 6.5
    assert [s["name"] for s in record.streams] == ["main", "sub"]
    assert record.tags == ("入口", "重点")
    assert record.aliases == ("mac:aa:bb:cc:dd:ee:ff/1", "ip:192.168.1.64/1")
    assert record.parent_id == NVR


@pytest.mark.parametrize(("label", "code"), [("dome", 1), ("半球", 2), (3, 3), ("4", 4)])
def test_ptz_types_by_code_or_label(label: object, code: int) -> None:
    assert validate_record({**GOOD, "ptz_type": label}).ptz_type == code
    assert code in PTZ_TYPES


def test_json_lists_and_numbers() -> None:
    raw = {**GOOD, "lon": 104.1, "lat": 30.6, "tags": ["a", "b"], "aliases": ["X"]}
    raw["streams"] = [{"name": "main", "url": "rtsp://h/1"}]
    record = validate_record(raw)
    assert (record.lon, record.tags, record.aliases) == (104.1, ("a", "b"), ("x",))


def test_stream_url_is_the_main_stream() -> None:
    record = validate_record({**GOOD, "stream_url": "rtsp://u:p@h:554/ch1"})
    assert record.streams == ({"name": "main", "url": "rtsp://u:p@h:554/ch1"},)


@pytest.mark.parametrize(
    ("raw", "field", "code"),
    [
        ({"device_id": "5101040000132000010"}, "device_id", "invalid_device_id"),
        ({"device_id": "51010400009990000101"}, "device_id", "invalid_device_id"),
        ({"device_id": "5101040000132000010x"}, "device_id", "invalid_device_id"),
        ({"name": " "}, "name", "missing_required"),
        ({"department": None}, "department", "missing_required"),
        ({"name": "x" * 201}, "name", "unparseable_value"),
        ({"name": "a\x00b"}, "name", "unparseable_value"),
        ({"parent_id": "51010400001320000009"}, "parent_id", "invalid_parent"),
        ({"parent_id": "123"}, "parent_id", "invalid_parent"),
        ({"parent_id": CAMERA}, "parent_id", "invalid_parent"),
        ({"lon": "104.1"}, "lat", "missing_required"),
        ({"lon": "东经104", "lat": "30"}, "lon", "unparseable_value"),
        ({"lon": "nan", "lat": "30"}, "lon", "unparseable_value"),
        ({"lon": "204.1", "lat": "30.6"}, "lon", "bad_coordinate"),
        ({"lon": "30.6", "lat": "104.1"}, "lat", "swapped_coordinates"),
        ({"lon": "104.1", "lat": "30.6", "crs": "EPSG:999999"}, "crs", "unparseable_value"),
        ({"crs": "gcj02"}, "crs", "unparseable_value"),
        ({"heading_deg": "360"}, "heading_deg", "invalid_view"),
        ({"fov_deg": 0}, "fov_deg", "invalid_view"),
        ({"range_m": 5001}, "range_m", "invalid_view"),
        ({"height_m": -1}, "height_m", "invalid_view"),
        ({"ptz_type": "5"}, "ptz_type", "unparseable_value"),
        ({"ptz_type": True}, "ptz_type", "unparseable_value"),
        ({"streams": "ftp://h/x"}, "streams", "invalid_stream"),
        ({"streams": [{"name": "main"}]}, "streams", "invalid_stream"),
        (
            {"streams": [{"url": "rtsp://h/1"}, {"url": "rtsp://h/2", "name": "main"}]},
            "streams",
            "invalid_stream",
        ),
        ({"tags": [1, 2]}, "tags", "unparseable_value"),
        ({"aliases": "ip:1.2.3.4/1, IP:1.2.3.4/1"}, "aliases", "duplicate_alias"),
        ({"aliases": ["51010400001320000999"]}, "aliases", "unparseable_value"),
        ({"civil_code": "51010x"}, "civil_code", "unparseable_value"),
        ({"colour": "red"}, "colour", "unknown_field"),
    ],
)
def test_each_bad_value_is_named(raw: dict, field: str, code: str) -> None:
    assert errors_of(**raw).get(field) == code


def test_every_error_at_once_in_one_problem() -> None:
    raw = {"device_id": "1", "heading_deg": 400, "ptz_type": 0, "department": "police"}
    with pytest.raises(InvalidInput) as caught:
        validate_record(raw, where="row 7")
    fields = {e["field"] for e in caught.value.errors}
    assert fields == {"device_id", "name", "heading_deg", "ptz_type"}
    assert caught.value.detail.startswith("row 7: ")
    assert all(e["message"] for e in caught.value.errors)


@pytest.mark.parametrize("crs", ["gcj02", "bd09", "EPSG:4490", "EPSG:32648"])
def test_position_in_a_declared_crs_is_stored_in_wgs84(crs: str) -> None:
    lon, lat = 104.112673, 30.603483
    x, y = parse_crs(crs).from_wgs84([lon], [lat])
    record = validate_record({**GOOD, "lon": str(x[0]), "lat": str(y[0]), "crs": crs})
    assert record.lon == pytest.approx(lon, abs=1e-5)
    assert record.lat == pytest.approx(lat, abs=1e-5)


def test_default_crs_argument_applies_when_the_record_declares_none() -> None:
    record = validate_record({**GOOD, "lon": "104.115", "lat": "30.601"}, crs="gcj02")
    assert record.lon != 104.115  # shifted back from GCJ-02 (a few hundred metres)
    assert abs(record.lon - 104.115) < 0.01


def test_sector_through_the_record() -> None:
    raw = {**GOOD, "lon": 104.1, "lat": 30.6, "heading_deg": 45, "fov_deg": 90, "range_m": 100}
    sector = validate_record(raw).sector()
    assert sector is not None and sector.is_valid
    assert sector.equals_exact(view_sector(104.1, 30.6, 45, 90, 100), 1e-12)
    assert sector.contains(shapely.Point(104.1003, 30.6003))  # north-east of the camera
    assert not sector.contains(shapely.Point(104.0997, 30.5997))  # south-west


def test_no_sector_without_every_view_value() -> None:
    raw = {**GOOD, "lon": 104.1, "lat": 30.6, "heading_deg": 45, "fov_deg": 90}
    assert validate_record(raw).sector() is None


def test_as_input_round_trips() -> None:
    raw = {**GOOD, "lon": 104.1, "lat": 30.6, "tags": ["a"], "ptz_type": 2}
    record = validate_record(raw)
    assert validate_record(record.as_input()) == record
