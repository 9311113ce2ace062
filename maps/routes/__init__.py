"""Routes of the map pages."""
