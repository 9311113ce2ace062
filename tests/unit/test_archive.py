"""Zip members judged before extraction: count, size, compression ratio and paths."""

from __future__ import annotations

import pytest

from gridsvc.errors import InvalidInput
from ingest.archive import Member, ZipLimits, check_members, shapefile_members, unsafe_path

LIMITS = ZipLimits(max_members=5, max_uncompressed_bytes=10 * 1024**2, max_ratio=50)
SHAPEFILE = [Member(f"roads.{s}", 100, 200) for s in ("shp", "shx", "dbf", "prj")]


def test_a_plain_shapefile_passes() -> None:
    check_members("x.zip", SHAPEFILE, LIMITS)
    parts = shapefile_members("x.zip", [Member("dir/", 0, 0), *SHAPEFILE])
    assert parts == {f".{s}": f"roads.{s}" for s in ("shp", "shx", "dbf", "prj")}


def test_too_many_members() -> None:
    members = [Member(f"f{i}.txt", 1, 1) for i in range(6)]
    with pytest.raises(InvalidInput, match="holds 6 files; at most 5"):
        check_members("x.zip", members, LIMITS)


def test_total_uncompressed_size() -> None:
    members = [Member("a.dbf", 9 * 1024**2, 9 * 1024**2), Member("b.dbf", 1024**2, 2 * 1024**2)]
    with pytest.raises(InvalidInput, match="expands to 11534336 bytes"):
        check_members("x.zip", members, LIMITS)


def test_zip_bomb_ratio() -> None:
    with pytest.raises(InvalidInput, match="compressed 200 times; at most 50"):
        check_members("x.zip", [Member("bomb.dbf", 10_000, 2_000_000)], LIMITS)
    # small members are not judged by their ratio: they cannot expand far
    check_members("x.zip", [Member("tiny.cpg", 1, 500_000)], LIMITS)


@pytest.mark.parametrize(
    "name", ["/etc/passwd", "../x.shp", "a/../../x.shp", "C:/x.shp", "c:x.shp", "a\\..\\x.shp"]
)
def test_unsafe_paths(name: str) -> None:
    assert unsafe_path(name)
    with pytest.raises(InvalidInput, match="is refused because"):
        check_members("x.zip", [Member(name, 1, 1)], LIMITS)


@pytest.mark.parametrize("name", ["x.shp", "a/b/x.shp", "a..b.shp", "dir/"])
def test_safe_paths(name: str) -> None:
    assert unsafe_path(name) is None


def test_no_or_several_shapefiles() -> None:
    with pytest.raises(InvalidInput, match="holds no Shapefile"):
        shapefile_members("x.zip", [Member("readme.txt", 1, 1)])
    with pytest.raises(InvalidInput, match="holds 2 Shapefiles"):
        shapefile_members("x.zip", [Member("a.shp", 1, 1), Member("b.SHP", 1, 1)])
