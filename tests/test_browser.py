"""report.html in a real browser: Debian's headless Chromium driven by Playwright.

The plots must be visible (SVG elements with a size, screenshots that are not
blank), quote links must land on the appendix, and markup from a document must
not run. Screenshots go to the test's tmp_path and are copied to test-artifacts/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.report.demo import demo_reports, hostile_document

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (make setup installs it)")]


@pytest.fixture
def browser_page(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=str(CHROMIUM),
                                                        args=ARGS, headless=True, viewport={"width": 1280, "height": 900})
        try:
            yield context.new_page()
        finally:
            context.close()


def _keep(shot: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / shot.name)


def _colours(png: Path) -> tuple[int, float]:
    """Distinct colours and the share of non-white pixels of a screenshot."""
    from PIL import Image

    img = Image.open(png).convert("RGB")
    pixels = list(img.getdata())
    non_white = sum(1 for p in pixels if min(p) < 235) / len(pixels)
    return len(set(pixels)), non_white


def test_plots_are_visible_and_quotes_link_to_the_appendix(browser_page, tmp_path, tmp_path_factory):
    report = demo_reports(tmp_path_factory) / "report.html"
    page = browser_page
    page.goto(report.resolve().as_uri())
    assert page.title() == "Laporan sistercity"
    shots = {}
    for name, selector in (("heatmap", "svg.heatmap"), ("obstacles", "svg.obstacles"), ("timeline", "svg.timeline")):
        plot = page.locator(selector).first
        plot.scroll_into_view_if_needed()
        assert plot.is_visible(), selector
        box = plot.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 40, (selector, box)
        shot = tmp_path / f"report_{name}.png"
        plot.screenshot(path=str(shot))
        colours, ink = _colours(shot)
        assert colours >= 5 and ink > 0.02, (name, colours, ink)
        shots[name] = shot
        _keep(shot)
    assert page.locator("svg.timeline circle, svg.timeline rect").count() >= 10
    assert page.locator("svg.heatmap rect").count() >= 2 * 5
    full = tmp_path / "report_top.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(full))
    _keep(full)

    link = page.locator("a.quote").first
    target = link.get_attribute("href")
    link.click()
    assert page.evaluate("location.hash") == target
    anchor = page.locator(target)
    assert anchor.count() == 1
    mark = page.locator(f"{target} + mark")
    assert mark.count() == 1 and mark.is_visible()
    box = mark.bounding_box()
    assert box and box["y"] + box["height"] > 0 and box["y"] < 900  # scrolled to the highlighted quote
    shot = tmp_path / "report_appendix_quote.png"
    page.screenshot(path=str(shot))
    _keep(shot)


def test_script_in_a_document_stays_inert(browser_page, tmp_path):
    from pipeline.aggregate.verdicts import aggregate
    from pipeline.report.build import write_reports

    doc = hostile_document()
    verdicts = aggregate(["karangsari-seokjin"], doc.passages, {doc.doc: doc})
    report = write_reports(tmp_path / "out", [doc], verdicts, formats=("html",))["report.html"]
    page = browser_page
    page.goto(report.resolve().as_uri())
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.title() != "pwned"
    assert page.locator("script").count() == 0 and page.locator("img").count() == 0
    body = page.inner_text("body")
    assert "<script>window.__pwned = 1;" in body and '<img src=x onerror="window.__pwned=2">' in body
    shot = tmp_path / "report_escaped.png"
    page.locator("#appendix").scroll_into_view_if_needed()
    page.screenshot(path=str(shot))
    _keep(shot)


@pytest.mark.parametrize(("name", "width", "height"), [("desktop", 1280, 900), ("phone", 390, 844)])
def test_why_it_stalls_reads_at_desktop_and_phone_widths(browser_page, tmp_path, tmp_path_factory, name, width, height):
    report = demo_reports(tmp_path_factory) / "report.html"
    page = browser_page
    page.set_viewport_size({"width": width, "height": height})
    page.goto(report.resolve().as_uri())
    why = page.locator("section.why").first
    assert why.is_visible()
    assert why.locator("q.ev").count() >= 2  # quoted obstacles, not counts
    link = why.locator("q.ev + span a").first
    assert link.get_attribute("href").startswith("#q-") or link.get_attribute("href").startswith("#")
    # nothing wider than the screen: a phone reader never scrolls sideways to read a quote
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    why.scroll_into_view_if_needed()
    shot = tmp_path / f"report_why_{name}.png"
    page.screenshot(path=str(shot))
    _keep(shot)
    colours, ink = _colours(shot)
    assert ink > 0.02
