"""Request parameters shared by the routers, with the bounds the handlers enforce.

Each constraint here is both checked (a violation is a 422 problem naming the field) and
stated in the OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from gridsvc.errors import InvalidInput

#: District, street, community or grid code (SPEC §2: 6 digits, then 3 per level).
UNIT_CODE = r"^\d{6}(\d{3}){0,3}$"
GRID_CODE = r"^\d{15}$"
ADCODE = r"^\d{6}$"
#: An H3 cell index as 15 or 16 hexadecimal digits.
H3_CELL = r"^[0-9a-fA-F]{15,16}$"
#: Declared coordinate systems: '4326', 'EPSG:4490', 'gcj02', 'BD-09', 'WGS 84', ...
CRS = r"^[A-Za-z0-9:_\- ]{1,40}$"
#: Free text (names, searches, filters): no control characters (PostgreSQL refuses NUL).
TEXT = r"^[^\x00-\x1f\x7f]*$"
MAX_OFFSET = 2**31 - 1
MAX_COORDINATE = 1e9
MAX_ID = 2**63 - 1

UnitCode = Annotated[
    str, Path(pattern=UNIT_CODE, description="District, street, community or grid code")
]
GridCode = Annotated[str, Path(pattern=GRID_CODE, description="Grid code (15 digits)")]
Cell = Annotated[
    str, Path(pattern=H3_CELL, description="H3 cell index (hexadecimal), any resolution")
]
District = Annotated[str | None, Query(pattern=ADCODE, description="Only this district (adcode)")]
Crs = Annotated[
    str,
    Query(
        pattern=CRS,
        description="CRS of lon/lat: an EPSG code ('4326', 'EPSG:4490'), 'gcj02' or 'bd09'",
    ),
]
OptionalCrs = Annotated[str | None, Query(pattern=CRS, description="CRS of the points")]
Lon = Annotated[
    float,
    Query(
        ge=-MAX_COORDINATE,
        le=MAX_COORDINATE,
        allow_inf_nan=False,
        description="x in the CRS: degrees -180..180 for EPSG:4326, gcj02 and bd09",
    ),
]
Lat = Annotated[
    float,
    Query(
        ge=-MAX_COORDINATE,
        le=MAX_COORDINATE,
        allow_inf_nan=False,
        description="y in the CRS: degrees -90..90 for EPSG:4326, gcj02 and bd09",
    ),
]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Features to skip")]
Rings = Annotated[int, Query(ge=0, le=20, description="H3 rings around the cell")]
LayerId = Annotated[int, Path(ge=1, le=MAX_ID, description="Layer id")]
ElementId = Annotated[int, Path(ge=1, le=MAX_ID, description="Element id")]


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """``minLon,minLat,maxLon,maxLat`` in WGS 84 degrees; InvalidInput with the reason."""
    if not text:
        return None
    parts = text.split(",")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise InvalidInput(
            f"bbox '{text}' must be four numbers: minLon,minLat,maxLon,maxLat"
        ) from None
    if len(values) != 4:
        raise InvalidInput(f"bbox '{text}' has {len(values)} numbers; it needs 4")
    x0, y0, x1, y1 = values
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise InvalidInput(f"bbox '{text}' is out of range or has min greater than max")
    return x0, y0, x1, y1
