"""Response classes whose media types the OpenAPI document states."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

GEOJSON = "application/geo+json"


class GeoJSONResponse(JSONResponse):
    """An RFC 7946 GeoJSON document (``application/geo+json``)."""

    media_type = GEOJSON


def paged_geojson(body: dict, request: Request, limit: int, offset: int) -> GeoJSONResponse:
    """A paged FeatureCollection with ``self`` and, when more match, ``next`` links."""
    links = [{"rel": "self", "href": str(request.url), "type": GEOJSON}]
    if offset + body["numberReturned"] < body["numberMatched"]:
        nxt = request.url.include_query_params(offset=offset + limit, limit=limit)
        links.append({"rel": "next", "href": str(nxt), "type": GEOJSON})
    return GeoJSONResponse({**body, "links": links})
