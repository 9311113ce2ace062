"""Small builders of test files (GeoJSON written from shapely geometries)."""

from __future__ import annotations

import json
from pathlib import Path

import shapely


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
