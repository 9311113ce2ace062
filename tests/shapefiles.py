"""Zipped Shapefiles written in a chosen encoding, as Chinese desktop GIS leaves them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio


def write_shapefile_zip(
    path: Path, columns: dict[str, list], geometries: list, *, encoding: str, cpg: bool = False
) -> Path:
    """A zipped Shapefile with ``columns`` written in ``encoding``; without .cpg by default.

    Without a .cpg and with the DBF's language driver byte 0, nothing in the files says
    which encoding the attributes are in: the way Chinese desktop GIS often leaves them.
    """
    folder = path.with_suffix("")
    folder.mkdir(parents=True, exist_ok=True)
    frame = gpd.GeoDataFrame(columns, geometry=geometries, crs="EPSG:4326")
    pyogrio.write_dataframe(frame, folder / "layer.shp", encoding=encoding)
    if not cpg:
        (folder / "layer.cpg").unlink()
    assert (folder / "layer.dbf").read_bytes()[29] == 0  # no language driver mark
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, part.name)
    return path
