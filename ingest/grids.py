"""Plan an import of one hierarchy level: convert, check and code every feature.

Pure: the caller loads the context (district, parents, existing siblings) and writes
the rows. Any error rejects the whole import; warnings are reported and written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gridsvc import topology
from gridsvc.coding import Level, number_children, validate_code
from gridsvc.geo.crs import CoordinateSystem
from gridsvc.geo.measure import areas_m2
from ingest.geometry import check_in_district, prepare_geometries
from ingest.readers import FeatureTable
from ingest.report import ImportReport


@dataclass(frozen=True)
class ImportContext:
    """What the database already holds that an import is checked against."""

    adcode: str
    district: BaseGeometry | None = None  # None when the district itself is imported
    parents: dict[str, BaseGeometry] = field(default_factory=dict)
    siblings: dict[str, tuple[str | None, BaseGeometry]] = field(default_factory=dict)


@dataclass
class ImportPlan:
    report: ImportReport
    rows: list[dict] = field(default_factory=list)


def plan_import(
    table: FeatureTable,
    level: Level,
    crs: CoordinateSystem,
    ctx: ImportContext,
    *,
    strict: bool = False,
    dry_run: bool = False,
) -> ImportPlan:
    """Check and code every feature of ``table`` for ``level``; rows are empty on error."""
    level = Level(level)
    report = ImportReport(table.source, level.value, crs.label, len(table), strict, dry_run)
    report.read_from(table.issues, table.encoding)
    if table.file_crs and not _same_crs(table.file_crs, crs):
        report.add("warning", "crs_mismatch",
                   f"the file says its CRS is {table.file_crs} but the import declares "
                   f"{crs.label}; the declaration is used")  # fmt: skip
    geoms = prepare_geometries(table, crs, report)
    ok = np.array([g is not None for g in geoms])
    if level is Level.DISTRICT:
        codes, parents = _district_codes(table, ctx, report)
    else:
        check_in_district(geoms, ok, ctx.district, ctx.adcode, report)
        codes, parents = _codes(table, geoms, ok, level, ctx, report)
    names = [n or c for n, c in zip(table.names, codes, strict=True)]
    undecoded = {i.feature for i in table.issues if i.kind == "encoding"}
    for i, name in enumerate(table.names):
        if not name and codes[i] and i + 1 not in undecoded:
            report.add("warning", "missing_name", f"feature {i + 1} has no name; its code "
                       f"{codes[i]} is used as the name", feature=i + 1, field="name")  # fmt: skip
    if level is not Level.DISTRICT and not report.errors:
        _check_topology(geoms, codes, parents, ctx, report)
    plan = ImportPlan(report)
    if report.errors:
        return plan
    areas = areas_m2(np.asarray(geoms, dtype=object))
    plan.rows = [
        {"adcode": ctx.adcode, "code": codes[i], "level": level.value,
         "parent_code": parents[i], "name": names[i], "geometry": geoms[i],
         "area_m2": float(areas[i]), "source": table.source}
        for i in range(len(table))
    ]  # fmt: skip
    return plan


def _same_crs(file_crs: str, crs: CoordinateSystem) -> bool:
    if crs.label in ("gcj02", "bd09"):  # files never know these; they say WGS 84
        return True
    return file_crs.upper().replace("OGC:CRS84", "EPSG:4326") == crs.label.upper()


def _district_codes(table: FeatureTable, ctx: ImportContext, report) -> tuple[list, list]:
    if len(table) != 1:
        report.add("error", "feature_count",
                   f"a district import takes exactly one feature; {table.source} has "
                   f"{len(table)}")  # fmt: skip
    codes = [c or ctx.adcode for c in table.codes]
    for i, code in enumerate(codes):
        if code != ctx.adcode:
            report.add("error", "code", f"feature {i + 1} has code '{code}' but the district "
                       f"being imported is {ctx.adcode}", feature=i + 1, field="code")  # fmt: skip
    return codes, [None] * len(codes)


def _codes(table, geoms, ok, level: Level, ctx: ImportContext, report) -> tuple[list, list]:
    """Validate given codes, or number code-less features inside their spatial parent."""
    n = len(table)
    given = [c is not None for c in table.codes]
    if any(given) and not all(given):
        missing = [i + 1 for i in range(n) if not given[i]][:10]
        report.add("error", "code", f"either every feature has a code or none does; features "
                   f"{missing} have none", field="code")  # fmt: skip
        return [None] * n, [None] * n
    if all(given):
        return _validate_given(table, level, ctx, report)
    parents = _spatial_parents(geoms, ok, level, ctx, report)
    codes: list[str | None] = [None] * n
    by_parent: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(parents):
        if p is not None:
            by_parent[p].append(i)
    for parent, members in by_parent.items():
        points = shapely.get_coordinates(shapely.point_on_surface([geoms[i] for i in members]))
        for i, code in zip(members, number_children(parent, points), strict=True):
            codes[i] = code
    return codes, parents


def _validate_given(table: FeatureTable, level: Level, ctx: ImportContext, report):
    codes, parents = list(table.codes), []
    seen: dict[str, int] = {}
    for i, code in enumerate(codes):
        parent = table.parent_codes[i] or (code[:-3] if len(code) > 6 else None)
        parents.append(parent)
        problem = validate_code(code, level, parent)
        if problem:
            report.add("error", "code", f"feature {i + 1}: {problem}", feature=i + 1,
                       code=code, field="code")  # fmt: skip
        elif not code.startswith(ctx.adcode):
            report.add("error", "code", f"feature {i + 1}: code '{code}' is not in district "
                       f"{ctx.adcode}", feature=i + 1, code=code, field="code")  # fmt: skip
        elif parent not in ctx.parents:
            report.add("error", "missing_parent", f"feature {i + 1}: its parent "
                       f"{level.parent.value} '{parent}' does not exist; import that level "
                       "first", feature=i + 1, code=code, field="parent_code")  # fmt: skip
        if code in seen:
            report.add("error", "duplicate_code", f"feature {i + 1}: code '{code}' is already "
                       f"used by feature {seen[code] + 1}", feature=i + 1, code=code,
                       field="code")  # fmt: skip
        seen.setdefault(code, i)
    return codes, parents


def _spatial_parents(geoms, ok, level: Level, ctx: ImportContext, report) -> list:
    """The parent each feature overlaps most, or None (reported)."""
    parents: list[str | None] = [None] * len(geoms)
    if not ctx.parents:
        report.add("error", "missing_parent", f"district {ctx.adcode} has no "
                   f"{level.parent.value} units yet; import that level first")  # fmt: skip
        return parents
    pcodes = list(ctx.parents)
    pgeoms = np.asarray([ctx.parents[c] for c in pcodes], dtype=object)
    idx = np.flatnonzero(ok)
    tree = shapely.STRtree(pgeoms)
    src, dst = tree.query(np.asarray([geoms[i] for i in idx], dtype=object), "intersects")
    overlap = shapely.area(shapely.intersection(
        np.asarray([geoms[idx[s]] for s in src], dtype=object), pgeoms[dst]))  # fmt: skip
    best: dict[int, tuple[float, int]] = {}
    for s, d, a in zip(src, dst, overlap, strict=True):
        if a > best.get(s, (-1.0, -1))[0]:
            best[s] = (a, d)
    for k, i in enumerate(map(int, idx)):
        if k in best and best[k][0] > 0:
            parents[i] = pcodes[best[k][1]]
        else:
            report.add("error", "missing_parent", f"feature {i + 1} overlaps no "
                       f"{level.parent.value} of district {ctx.adcode}", feature=i + 1,
                       field="geometry")  # fmt: skip
    return parents


def _check_topology(geoms, codes, parents, ctx: ImportContext, report) -> None:
    """Within parent, sibling overlaps and gaps, per parent, existing siblings included."""
    feature_of = {c: i + 1 for i, c in enumerate(codes)}
    groups: dict[str, dict[str, BaseGeometry]] = defaultdict(dict)
    for code, (parent, geom) in ctx.siblings.items():
        if parent is not None and code not in feature_of:
            groups[parent][code] = geom
    for i, code in enumerate(codes):
        groups[parents[i]][code] = geoms[i]
    for parent, children in groups.items():
        if parent not in ctx.parents or not any(c in feature_of for c in children):
            continue
        findings = topology.check_siblings(
            parent, ctx.parents[parent], list(children), list(children.values())
        )
        for f in findings:
            report.add("warning", f.kind, f.message, codes=f.codes, area_m2=f.area_m2,
                       location=f.location, feature=feature_of.get(f.codes[0]),
                       code=f.codes[0])  # fmt: skip
