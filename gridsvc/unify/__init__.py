"""Grid unification (多网合一): departmental layers against the unified grid.

``crosswalk`` maps every departmental grid to the unified grids it overlaps (with area shares),
``conflicts`` finds where a departmental layer disagrees with the unified grid or the district,
and ``propose`` overlays departmental layers inside each community into a proposed unified grid.
Everything is pure shapely 2 on WGS 84 lon/lat geometries; areas are in m².
"""
