"""The built report in a real browser: Debian's Chromium, headless, driven by Playwright, with
the network cut, and checked with axe-core.

Every page (report.html and each sections/*.html) must load from file:// with no request that
fails or leaves the machine and no console error, show its headings and measures, and pass axe
with no violation of serious or critical impact, at desktop and phone width.

Needs /usr/bin/chromium (Debian's `chromium`; override with CHROMIUM=path) and axe-core from
npm (installed here into .cache/node when missing, with `npm install`). Without them the tests
skip on a developer's machine and fail in CI (CI=true), where .ci/run installs both.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from helpers.core.config import default_catalogue
from helpers.pipeline import changes
from helpers.pipeline.browser import CHROMIUM, CHROMIUM_ARGS
from helpers.pipeline.plan import PlannedNotebook, report_plan

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
AXE_VERSION = "4.14.1"  # .ci/run installs the same version
AXE_PREFIX = ROOT / ".cache" / "node"
AXE_JS = AXE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

SECTIONS = report_plan()
# The build adds the changes page, made without a notebook, before the methods page.
SECTIONS.insert(
    len(SECTIONS) - 1,
    PlannedNotebook(changes.PAGE_ID, changes.PAGE_NUMBER, changes.PAGE_TITLE, None, Path()),
)
PAGES = ["report.html", *(f"sections/{s.stem}.html" for s in SECTIONS)]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason} (CI is set: .ci/run should have installed it)", pytrace=False)
    pytest.skip(reason)


def _axe_installed_version() -> str | None:
    package = AXE_JS.parent / "package.json"
    if not AXE_JS.is_file() or not package.is_file():
        return None
    return json.loads(package.read_text(encoding="utf-8")).get("version")


@pytest.fixture(scope="session")
def axe_js() -> Path:
    if _axe_installed_version() != AXE_VERSION:
        npm = shutil.which("npm")
        if npm is None:
            _unavailable(f"axe-core {AXE_VERSION} is not in {AXE_PREFIX} and npm is not installed")
        AXE_PREFIX.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                npm,
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(AXE_PREFIX),
                f"axe-core@{AXE_VERSION}",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0 or _axe_installed_version() != AXE_VERSION:
            _unavailable(f"npm could not install axe-core@{AXE_VERSION}: {done.stderr.strip()}")
    return AXE_JS


@dataclass
class Traffic:
    """What a page asked the network for (always refused) and what went wrong while loading."""

    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


def _refuse_network(route: Any, traffic: Traffic) -> None:
    url = route.request.url
    if url.startswith(("file:", "data:", "blob:", "about:")):
        route.continue_()
    else:
        traffic.blocked.append(url)
        route.abort()


def _opener(chromium: Any, built: Path, contexts: list[Any]) -> Any:
    def opener(name: str, viewport: str = "desktop", javascript: bool = True):
        context = chromium.new_context(
            viewport=VIEWPORTS[viewport], java_script_enabled=javascript, offline=True
        )
        contexts.append(context)
        traffic = Traffic()
        context.route("**/*", lambda route: _refuse_network(route, traffic))
        page = context.new_page()
        page.on("console", lambda m: traffic.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: traffic.errors.append(str(exc)))
        page.on(
            "requestfailed",
            lambda r: traffic.failed.append(f"{r.url[:120]}: {r.failure}"),
        )
        page.goto((built / name).as_uri(), wait_until="load")
        return page, traffic

    return opener


@pytest.fixture
def open_page(chromium, built) -> Iterator[Any]:
    """open_page(name, viewport="desktop", javascript=True) -> (page, traffic): a new page,
    offline, for a test that clicks or changes it."""
    contexts: list[Any] = []
    yield _opener(chromium, built, contexts)
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def loaded_page(chromium, built) -> Iterator[Any]:
    """loaded_page(name, viewport="desktop") -> (page, traffic): each page loaded once per
    viewport and shared by the tests that only read it (loading report.html takes a second)."""
    contexts: list[Any] = []
    opener = _opener(chromium, built, contexts)
    cache: dict[tuple[str, str], Any] = {}

    def load(name: str, viewport: str = "desktop"):
        if (name, viewport) not in cache:
            cache[name, viewport] = opener(name, viewport)
        return cache[name, viewport]

    yield load
    for context in contexts:
        context.close()


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_offline_with_no_failed_request_or_console_error(loaded_page, name):
    page, traffic = loaded_page(name)
    assert traffic.blocked == [], f"{name} asked the network for {traffic.blocked}"
    assert traffic.failed == [], f"{name}: failed requests {traffic.failed}"
    assert traffic.errors == [], f"{name}: console errors {traffic.errors}"
    assert page.evaluate("document.documentElement.lang") == "en-GB"
    # Every image (the charts) decoded: an SVG data URI that the browser cannot read has width 0.
    broken = page.evaluate(
        "[...document.images].filter(i => !i.complete || i.naturalWidth === 0).length"
    )
    assert broken == 0


def _measure_titles(section_id: str) -> list[str]:
    return [m.title for m in default_catalogue().measures if m.section == section_id]


@pytest.mark.parametrize("name", PAGES)
def test_page_shows_its_section_headings_and_measures(loaded_page, name):
    page, _ = loaded_page(name)
    titles = page.locator(".section-title")
    visible = [t.strip() for t in titles.all_inner_texts()]
    if name == "report.html":
        wanted = [s.title if s.part is None else f"{s.number}. {s.title}" for s in SECTIONS]
        measures = [m.title for m in default_catalogue().measures]
    else:
        section = next(s for s in SECTIONS if name == f"sections/{s.stem}.html")
        wanted = [section.title if section.part is None else f"{section.number}. {section.title}"]
        measures = _measure_titles(section.id)
        assert page.locator("h1").inner_text().strip() == wanted[0]
    assert visible == wanted
    assert all(titles.nth(i).is_visible() for i in range(titles.count()))
    rows = page.locator("table.measures-summary tbody th[scope=row]")
    shown = {t.strip() for t in rows.all_inner_texts()}
    missing = [m for m in measures if m not in shown]
    assert not missing, f"{name}: measures not in its summary table: {missing}"
    for m in measures:
        assert rows.filter(has_text=m).first.is_visible(), m


# Every page at desktop width; at phone width (where tables and navigation change) the report,
# which holds every section's body, and one section page.
AXE_RUNS = [
    *((name, "desktop") for name in PAGES),
    *((name, "phone") for name in PAGES[:2]),
]


@pytest.mark.parametrize(("name", "viewport"), AXE_RUNS)
def test_page_passes_axe_with_no_serious_or_critical_violation(loaded_page, axe_js, name, viewport):
    page, traffic = loaded_page(name, viewport)
    page.add_script_tag(path=str(axe_js))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']}; e.g. {v['nodes'][0]['html'][:160]}"
        for v in results["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]
    assert not blocking, f"{name} at {viewport} width:\n" + "\n".join(blocking)
    assert traffic.blocked == []


@pytest.mark.parametrize("name", ["report.html", f"sections/{SECTIONS[1].stem}.html"])
def test_page_fits_a_phone_screen_without_sideways_scrolling(loaded_page, name):
    page, _ = loaded_page(name, "phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS["phone"]["width"], f"{name} is {width}px wide on a 390px phone"


def test_code_is_one_switch_away_without_javascript_and_hidden_in_print(open_page):
    page, _ = open_page(f"sections/{SECTIONS[1].stem}.html", "phone", javascript=False)
    blocks = page.locator("details.show-code")
    assert blocks.count() > 3
    # No code, and no toggle per cell, among a reader's text: one switch for the page.
    assert not any(blocks.nth(i).is_visible() for i in range(blocks.count()))
    assert page.locator(".code-switch").count() == 1
    page.locator("label[for=show-code]").click()
    code = blocks.first.locator("pre")
    assert code.is_visible() and "SectionReport" in code.inner_text()
    assert all(blocks.nth(i).is_visible() for i in range(blocks.count()))
    page.emulate_media(media="print")
    assert not blocks.first.is_visible()


# Every chart of the report, its SVG put in the page on its own, and the box of each piece of
# text it draws compared with the drawing's own box (0.5 px for rounding).
_CHART_TEXT_OUTSIDE = """
async () => {
  const outside = [];
  const images = [...document.querySelectorAll("figure.chart img")];
  for (const [n, img] of images.entries()) {
    const svgText = atob(img.src.split(",")[1]);
    const holder = document.createElement("div");
    holder.innerHTML = new TextDecoder().decode(
      Uint8Array.from(svgText, (c) => c.charCodeAt(0)));
    document.body.appendChild(holder);
    const svg = holder.querySelector("svg");
    const box = svg.getBoundingClientRect();
    for (const text of svg.querySelectorAll("text")) {
      const r = text.getBoundingClientRect();
      if (r.width === 0) continue;
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5 ||
          r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) {
        outside.push(`chart ${n + 1} (${img.closest("figure").innerText.trim()}): ` +
                     `"${text.textContent.trim()}"`);
      }
    }
    holder.remove();
  }
  return [images.length, outside];
}
"""


def test_every_chart_draws_all_its_text_inside_its_drawing(loaded_page):
    page, _ = loaded_page("report.html")
    charts, outside = page.evaluate(_CHART_TEXT_OUTSIDE)
    assert charts > 30
    assert not outside, "text drawn outside its chart:\n" + "\n".join(outside)


# At phone width: every word and number of every table cell on one line (a word broken across
# lines has boxes on two lines), every <details> opened first so that their tables are laid out.
_BROKEN_WORDS = """
() => {
  document.querySelectorAll("details:not(.show-code)").forEach((d) => { d.open = true; });
  const broken = [];
  let words = 0;
  for (const cell of document.querySelectorAll("table td, table th")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.textContent.matchAll(/[^\\s-]+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        words += 1;
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return [words, broken];
}
"""


@pytest.mark.parametrize("name", ["report.html", f"sections/{SECTIONS[10].stem}.html"])
def test_table_cells_on_a_phone_never_break_a_number_or_a_word(open_page, name):
    page, _ = open_page(name, "phone")
    words, broken = page.evaluate(_BROKEN_WORDS)
    assert words > 100
    assert not broken, f"{name} at 390 px: {len(broken)} words broken, e.g. {broken[:12]}"
    # The tables scroll in their own boxes: the page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["phone"]["width"]


# The smallest text each chart draws (font sizes in the SVG's units), at the width the chart is
# shown: CSS pixels on the phone's screen.
_CHART_TEXT_PX = """
() => [...document.querySelectorAll("figure.chart img")].map((img) => {
  const svg = new TextDecoder().decode(
    Uint8Array.from(atob(img.src.split(",")[1]), (c) => c.charCodeAt(0)));
  const sizes = [...svg.matchAll(/font(?:-size)?:\\s*(?:[a-z]+\\s+)*([\\d.]+)px/g)].map(
    (m) => parseFloat(m[1]));
  const viewBox = parseFloat(svg.match(/viewBox="[\\d.]+ [\\d.]+ ([\\d.]+)/)[1]);
  const scale = img.getBoundingClientRect().width / viewBox;
  return [img.closest("figure").innerText.trim(), Math.min(...sizes) * scale];
})
"""
PHONE_CHART_TEXT_MIN_PX = 9.0


def test_chart_text_is_legible_on_a_phone(loaded_page):
    page, _ = loaded_page("report.html", "phone")
    smallest = page.evaluate(_CHART_TEXT_PX)
    assert len(smallest) > 30
    small = [f"{title}: {px:.1f} px" for title, px in smallest if px < PHONE_CHART_TEXT_MIN_PX]
    assert not small, "chart text too small to read at 390 px:\n" + "\n".join(small)


def test_previous_and_next_links_walk_every_section_page_in_order(open_page):
    page, _ = open_page(f"sections/{SECTIONS[0].stem}.html")
    seen = [page.locator("h1").inner_text().strip()]
    for _ in SECTIONS[1:]:
        page.locator(".section-nav a[rel=next]").click()
        page.wait_for_load_state()
        seen.append(page.locator("h1").inner_text().strip())
    assert page.locator(".section-nav a[rel=next]").count() == 0
    assert seen == [s.title if s.part is None else f"{s.number}. {s.title}" for s in SECTIONS]
    page.locator(".section-nav a[rel=prev]").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"sections/{SECTIONS[-2].stem}.html")
    page.locator(".section-nav a", has_text="Contents").click()
    page.wait_for_load_state()
    assert page.url.endswith("report.html#contents")


def test_report_contents_and_skip_link_reach_their_targets(open_page):
    page, _ = open_page("report.html")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("e => e === document.activeElement") and skip.is_visible()
    for s in SECTIONS:
        heading = s.title if s.part is None else f"{s.number}. {s.title}"
        page.locator("#contents a", has_text=heading).first.click()
        target = page.locator(f"#{s.id.replace('_', '-')}")
        assert page.url.endswith(f"#{s.id.replace('_', '-')}") and target.is_visible()
