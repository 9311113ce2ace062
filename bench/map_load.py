"""Command map load time in headless Chromium: navigation → grid layer ready.

Starts ``gridsvc serve`` on a throwaway embedded PostGIS loaded with the demo district,
logs in through the form once, then opens the map in fresh browser contexts (empty HTTP
cache, the session cookie carried over) at grid zoom on the city centre, and reads the
page's own timing: ``performance.now()`` when the grid-level vector tiles have loaded
(``document.body.dataset.gridLayer == "ready"``), i.e. milliseconds since navigation
start. The first run is cold (server caches empty); the headline is the median of the
warm runs. Also timed: the whole-district view until every visible tile layer has loaded.
Target: under 3 s. Debian's Chromium (/usr/bin/chromium) is driven by Playwright; the
browser may reach 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.common import demo_server, print_table

TARGET_SECONDS = 3.0
HEADLINE = "map-interactive-seconds"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
CENTRES = {"530302": (103.795, 25.500)}  # lon, lat of the dense city centre


def _local_only(route) -> None:  # type: ignore[no-untyped-def]
    url = urlsplit(route.request.url)
    if url.scheme in ("http", "https") and url.hostname not in ("127.0.0.1", "localhost"):
        route.abort()
    else:
        route.continue_()


def _open(browser, cookies: list, url: str, ready: str, timeout_ms: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(seconds from navigation start to ``ready``, wall seconds around it) in a fresh context."""
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    try:
        context.route("**/*", _local_only)
        context.add_cookies(cookies)
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_function(f"window.GridMap && GridMap.timings && GridMap.timings.{ready}",
                               timeout=timeout_ms)  # fmt: skip
        wall = time.perf_counter() - start
        in_page = page.evaluate(f"GridMap.timings.{ready}") / 1000.0
        return in_page, wall
    finally:
        context.close()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns the headline (median warm seconds to the grid layer)."""
    p = argparse.ArgumentParser(prog="bench map_load")
    p.add_argument("--district", default="530302")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--zoom", type=int, default=15)
    args, _ = p.parse_known_args(argv or [])
    if not Path(CHROMIUM).exists():
        print(f"\nmap_load: skipped, {CHROMIUM} is not installed (make install)")
        return {}
    from playwright.sync_api import sync_playwright

    with demo_server(args.district) as server:
        outline, base, key = server.outline, server.base, server.key
        lon, lat = CENTRES.get(args.district, (outline.centroid.x, outline.centroid.y))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                login = browser.new_context()
                login.route("**/*", _local_only)
                page = login.new_page()
                page.goto(f"{base}/login?next=/healthz")
                page.fill("#key", key)
                page.click("button[type=submit]")
                page.wait_for_url(f"{base}/healthz")
                cookies = login.cookies()
                login.close()
                grid_url = f"{base}/map#{args.zoom}/{lat:.6f}/{lon:.6f}"
                grid = [_open(browser, cookies, grid_url, "gridReady", 60_000)
                        for _ in range(args.runs + 1)]  # fmt: skip
                district = [_open(browser, cookies, f"{base}/map", "tilesReady", 60_000)
                            for _ in range(args.runs)]  # fmt: skip
            finally:
                browser.close()
    warm = [g[0] for g in grid[1:]]
    median = statistics.median(warm)
    rows = [
        [f"grid view z{args.zoom} (cold server)", grid[0][0], grid[0][1], "—"],
        [f"grid view z{args.zoom}, median of {len(warm)}", median,
         statistics.median(g[1] for g in grid[1:]),
         "met" if median < TARGET_SECONDS else "missed"],
        [f"whole district, median of {len(district)}", statistics.median(d[0] for d in district),
         statistics.median(d[1] for d in district), ""],
    ]  # fmt: skip
    print_table(
        f"Command map in headless Chromium ({args.district}, 1600×900, fresh browser cache)",
        ["view", "navigation → ready (s)", "wall (s)", f"target < {TARGET_SECONDS:.0f} s"],
        rows,
    )
    return {HEADLINE: round(median, 3)}
