"""Demo key elements (人、地、物、情、组织) for a generated district, as the files real systems
export: CSV with Chinese column names (the person file GBK-encoded, like an Excel export)
and a mapping YAML (SPEC §8) beside each, to be loaded through the ingest service.

Deterministic from the seed (and the reference date of the situations' validity windows).
The quick demo has ~50,000 residents in 530302; ``scale`` multiplies the residents and
everything that follows them (buildings' occupancy, POIs, components, enterprises,
situations); the hierarchy's own counts (party organisations, staff, service centres) stay.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml

from gridsvc.demo import civic, exports, people
from gridsvc.demo.area import DemoArea
from gridsvc.demo.exports import ElementFile
from gridsvc.demo.housing import build_housing, households

QUICK_RESIDENTS = 50_000
FULL_SCALE = 20.0  # the scale at which buildings are as full as in a real district
RURAL_WEIGHT = 0.5  # a rural grid's expected residents relative to an urban one
_SALT = 0x656C656D


def _rng(seed: int, adcode: str, part: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(adcode), part, _SALT])


def residents_per_grid(area: DemoArea, total: int, rng: np.random.Generator) -> np.ndarray:
    """Residents of each grid: a multinomial draw, urban grids weighing twice a rural one."""
    weight = np.where(area.urban, 1.0, RURAL_WEIGHT) * rng.lognormal(0.0, 0.35, len(area))
    return rng.multinomial(total, weight / weight.sum())


def generate_elements(
    area: DemoArea, *, seed: int = 0, scale: float = 1.0, reference: dt.date
) -> list[ElementFile]:
    """Every element file of the demo, in load order (buildings before the people in them)."""
    if not scale > 0:
        raise ValueError("scale must be positive")
    counts = residents_per_grid(area, round(QUICK_RESIDENTS * scale), _rng(seed, area.adcode, 1))
    rng = _rng(seed, area.adcode, 2)
    hh_grid, hh_size = households(counts, rng)
    housing = build_housing(area, hh_grid, hh_size, min(1.0, 0.85 * scale / FULL_SCALE), rng)
    persons = people.residents(area, housing, reference, _rng(seed, area.adcode, 3))
    pois = civic.pois(area, counts, _rng(seed, area.adcode, 4))
    things = civic.things(area, counts, _rng(seed, area.adcode, 5))
    orgs = civic.organisations(area, counts, housing.compounds, _rng(seed, area.adcode, 6))
    staff = civic.staff(area, _rng(seed, area.adcode, 7))
    situations = civic.situations(area, counts, reference, _rng(seed, area.adcode, 8))
    return [
        exports.places_file(housing.buildings, housing.compounds),
        exports.pois_file(pois),
        exports.persons_file(persons),
        exports.things_file(things),
        exports.organisations_file(orgs),
        exports.staff_file(staff),
        exports.situations_file(situations),
    ]


def write_elements(files: Sequence[ElementFile], directory: Path) -> list[tuple[str, Path, Path]]:
    """Write each CSV and its mapping YAML; (kind, csv, yaml) in load order, plus a manifest."""
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for f in files:
        path, map_path = directory / f.name, directory / f.map_name
        terminator = "\r\n" if f.encoding == "gbk" else "\n"
        f.frame.to_csv(path, index=False, encoding=f.encoding, lineterminator=terminator)
        map_path.write_text(
            yaml.safe_dump(f.mapping, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        out.append((f.kind, path, map_path))
    manifest = [
        {"kind": f.kind, "file": f.name, "map": f.map_name, "rows": len(f.frame)} for f in files
    ]
    (directory / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return out
