"""Response classes whose media types the OpenAPI document states."""

from __future__ import annotations

from fastapi.responses import JSONResponse

GEOJSON = "application/geo+json"


class GeoJSONResponse(JSONResponse):
    """An RFC 7946 GeoJSON document (``application/geo+json``)."""

    media_type = GEOJSON
