"""Small builders of test files (GeoJSON written from shapely geometries)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import NoReturn

import pytest
import shapely


def unavailable(reason: str) -> NoReturn:
    """Skip what needs a missing browser, server or tool; fail instead when ``CI`` is set,
    where everything the tests need is installed and a skip would hide a broken setup."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the tests must be able to run it)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def write_geojson(path: Path, features: list[tuple[dict, object]]) -> Path:
    """Write (properties, shapely geometry) pairs as a GeoJSON FeatureCollection."""
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props,
             "geometry": json.loads(shapely.to_geojson(geom))}
            for props, geom in features
        ],
    }  # fmt: skip
    path.write_text(json.dumps(fc, ensure_ascii=False))
    return path
