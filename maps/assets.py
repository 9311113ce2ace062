"""Front-end files of the command map: vendor libraries from npm and our own static files.

The vendor libraries (Leaflet, Leaflet.VectorGrid) are installed by ``npm ci`` in
``maps/frontend`` (``make install`` does it) and served at ``/static/vendor/<package>/``;
our own JS and CSS live in ``maps/static`` and are served at ``/static/map/``. Nothing is
fetched from a CDN.
"""

from __future__ import annotations

from pathlib import Path

from gridsvc.errors import ConfigurationError

HERE = Path(__file__).resolve().parent
FRONTEND = HERE / "frontend"
NODE_MODULES = FRONTEND / "node_modules"
STATIC = HERE / "static"
VENDOR_URL = "/static/vendor"
STATIC_URL = "/static/map"

# npm package → the folder of it served at /static/vendor/<package>/
VENDOR_DIRS: dict[str, str] = {
    "leaflet": "leaflet/dist",
    "leaflet.vectorgrid": "leaflet.vectorgrid/dist",
}
# files the page loads, in order (package, file inside the served folder)
VENDOR_JS: tuple[tuple[str, str], ...] = (
    ("leaflet", "leaflet.js"),
    ("leaflet.vectorgrid", "Leaflet.VectorGrid.bundled.min.js"),
)
VENDOR_CSS: tuple[tuple[str, str], ...] = (("leaflet", "leaflet.css"),)
# our own files, in load order (each a plain script adding to window.GridMap)
APP_JS: tuple[str, ...] = (
    "i18n.js",
    "gcj02.js",
    "layers.js",
    "profile.js",
    "cameras.js",
    "camera_card.js",
    "panel.js",
    "app.js",
)
APP_CSS: tuple[str, ...] = ("app.css",)

MISSING = (
    "the map's front-end libraries are not installed: "
    "run `make install` (it runs `npm ci` in maps/frontend)"
)


def vendor_dir(package: str) -> Path:
    """Folder of an npm package's files served at ``/static/vendor/<package>/``."""
    return NODE_MODULES / VENDOR_DIRS[package]


def missing_files() -> list[Path]:
    """Vendor files the page needs that are not installed (empty when all are there)."""
    wanted = [vendor_dir(pkg) / name for pkg, name in (*VENDOR_JS, *VENDOR_CSS)]
    return [p for p in wanted if not p.is_file()]


def require_installed() -> None:
    """Raise ConfigurationError naming the fix when the vendor files are missing."""
    missing = missing_files()
    if missing:
        raise ConfigurationError(f"{MISSING} ({missing[0]} is missing)")


def vendor_url(package: str, name: str) -> str:
    return f"{VENDOR_URL}/{package}/{name}"


def static_url(name: str) -> str:
    """URL of one of our own static files, with a version stamp against stale caches."""
    path = STATIC / name
    stamp = int(path.stat().st_mtime) if path.is_file() else 0
    return f"{STATIC_URL}/{name}?v={stamp}"


def vendor_scripts() -> list[str]:
    """Vendor script URLs, loaded (blocking) before the map is created."""
    return [vendor_url(p, n) for p, n in VENDOR_JS]


def app_scripts() -> list[str]:
    """Our own script URLs, loaded deferred after the map is created."""
    return [static_url(n) for n in APP_JS]


def stylesheets() -> list[str]:
    return [vendor_url(p, n) for p, n in VENDOR_CSS] + [static_url(n) for n in APP_CSS]
