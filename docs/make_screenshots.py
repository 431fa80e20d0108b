"""Screenshots of the HTML report for the README: docs/images/report-summary.png (the measures
summary page) and docs/images/report-section.png (a section page at its first chart).

    .venv/bin/python docs/make_screenshots.py [BUILT]

BUILT is a finished build's folder (outputs/<quarter>/<force>, the newest under outputs/ by
default). Uses Debian's Chromium (/usr/bin/chromium, or CHROMIUM=path), offline. Not a test.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from helpers.pipeline.browser import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
VIEWPORT = {"width": 1100, "height": 1000}


def newest_build(outputs: Path = ROOT / "outputs") -> Path:
    reports = sorted(outputs.glob("*/*/report.html"), key=lambda p: p.stat().st_mtime)
    if not reports:
        raise SystemExit(f"no built report under {outputs}: run `make report` first")
    return reports[-1].parent


def main(argv: list[str]) -> int:
    built = Path(argv[0]) if argv else newest_build()
    IMAGES.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        page.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
        )

        page.goto((built / "sections" / "00_summary.html").as_uri())
        page.locator("table.measures-summary").first.scroll_into_view_if_needed()
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(IMAGES / "report-summary.png"))

        page.goto((built / "sections" / "01_homicide.html").as_uri())
        chart = page.locator("figure.chart").first
        top = chart.evaluate("e => e.getBoundingClientRect().top + window.scrollY")
        page.evaluate(f"window.scrollTo(0, {max(0, top - 120)})")
        page.screenshot(path=str(IMAGES / "report-section.png"))
        browser.close()
    for name in ("report-summary.png", "report-section.png"):
        print(IMAGES / name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
