"""gridsvc: grid-based urban governance on PostGIS."""

__version__ = "0.1.0"
