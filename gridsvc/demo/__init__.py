"""Synthetic demo data: a plausible street/community/grid hierarchy for a real district."""
