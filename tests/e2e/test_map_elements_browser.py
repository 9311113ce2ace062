"""Key elements on the command map in Chromium: the grid card's counts, element toggles, heat.

Same server and rules as ``test_map_browser`` (every request outside 127.0.0.1 aborted). A
known set of elements (``tests.elements_rows``) is written with SQL into the grid under test
and a neighbour; the card in the side panel must show their counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, text

from gridsvc.pii import Keyring
from gridsvc.services.keys import create_key
from tests.e2e.test_map_browser import (  # noqa: F401 (fixtures)
    CHROMIUM,
    CHROMIUM_ARGS,
    LOCAL_HOSTS,
    _artifacts,
    grid,
    playwright,
)
from tests.elements_rows import Grid, delete_rows, grid_points, insert_rows, sample_rows

pytestmark = pytest.mark.e2e
SOURCE = "e2e:map-elements"


@pytest.fixture(scope="module")
def elements(engine: Engine, grid: dict, demo_district: str) -> Iterator[None]:  # noqa: F811
    """The sample elements in the grid under test (A) and the next grid (B)."""
    with engine.begin() as conn:
        other = conn.execute(
            text("SELECT min(code) FROM units WHERE adcode = :a AND level = 'grid' AND code > :c"),
            {"a": demo_district, "c": grid["code"]},
        ).scalar_one()
        b = grid_points(conn, [other])[0]
        a = Grid(grid["code"], grid["lon"], grid["lat"])
        insert_rows(conn, demo_district, sample_rows(Keyring(bytes(32)), a, b), source=SOURCE)
    yield
    delete_rows(engine, SOURCE)


CARD = {  # data-path in the panel → the text shown (tests.elements_rows.EXPECTED_A)
    "households": "2",
    "residents.total": "3",
    "residents.by_registration.registered": "2",
    "residents.by_registration.floating": "1",
    "residents.by_tag.elderly_alone": "1",
    "residents.by_tag.party_member": "2",
    "places.total": "2",
    "places.by_kind.building": "1",
    "components.total": "3",
    "components.by_status.damaged": "1",
    "organisations.party_members": "2",
    "organisations.by_kind.party_org": "1",
    "staff.on_duty": "1",
    "situations.open": "1",
    "situations.by_kind.hazard": "1",
}


def test_grid_card_with_elements_in_chromium(
    server: str,
    engine: Engine,
    grid: dict,  # noqa: F811
    elements: None,
) -> None:
    key, _ = create_key(engine, "operator", name="e2e elements")
    attempted: list[str] = []
    errors: list[str] = []
    tiles: dict[str, int] = {}

    def only_local(route) -> None:  # type: ignore[no-untyped-def]
        url = urlsplit(route.request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOCAL_HOSTS:
            attempted.append(route.request.url)
            route.abort()
            return
        route.continue_()

    def seen(response) -> None:  # type: ignore[no-untyped-def]
        path = urlsplit(response.url).path
        if path.startswith(("/tiles/elements/", "/tiles/heat/")):
            layer = path.split("/")[2]
            tiles[layer] = tiles.get(layer, 0) + (response.status == 200)

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 900})
            context.route("**/*", only_local)
            context.set_extra_http_headers({"Authorization": f"Bearer {key}"})
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("response", seen)

            # the grid, its card from the hash, with places, things and the heat layer on
            layers = "district,grids,el-place,el-thing,el-situation,heat"
            view = f"#16/{grid['lat']:.7f}/{grid['lon']:.7f}&layers={layers}&grid={grid['code']}"
            page.goto(f"{server}/map{view}")
            page.wait_for_function("document.body.dataset.gridLayer === 'ready'", timeout=30_000)
            page.wait_for_selector("#gs-card-body [data-path='residents.total']", timeout=15_000)
            assert page.inner_text("#gs-card-body .gs-code") == grid["code"]
            shown = {
                path: page.inner_text(f"#gs-card-body [data-path='{path}']").strip()
                for path in CARD
            }
            assert shown == CARD
            card = page.inner_text("#gs-card-body")
            assert "要素概况" in card and "户籍" in card and "独居老人" in card and "隐患" in card
            assert "赵*" in card and "赵六" not in card  # staff on duty, masked

            # toggles: every element kind but people (an operator), and the heat layer
            control = page.inner_text("#gs-layers-body")
            assert "地：场所与楼栋" in control and "热力图" in control
            assert "人：居民点位" not in control
            page.wait_for_function("document.body.dataset.tiles === 'ready'", timeout=30_000)
            assert tiles.get("elements", 0) > 0 and tiles.get("heat", 0) >= 0
            legend = page.inner_text("#gs-legend-body")
            assert "场所" in legend and "热力" in legend

            # the heat measure is chosen in the legend: its tiles follow
            before = tiles.get("heat", 0)
            page.select_option("#gs-heat-choice", "kind:place")
            page.wait_for_function(
                "document.querySelector('#gs-heat-choice').value === 'kind:place'"
            )
            page.wait_for_function("document.body.dataset.tiles === 'ready'", timeout=30_000)
            page.wait_for_timeout(300)
            assert tiles.get("heat", 0) > before
            assert page.evaluate("localStorage.getItem('gridsvc.heat')") == "kind:place"

            # English labels
            page.click("#gs-lang")
            card = page.inner_text("#gs-card-body")
            assert "Key elements" in card and "Residents" in card and "Elderly living alone" in card
            assert page.inner_text("#gs-card-body [data-path='residents.total']") == "3"
            page.screenshot(path=str(_artifacts() / "map-elements.png"))
        finally:
            browser.close()
    assert attempted == [], f"requests outside localhost were attempted: {attempted}"
    assert errors == [], f"errors in the page: {errors}"
