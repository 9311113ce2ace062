"""What the camera directory reads: the cameras data version of each district, and the
names (device id, aliases) and placement of a district's cameras."""

from __future__ import annotations

from sqlalchemy import Connection, text

_VERSIONS = text("SELECT adcode, version FROM data_versions WHERE table_name = 'cameras'")
_SQL = "SELECT device_id, grid_code, h3, integrator, aliases FROM cameras WHERE adcode = %s"


def camera_versions(conn: Connection) -> dict[str, int]:
    """The cameras data version of every district that ever had cameras."""
    return {adcode: int(version) for adcode, version in conn.execute(_VERSIONS)}


def district_cameras(conn: Connection, adcode: str) -> list[tuple]:
    """(device_id, grid_code, h3, integrator, aliases) of each camera of a district."""
    with conn.connection.driver_connection.cursor() as cur:
        return cur.execute(_SQL, (adcode,)).fetchall()
