"""Request parameters shared by the routers, with the bounds the handlers enforce.

Each constraint here is both checked (a violation is a 422 problem naming the field) and
stated in the OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

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
