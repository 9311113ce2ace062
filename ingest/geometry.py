"""Geometry steps every import shares: convert to WGS 84, repair, range and district checks."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gridsvc import topology
from gridsvc.geo.crs import CoordinateSystem, out_of_range, transform_geometries
from ingest.readers import FeatureTable
from ingest.report import ImportReport

POLYGONAL = ("Polygon", "MultiPolygon")


def prepare_geometries(table: FeatureTable, crs: CoordinateSystem, report: ImportReport) -> list:
    """WGS 84 polygonal geometries (repaired), None for features that can't be used."""
    raw = table.geometries
    out: list = [None] * len(raw)
    usable = []
    for i, g in enumerate(raw):
        if g is None or shapely.is_empty(g):
            report.add("error", "empty_geometry", f"feature {i + 1} has no geometry",
                       feature=i + 1, code=table.codes[i], field="geometry")  # fmt: skip
        elif g.geom_type not in POLYGONAL:
            report.add("error", "geometry_type", f"feature {i + 1} is a {g.geom_type}; "
                       "only Polygon and MultiPolygon are accepted",
                       feature=i + 1, code=table.codes[i], field="geometry")  # fmt: skip
        else:
            usable.append(i)
    if not usable:
        return out
    converted = transform_geometries(np.asarray([raw[i] for i in usable], dtype=object), crs)
    bad_range = out_of_range(converted)
    labels = [str(i) for i in usable]
    repaired, findings = topology.repair_invalid(labels, converted)
    broken = {int(f.codes[0]) for f in findings if f.kind == "empty_geometry"}
    for f in findings:
        i = int(f.codes[0])
        severity = "error" if f.kind == "empty_geometry" else "warning"
        report.add(severity, f.kind, f"feature {i + 1}: {f.message}", feature=i + 1,
                   code=table.codes[i], field="geometry", location=f.location)  # fmt: skip
    for j, i in enumerate(usable):
        if bad_range[j]:
            _report_out_of_range(i, converted[j], crs, report)
        elif i not in broken:
            out[i] = repaired[j]
    return out


def _swap(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda c: c[:, ::-1])


def _report_out_of_range(i: int, geom: BaseGeometry, crs: CoordinateSystem, report) -> None:
    if not out_of_range([_swap(geom)])[0]:
        report.add("error", "swapped_coordinates",
                   f"feature {i + 1} has latitudes beyond ±90; with latitude and longitude "
                   "swapped they are valid: the coordinates appear to be (lat, lon)",
                   feature=i + 1, field="geometry")  # fmt: skip
        return
    report.add("error", "coordinates_out_of_range",
               f"feature {i + 1} has coordinates outside longitude ±180 / latitude ±90 "
               f"after converting from {crs.label}; is the declared CRS right?",
               feature=i + 1, field="geometry")  # fmt: skip


def check_in_district(
    geoms: list, ok: np.ndarray, district: BaseGeometry | None, adcode: str, report: ImportReport
) -> None:
    """Flag features wholly outside the district (dropping them from ``geoms``), and say when
    swapping lat/lon would put them inside."""
    if district is None:
        return
    shapely.prepare(district)
    for i in map(int, np.flatnonzero(ok)):
        g = geoms[i]
        if shapely.intersects(district, g):
            continue
        swapped = _swap(g)
        where = shapely.get_coordinates(shapely.point_on_surface(g))[0]
        if shapely.intersects(district, swapped):
            report.add("error", "swapped_coordinates",
                       f"feature {i + 1} lies outside district {adcode} at "
                       f"({where[0]:.5f}, {where[1]:.5f}); with latitude and longitude "
                       "swapped it falls inside: the coordinates appear to be (lat, lon)",
                       feature=i + 1, field="geometry", location=tuple(where))  # fmt: skip
        else:
            km = shapely.distance(district, g) * 111.0
            report.add("error", "outside_district",
                       f"feature {i + 1} lies outside district {adcode}, about {km:,.0f} km "
                       f"away at ({where[0]:.5f}, {where[1]:.5f}); is the declared CRS "
                       f"({report.crs}) right?", feature=i + 1, field="geometry",
                       location=tuple(where))  # fmt: skip
        geoms[i] = None
