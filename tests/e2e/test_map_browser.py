"""The command map in a real browser: Debian's Chromium, headless, driven by Playwright.

The server is ``gridsvc serve`` against the test database (district 510104). The browser may
reach 127.0.0.1 only: every other request is aborted and recorded, and the test asserts that
none was attempted. A screenshot is kept in ``test-artifacts/map.png``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, text

from gridsvc.services.keys import create_key
from tests.helpers import unavailable

pytestmark = pytest.mark.e2e
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"

if not CHROMIUM.exists():  # CI installs it through scripts/bootstrap.sh
    unavailable("Debian chromium (/usr/bin/chromium) is not installed: run `make install`")
try:
    import playwright.sync_api as playwright
except ImportError:
    unavailable("playwright is not installed: run `make install`")


@pytest.fixture(scope="module")
def grid(engine: Engine, demo_district: str) -> dict:
    """A grid of the demo district with a point well inside it."""
    with engine.connect() as conn:
        code, name, lon, lat = conn.execute(
            text(
                "SELECT code, name, ST_X(p), ST_Y(p) FROM (SELECT code, name, "
                "ST_PointOnSurface(geom) AS p FROM units WHERE adcode = :a AND level = 'grid' "
                "ORDER BY code OFFSET 10 LIMIT 1) g"
            ),
            {"a": demo_district},
        ).one()
    return {"code": code, "name": name, "lon": lon, "lat": lat}


def test_command_map_in_chromium(server: str, engine: Engine, grid: dict) -> None:
    key, _ = create_key(engine, "operator", name="e2e browser")
    attempted: list[str] = []
    errors: list[str] = []

    def only_local(route) -> None:  # type: ignore[no-untyped-def]
        url = urlsplit(route.request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOCAL_HOSTS:
            attempted.append(route.request.url)
            route.abort()
            return
        route.continue_()

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 900})
            context.route("**/*", only_local)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))

            # the login form, then the operator's view of the whole district
            page.goto(f"{server}/map")
            assert "/login" in page.url
            page.fill("#key", key)
            page.click("button[type=submit]")
            page.wait_for_url(f"{server}/map*")
            page.wait_for_function("window.GridMap && GridMap.map && GridMap.panel")
            assert "网格化管理指挥中心" in page.title()
            assert page.inner_text("#gs-card h2") == "网格信息"

            # zoom in to grid level on the grid (via the URL hash) and wait for its tiles
            view = f"#16/{grid['lat']:.7f}/{grid['lon']:.7f}"
            page.evaluate("h => { window.location.hash = h; }", view)
            page.wait_for_function("document.body.dataset.gridLayer === 'ready'", timeout=30_000)
            assert page.evaluate("GridMap.map.getZoom()") == 16

            # click the grid: its card (code, name, parent chain, area, H3 cells)
            box = page.locator(".folium-map").bounding_box()
            assert box is not None
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_selector("#gs-card-body .gs-code", timeout=15_000)
            assert page.inner_text("#gs-card-body .gs-code") == grid["code"]
            assert page.inner_text("#gs-card-body .gs-name") == grid["name"]
            page.wait_for_selector("#gs-card-body .gs-cells", timeout=15_000)
            card = page.inner_text("#gs-card-body")
            assert "所属社区" in card and grid["code"][:12] in card and "km²" in card
            assert grid["code"] in page.inner_text("#gs-locate-body")
            page.wait_for_function(f"location.hash.indexOf('grid={grid['code']}') > 0")

            # switch the language: the labels change, and the choice is remembered
            page.click("#gs-lang")
            assert page.inner_text("#gs-card h2") == "Grid"
            assert "Community" in page.inner_text("#gs-card-body")
            assert "Grid management command centre" in page.title()
            assert page.evaluate("localStorage.getItem('gridsvc.lang')") == "en"

            # search by code, fly to the match
            page.fill("#gs-search", grid["code"][:14])
            page.wait_for_selector(f"#gs-search-results li[data-code='{grid['code']}']")
            page.screenshot(path=str(_artifacts() / "map-search.png"))
            page.keyboard.press("Escape")

            # a point outside every grid
            page.evaluate("h => { window.location.hash = h; }", "#15/0.5/0.5")
            page.wait_for_function("GridMap.map.getCenter().lat < 1")
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_selector("#gs-locate-body .gs-outside", timeout=15_000)
            assert page.inner_text("#gs-locate-body .gs-outside") == "Not in any grid"

            # back to the grid for the screenshot, reopened from its URL hash
            page.goto(f"{server}/map?lang=zh-CN{view}&grid={grid['code']}")
            page.wait_for_function("document.body.dataset.gridLayer === 'ready'", timeout=30_000)
            page.wait_for_selector("#gs-card-body .gs-cells", timeout=15_000)
            assert page.inner_text("#gs-card-body .gs-code") == grid["code"]
            assert page.inner_text("#gs-card h2") == "网格信息"
            page.wait_for_timeout(300)
            page.screenshot(path=str(_artifacts() / "map.png"))
        finally:
            browser.close()
    assert attempted == [], f"requests outside localhost were attempted: {attempted}"
    assert errors == [], f"errors in the page: {errors}"


def _artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
