"""Shapefiles read from temporary files: encodings by .cpg, LDID or detection; zips."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import shapely

from gridsvc.errors import InvalidInput
from ingest.archive import ZipLimits
from ingest.readers import read_layer, read_options
from ingest.shapefile import extract_zip, read_attributes
from tests.shapefiles import write_shapefile_zip

NAMES = ["海沧街道", "新阳街道"]
BOXES = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]


def shapefile(tmp_path: Path, encoding: str, cpg: bool = False) -> Path:
    archive = write_shapefile_zip(
        tmp_path / "s.zip", {"code": ["1", "2"], "name": NAMES}, BOXES, encoding=encoding, cpg=cpg
    )
    return archive.with_suffix("") / "layer.shp"


@pytest.mark.parametrize(
    ("encoding", "cpg", "found"),
    [
        ("UTF-8", False, ("utf-8", "detected")),
        ("GBK", False, ("gb18030", "detected")),
        ("GBK", True, ("gb18030", "cpg")),
        ("UTF-8", True, ("utf-8", "cpg")),
    ],
)
def test_encoding_found(tmp_path: Path, encoding: str, cpg: bool, found: tuple) -> None:
    attrs = read_attributes(shapefile(tmp_path, encoding, cpg), None)
    assert (attrs.encoding, attrs.source) == found
    assert attrs.frame["name"].tolist() == NAMES and attrs.failures == {}


def test_language_driver_byte(tmp_path: Path) -> None:
    shp = shapefile(tmp_path, "GBK")
    dbf = shp.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[29] = 0x4D  # code page 936
    dbf.write_bytes(bytes(data))
    attrs = read_attributes(shp, None)
    assert (attrs.encoding, attrs.source) == ("gb18030", "ldid")
    assert attrs.frame["name"].tolist() == NAMES


def test_declared_encoding_wins_and_fails_per_value(tmp_path: Path) -> None:
    attrs = read_attributes(shapefile(tmp_path, "GBK", cpg=True), "utf-8")
    assert attrs.source == "declared"
    assert [row for row, _ in attrs.failures["name"]] == [0, 1]
    assert attrs.frame["name"].tolist() == [None, None]


def test_zip_without_shx_in_a_folder(tmp_path: Path) -> None:
    folder = shapefile(tmp_path, "GBK").parent
    archive = tmp_path / "no-shx.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("README.txt", "not a layer")
        for part in ("layer.shp", "layer.dbf"):
            z.write(folder / part, f"数据/{part}")
    table = read_layer(archive, options=read_options("gbk", ["code=code"]))
    assert table.names == NAMES and table.codes == ["1", "2"]
    assert table.encoding == {"name": "gb18030", "source": "declared"}


def test_extract_checks_before_writing(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../evil.shp", b"\x00\x00\x27\x0a")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(InvalidInput, match="climbs out"):
        extract_zip(archive, ZipLimits(), out)
    assert list(out.iterdir()) == [] and not (tmp_path / "evil.shp").exists()
