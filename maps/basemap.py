"""The basemap under the command map, from the ``basemap`` setting.

``none`` (default) draws no basemap: a clean background, nothing fetched from outside.
``dir:/path/{z}/{x}/{y}.png`` and ``mbtiles:/path/file.mbtiles`` are local tiles the app
serves at ``/basemap/{z}/{x}/{y}.png``; ``osm``, ``tianditu`` (needs ``basemap_key``),
``amap`` and ``tencent`` are online tile services. Amap and Tencent tiles are in GCJ-02, so
the page asks for vector tiles shifted to GCJ-02 and converts clicks back to WGS 84.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from gridsvc.errors import ConfigurationError

LOCAL_URL = "/basemap/{z}/{x}/{y}.png"
ONLINE = ("osm", "tianditu", "amap", "tencent")
CHOICES = "none, osm, tianditu, amap, tencent, dir:/path/{z}/{x}/{y}.png or mbtiles:/path/file"
TIANDITU = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
    "&TILECOL={x}&tk={key}"
)


@dataclass(frozen=True)
class TileSource:
    """One raster tile layer as Leaflet takes it."""

    url: str
    attribution: str = ""
    subdomains: str = ""
    max_zoom: int = 18

    def to_config(self) -> dict:
        return {"url": self.url, "attribution": self.attribution,
                "subdomains": self.subdomains, "maxZoom": self.max_zoom}  # fmt: skip


@dataclass(frozen=True)
class Basemap:
    """A parsed basemap setting: what the page draws and, for local tiles, where they are."""

    kind: str  # none | dir | mbtiles | osm | tianditu | amap | tencent
    crs: str = "wgs84"  # wgs84 | gcj02: the datum of the basemap's tiles
    tiles: tuple[TileSource, ...] = ()  # drawn bottom to top
    path: str | None = None  # dir template or MBTiles file of a local basemap

    @property
    def local(self) -> bool:
        return self.kind in ("dir", "mbtiles")

    @property
    def online(self) -> bool:
        return self.kind in ONLINE

    def to_config(self) -> dict:
        """What the page needs: kind, datum and tile layers (no file paths)."""
        return {"kind": self.kind, "crs": self.crs, "online": self.online,
                "tiles": [t.to_config() for t in self.tiles]}  # fmt: skip


def parse_basemap(value: str | None, key: str | None = None) -> Basemap:
    """Parse the ``basemap`` setting; ConfigurationError names the accepted forms."""
    text = (value or "none").strip()
    kind, sep, rest = text.partition(":")
    kind = kind.lower()
    if kind == "none" and not sep:
        return Basemap("none")
    if kind == "dir" and sep:
        if not all(part in rest for part in ("{z}", "{x}", "{y}")):
            raise ConfigurationError(
                f"basemap '{text}': a tile directory needs {{z}}, {{x}} and {{y}} in its path, "
                "e.g. dir:/srv/tiles/{z}/{x}/{y}.png"
            )
        return Basemap("dir", tiles=(TileSource(LOCAL_URL, "", "", 20),), path=rest)
    if kind == "mbtiles" and sep:
        if not rest:
            raise ConfigurationError(f"basemap '{text}': give the MBTiles file after 'mbtiles:'")
        return Basemap("mbtiles", tiles=(TileSource(LOCAL_URL, "", "", 20),), path=rest)
    if kind == "osm" and not sep:
        osm = TileSource("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                         "© OpenStreetMap contributors", "", 19)  # fmt: skip
        return Basemap("osm", tiles=(osm,))
    if kind == "tianditu" and not sep:
        if not key:
            raise ConfigurationError(
                "basemap 'tianditu' needs a key: set GRIDSVC_BASEMAP_KEY (天地图 tk)"
            )
        layers = tuple(
            TileSource(TIANDITU.replace("{layer}", layer).replace("{key}", key),
                       "© 天地图 Tianditu", "01234567", 18)
            for layer in ("vec", "cva")
        )  # fmt: skip
        return Basemap("tianditu", tiles=layers)
    if kind == "amap" and not sep:
        amap = TileSource(
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
            "&x={x}&y={y}&z={z}", "© 高德地图 Amap", "1234", 18,
        )  # fmt: skip
        return Basemap("amap", crs="gcj02", tiles=(amap,))
    if kind == "tencent" and not sep:
        tencent = TileSource(
            "https://rt{s}.map.gtimg.com/tile?z={z}&x={x}&y={-y}&type=vector&styleid=0",
            "© 腾讯地图 Tencent", "0123", 18,
        )  # fmt: skip
        return Basemap("tencent", crs="gcj02", tiles=(tencent,))
    raise ConfigurationError(f"unknown basemap '{text}': use one of {CHOICES}")


@lru_cache(maxsize=8)
def cached_basemap(value: str | None, key: str | None) -> Basemap:
    """``parse_basemap`` remembered per setting (settings do not change while running)."""
    return parse_basemap(value, key)


def media_type(data: bytes) -> str:
    """Media type of a raster tile from its first bytes."""
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


def read_tile(basemap: Basemap, z: int, x: int, y: int) -> bytes | None:
    """One tile (XYZ numbering) of a local basemap, or None when it has no such tile."""
    if z < 0 or z > 30 or not (0 <= x < 2**z and 0 <= y < 2**z) or basemap.path is None:
        return None
    if basemap.kind == "dir":
        path = Path(basemap.path.replace("{z}", str(z)).replace("{x}", str(x))
                    .replace("{y}", str(y)))  # fmt: skip
        return path.read_bytes() if path.is_file() else None
    if basemap.kind == "mbtiles":
        return _mbtiles_tile(basemap.path, z, x, (2**z - 1) - y)  # MBTiles rows are TMS
    return None


def _mbtiles_tile(path: str, z: int, x: int, row: int) -> bytes | None:
    file = Path(path)
    if not file.is_file():
        raise ConfigurationError(f"basemap MBTiles file '{path}' does not exist")
    conn = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
    try:
        found = conn.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, row),
        ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise ConfigurationError(
            f"basemap '{path}' is not a readable MBTiles file: {exc}"
        ) from None
    finally:
        conn.close()
    return bytes(found[0]) if found else None
