"""Command view, vector tiles and GIS exports."""
