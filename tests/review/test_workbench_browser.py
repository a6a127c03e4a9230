"""The workbench in a real browser (Playwright driving Debian's headless Chromium) over a real server
(uvicorn on a free port): log in, open the queue, correct a passage, accept another, override a verdict,
add a reviewer on the accounts page, then check that the store and the next report reflect all of it.
Screenshots of every page go to test-artifacts/ (workbench_*.png)."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.review.conftest import CASE, PASSWORD
from tests.test_browser import CHROMIUM, browser_page  # noqa: F401 - the fixture

ARTIFACTS = ROOT / "test-artifacts"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (make setup installs it)")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(store_url):
    import uvicorn

    from pipeline.store.db import Store
    from pipeline.store.reviews import ReviewStore
    from pipeline.web.app import create_app

    ReviewStore(Store(store_url)).add_reviewer("ana", PASSWORD, "admin")
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(store_url), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the workbench server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


def shoot(page, tmp_path: Path, name: str) -> Path:
    shot = tmp_path / f"workbench_{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / shot.name)
    return shot


def test_review_session_end_to_end(server, browser_page, store_url, tmp_path):  # noqa: F811
    from pipeline.flows import aggregate_and_report
    from pipeline.store.db import Store
    from pipeline.store.reviews import ReviewStore

    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    # log in
    page.goto(f"{server}/queue")
    assert "/login" in page.url
    page.fill("input[name=name]", "ana")
    page.fill("input[name=password]", PASSWORD)
    shoot(page, tmp_path, "login")
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/queue")

    # the queue
    assert page.locator("table.queue tbody tr").count() == 50
    assert page.locator("tr.status-open").count() == 50
    shoot(page, tmp_path, "queue")
    page.select_option("select[name=doc]", label="wawancara_dtkp.md")
    page.click("form.filters button")
    page.wait_for_load_state()
    assert "doc=" in page.url
    page.keyboard.press("j")  # the first passage of the filtered queue, opened from the keyboard
    page.keyboard.press("Enter")
    page.wait_for_url("**/p/**")
    corrected_url = page.url
    assert page.locator("#passage mark").is_visible()
    assert page.locator("table.scores meter").count() == 8
    shoot(page, tmp_path, "passage")

    # correct it, with the keyboard: obstacle, elements 1 (commitment) only, code budget, memo, save
    page.locator("#correct-form input[name=elements]:checked").evaluate_all("els => els.forEach(e => e.checked = false)")
    page.locator("#correct-form input[name=obstacles]:checked").evaluate_all("els => els.forEach(e => e.checked = false)")
    page.locator("body").click(position={"x": 5, "y": 400})
    page.keyboard.press("o")
    page.keyboard.press("1")
    page.check("#correct-form input[name=obstacles][value=budget]")
    page.select_option("#correct-form select[name=case]", CASE)
    page.fill("#correct-form textarea[name=memo]", "budget line cut in 2017")
    page.locator("body").click(position={"x": 5, "y": 400})
    page.keyboard.press("s")
    page.wait_for_url(lambda url: url != corrected_url)

    # the workbench moves on to the next passage: accept it with one key
    accepted_url = page.url
    assert "/p/" in accepted_url
    shoot(page, tmp_path, "next_passage")
    page.keyboard.press("a")
    page.wait_for_url(lambda url: url != accepted_url)

    # override a verdict
    page.goto(f"{server}/cases")
    shoot(page, tmp_path, "cases")
    page.goto(f"{server}/case/{CASE}")
    form = page.locator("section#reciprocity form.override-form")
    form.locator("select[name=status]").select_option("not_fulfilled")
    form.locator("input[name=reason]").fill("Only Karangsari ever visited; invitations went unanswered")
    form.locator("button").click()
    page.wait_for_load_state()
    assert page.locator("section#reciprocity p.override").is_visible()
    shoot(page, tmp_path, "case_override")

    for name in ("corrections", "agreement", "audit"):
        page.goto(f"{server}/{name}")
        shoot(page, tmp_path, name)
    assert page.locator("table.audit tbody tr").count() == 3 + 1  # three changes, plus adding the reviewer

    # markup in a document stays inert in the passage view
    page.goto(f"{server}/queue?doc={'f' * 16}")
    page.locator("a.open").first.click()
    page.wait_for_load_state()
    assert page.evaluate("typeof window.__pwned") == "undefined" and page.title() != "pwned"
    assert "<script>window.__pwned" in page.inner_text("#passage") or "<img" in page.inner_text("#passage")
    shoot(page, tmp_path, "hostile_passage")

    # an admin adds a reviewer on the accounts page
    page.goto(f"{server}/accounts")
    add = page.locator("form[action='/accounts']")
    add.locator("input[name=name]").fill("citra")
    add.locator("input[name=password]").fill(PASSWORD)
    add.locator("input[name=password2]").fill(PASSWORD)
    add.locator("button").click()
    page.wait_for_load_state()
    assert page.locator("p[role=status]").inner_text() == "Added citra."
    shoot(page, tmp_path, "accounts")
    assert not errors, errors  # no script error and no CSP violation on any page

    # the store has all three
    rs = ReviewStore(Store(store_url))
    assert [(a["name"], a["role"], a["active"]) for a in rs.accounts()] == [("ana", "admin", True),
                                                                           ("citra", "reviewer", True)]
    reviews = {r["status"]: r for r in rs.reviews()}
    assert set(reviews) == {"corrected", "accepted"}
    fix = reviews["corrected"]
    assert (fix["stance"], fix["elements"], fix["obstacles"], fix["memo"], fix["reviewer"]) == (
        "obstacle", ["commitment"], ["budget"], "budget line cut in 2017", "ana")
    assert corrected_url.endswith(f"/{fix['start']}/{fix['end']}")
    assert accepted_url.endswith(f"/{reviews['accepted']['start']}/{reviews['accepted']['end']}")
    (override,) = rs.overrides()
    assert (override["case"], override["element"], override["status"]) == (CASE, "reciprocity", "not_fulfilled")

    # and so does the next report
    out = tmp_path / "reports"
    aggregate_and_report.fn(store_url, out, {"models": {}}, "en")
    rows = [json.loads(line) for line in (out / "passages.jsonl").read_text().splitlines()]
    by_key = {(r["doc"], r["start"]): r for r in rows}
    got = by_key[(fix["doc"], fix["start"])]
    assert got["review"]["status"] == "corrected" and got["stance"] == "obstacle" and got["obstacles"] == ["budget"]
    acc = reviews["accepted"]
    assert by_key[(acc["doc"], acc["start"])]["review"]["status"] == "accepted"
    verdicts = json.loads((out / "verdicts.json").read_text())["cases"][CASE]["elements"]
    assert fix["text"] in [e["quote"] for e in verdicts["commitment"]["evidence"] if e["stance"] == "obstacle"]
    assert verdicts["reciprocity"]["status"] == "not_fulfilled" and verdicts["reciprocity"]["override"]["reviewer"] == "ana"
    assert "invitations went unanswered" in (out / "report.md").read_text()
    assert "invitations went unanswered" in (out / "report.html").read_text()
