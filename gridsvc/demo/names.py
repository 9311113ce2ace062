"""Plausible Chinese names for generated streets, communities and grids."""

from __future__ import annotations

import numpy as np

#: Characters that commonly open a place name.
FIRST_CHARS = "东南西北中文华建宁寥廓潇湘珠三白石龙凤金玉青红太和永长新兴安康福明光德胜丰泰云"
#: Characters that commonly close an urban place name.
URBAN_CHARS = "华明光阳平兴隆康福安城桥宁江湖山园苑门街河源盛祥"
#: Characters that commonly close a rural place name.
RURAL_CHARS = "山河湖坪营庄寨屯沟坝塘坡哨堡铺冲田溪岭水桥平兴"

STREET_SUFFIX = "街道"
TOWN_SUFFIX = "镇"
TOWNSHIP_SUFFIX = "乡"
URBAN_COMMUNITY_SUFFIX = "社区"
VILLAGE_SUFFIX = "村"


class NameGenerator:
    """Draws two-character names from a seeded generator; no name is given out twice."""

    def __init__(self, seed: int, salt: int = 0) -> None:
        self._rng = np.random.default_rng([seed, salt, 0x6E616D65])
        self._used: set[str] = set()

    def _stem(self, closing: str, suffix: str) -> str:
        for length in (2, 3):
            for _ in range(200):
                first = FIRST_CHARS[self._rng.integers(len(FIRST_CHARS))]
                rest = "".join(closing[self._rng.integers(len(closing))] for _ in range(length - 1))
                stem = first + rest
                name = stem + suffix
                if len(set(stem)) == len(stem) and stem[-1] != suffix[0] and name not in self._used:
                    self._used.add(name)
                    return name
        # Unreachable in practice (over 30 000 stems to draw from); keep names unique anyway.
        name = f"第{len(self._used) + 1}{suffix}"
        self._used.add(name)
        return name

    def street(self, urban: bool) -> str:
        """A street name: "XX街道" when urban, otherwise "XX镇" (mostly) or "XX乡"."""
        if urban:
            return self._stem(URBAN_CHARS, STREET_SUFFIX)
        suffix = TOWN_SUFFIX if self._rng.random() < 0.75 else TOWNSHIP_SUFFIX
        return self._stem(RURAL_CHARS, suffix)

    def community(self, urban: bool) -> str:
        """A community name: "XX社区" when urban, otherwise "XX村"."""
        if urban:
            return self._stem(URBAN_CHARS, URBAN_COMMUNITY_SUFFIX)
        return self._stem(RURAL_CHARS, VILLAGE_SUFFIX)


def grid_name(community_name: str, seq: int) -> str:
    """A grid name: "<community name>第N网格" for the grid's sequence number N."""
    return f"{community_name}第{seq}网格"
