"""Spatial core: bulk H3 operations, the grid cell index and exact point → grid location.

``h3cells`` is the one door to the H3 libraries (h3ronpy when importable, h3-py otherwise);
``cellindex`` maps H3 cells to the grids they lie in or touch; ``locate`` answers which grid
covers each of many lon/lat points, exactly as PostGIS ``ST_Covers`` would.
"""
