"""Pure geometry helpers: coordinate systems, measurement. No I/O, no database."""

#: The one SRID the database stores: WGS 84 longitude/latitude.
SRID = 4326
