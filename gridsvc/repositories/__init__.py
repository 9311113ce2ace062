"""Data access: SQL through SQLAlchemy and GeoAlchemy2. WKB stays inside this package."""
