"""The review workbench through its HTTP interface (FastAPI's TestClient) and its store, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text, update

from tests.review.conftest import CASE, PASSWORD, login
from tests.review.conftest import csrf_of as _csrf


@pytest.fixture
def store_url(any_store_url) -> str:
    """Every test here runs on SQLite and, when SISTERCITY_TEST_PG_URL is set, on PostgreSQL."""
    return any_store_url


def passages(review_store):
    """(document, passage) pairs of the store, document order."""
    return [(d, p) for d in review_store.store.documents() for p in d.passages]


def url_of(review_store, d, p) -> str:
    from sqlalchemy import select

    from pipeline.store.db import DocumentRow

    with review_store.store.reading() as s:
        doc_id = s.execute(select(DocumentRow.id).where(DocumentRow.path == d.path)).scalar_one()
    return f"/p/{doc_id}/{p.start}/{p.end}"


def evidence_candidate(review_store):
    """A passage the model calls neutral: correcting it to evidence must change the aggregation."""
    return next((d, p) for d, p in passages(review_store) if d.source == "wawancara_dtkp.md" and p.stance == "neutral"
                and len(p.text) > 60)


def test_markup_in_a_document_renders_inert(client, review_store):
    login(client, "ana")
    d, p = next((d, p) for d, p in passages(review_store) if "<script>" in p.text)
    page = client.get(url_of(review_store, d, p))
    assert page.status_code == 200
    html = page.text
    assert "<script>window.__pwned" not in html and "&lt;script&gt;window.__pwned" in html
    assert "<b>laporan</b>" not in html and "&lt;b&gt;laporan&lt;/b&gt;" in html
    # the only script is the page's own, carrying the nonce the CSP allows
    scripts = re.findall(r"<script[^>]*>", html)
    nonce = re.search(r"script-src 'nonce-([^']+)'", page.headers["content-security-policy"]).group(1)
    assert scripts == [f'<script nonce="{nonce}">']
    img = next((d2, p2) for d2, p2 in passages(review_store) if "<img" in p2.text)
    html = client.get(url_of(review_store, *img)).text
    assert "<img src=x" not in html and "&lt;img src=x onerror=" in html
    # and the queue, which shows passage text too
    assert "<script>window.__pwned" not in client.get("/queue").text


def test_every_form_without_its_csrf_token_is_refused(client, app, review_store):
    login(client, "ana")
    d, p = evidence_candidate(review_store)
    url = url_of(review_store, d, p)
    budi = next(a["id"] for a in review_store.accounts() if a["name"] == "budi")
    targets = {"/logout": "/logout", "/p/{doc_id}/{start}/{end}": url,
               "/case/{slug}/{element}/override": f"/case/{CASE}/commitment/override",
               "/accounts": "/accounts", "/accounts/{reviewer_id}/role": f"/accounts/{budi}/role",
               "/accounts/{reviewer_id}/password": f"/accounts/{budi}/password",
               "/accounts/{reviewer_id}/active": f"/accounts/{budi}/active"}
    routes = [r for top in app.routes for r in (top.original_router.routes if hasattr(top, "original_router") else [top])]
    posts = {r.path for r in routes if "POST" in getattr(r, "methods", set())} - {"/login"}
    assert posts == set(targets), "a new POST route needs a CSRF test"
    accounts = review_store.accounts()
    form = {"action": "correct", "version": "0", "text_sha_seen": "", "stance": "positive",
            "elements": ["commitment"], "status": "fulfilled", "reason": "r", "name": "eve", "role": "admin",
            "password": "a long new password", "password2": "a long new password", "active": "0"}
    for path in posts:
        for token in (None, "forged"):
            data = dict(form, **({"csrf": token} if token else {}))
            r = client.post(targets[path], data=data, follow_redirects=False)
            assert r.status_code == 403, (path, token, r.status_code)
            assert "CSRF" in r.text
    assert review_store.reviews() == [] and review_store.overrides() == []
    assert review_store.accounts() == accounts and review_store.authenticate("budi", PASSWORD)
    assert client.get("/queue", follow_redirects=False).status_code == 200  # still logged in: logout was refused
    # the login form has its own token
    r = client.post("/login", data={"name": "ana", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403


def test_a_stale_edit_is_refused_not_saved(app, review_store):
    from fastapi.testclient import TestClient

    d, p = evidence_candidate(review_store)
    url = url_of(review_store, d, p)
    with TestClient(app) as first, TestClient(app) as second:
        csrf1, csrf2 = login(first, "ana"), login(second, "budi")
        page1, page2 = first.get(url).text, second.get(url).text  # both load version 0
        sha = re.search(r'name="text_sha_seen" value="([^"]+)"', page1).group(1)
        version = re.search(r'name="version" value="(\d+)"', page2).group(1)
        r = first.post(url, data={"csrf": csrf1, "action": "correct", "version": "0", "text_sha_seen": sha,
                                  "stance": "positive", "elements": ["commitment"], "case": CASE},
                       follow_redirects=False)
        assert r.status_code == 303
        r = second.post(url, data={"csrf": csrf2, "action": "correct", "version": version, "text_sha_seen": sha,
                                   "stance": "obstacle", "elements": ["outcomes"], "obstacles": ["budget"],
                                   "case": CASE})
        assert r.status_code == 409
        assert "not saved: another reviewer saved this passage" in r.text and 'role="alert"' in r.text
        assert "by ana" not in r.text and "ana saved" not in r.text  # blind coding: neither who nor what
        assert 'value="budget" checked' in r.text  # budi's own labels are kept for saving again
        (saved,) = review_store.reviews()
        assert (saved["reviewer"], saved["stance"], saved["elements"], saved["version"]) == ("ana", "positive", ["commitment"], 1)
        # with the fresh version, budi's save goes through
        reload = second.get(url).text
        fresh = re.search(r'name="version" value="(\d+)"', reload).group(1)
        assert fresh == "1"
        assert "Other reviewers" not in reload  # budi codes blind until he has coded it himself
        r = second.post(url, data={"csrf": csrf2, "action": "correct", "version": fresh, "text_sha_seen": sha,
                                   "stance": "obstacle", "elements": ["outcomes"], "obstacles": ["budget"],
                                   "case": CASE}, follow_redirects=False)
        assert r.status_code == 303
        assert review_store.reviews()[0]["version"] == 2
        assert "<li>ana: positive (commitment)" in second.get(url).text
        # the same for verdict overrides
        case1, case2 = first.get(f"/case/{CASE}").text, second.get(f"/case/{CASE}").text
        assert 'name="version" value="0"' in case1 and 'name="version" value="0"' in case2
        ok = first.post(f"/case/{CASE}/commitment/override", follow_redirects=False,
                        data={"csrf": csrf1, "status": "not_fulfilled", "reason": "no budget ever", "version": "0"})
        assert ok.status_code == 303
        late = second.post(f"/case/{CASE}/commitment/override",
                           data={"csrf": csrf2, "status": "fulfilled", "reason": "visits", "version": "0"})
        assert late.status_code == 409 and "ana changed the override" in late.text
        assert [o["status"] for o in review_store.overrides()] == ["not_fulfilled"]


def test_invalid_labels_are_refused_with_a_reason(client, review_store):
    csrf = login(client, "ana")
    d, p = evidence_candidate(review_store)
    url = url_of(review_store, d, p)
    sha = re.search(r'name="text_sha_seen" value="([^"]+)"', client.get(url).text).group(1)
    r = client.post(url, data={"csrf": csrf, "action": "correct", "version": "0", "text_sha_seen": sha,
                               "stance": "neutral", "elements": ["commitment"]})
    assert r.status_code == 422 and "neutral passage is not evidence" in r.text
    r = client.post(f"/case/{CASE}/outcomes/override", data={"csrf": csrf, "status": "fulfilled", "reason": " ",
                                                              "version": "0"})
    assert r.status_code == 422 and "needs a reason" in r.text
    assert review_store.reviews() == [] and review_store.overrides() == []


def test_the_audit_log_records_every_change_and_is_append_only(client, review_store):
    from pipeline.store.db import AuditRow

    csrf = login(client, "ana")
    (d, p), (d2, p2) = [x for x in passages(review_store) if x[0].source == "wawancara_dtkp.md"][3:5]
    before = len(review_store.audit(None))
    url = url_of(review_store, d, p)
    sha = re.search(r'name="text_sha_seen" value="([^"]+)"', client.get(url).text).group(1)
    client.post(url, data={"csrf": csrf, "action": "accept", "version": "0", "text_sha_seen": sha})
    client.post(url, data={"csrf": csrf, "action": "correct", "version": "1", "text_sha_seen": sha,
                           "stance": "obstacle", "elements": ["commitment"], "obstacles": ["budget"], "memo": "cut",
                           "case": p.case})
    url2 = url_of(review_store, d2, p2)
    sha2 = re.search(r'name="text_sha_seen" value="([^"]+)"', client.get(url2).text).group(1)
    client.post(url2, data={"csrf": csrf, "action": "accept", "version": "0", "text_sha_seen": sha2})
    client.post(f"/case/{CASE}/outcomes/override", data={"csrf": csrf, "status": "fulfilled", "reason": "bridge built",
                                                          "version": "0"})
    client.post(f"/case/{CASE}/outcomes/override", data={"csrf": csrf, "status": "", "reason": "second thoughts",
                                                          "version": "1"})
    rows = review_store.audit(None)[: len(review_store.audit(None)) - before][::-1]
    assert [r["action"] for r in rows] == ["passage.accept", "passage.correct", "passage.accept", "verdict.override",
                                           "verdict.withdraw"]
    assert all(r["reviewer"] == "ana" and r["at"] for r in rows)
    accept, correct = rows[0], rows[1]
    assert accept["old"]["source"] == "model" and accept["old"]["stance"] == p.stance
    assert accept["new"]["stance"] == p.stance and accept["new"]["version"] == 1
    assert correct["old"]["status"] == "accepted" and correct["old"]["version"] == 1
    assert correct["new"] == {"status": "corrected", "elements": ["commitment"], "stance": "obstacle",
                              "obstacles": ["budget"], "case": p.case, "memo": "cut", "reviewer": "ana", "version": 2}
    assert rows[3]["old"]["source"] == "aggregator" and rows[3]["new"]["status"] == "fulfilled"
    assert rows[4]["old"]["status"] == "fulfilled" and rows[4]["new"]["reason"] == "second thoughts"
    assert review_store.overrides() == []
    # the audit page shows them, to admins only
    assert "verdict.withdraw" in client.get("/audit").text
    from fastapi.testclient import TestClient

    with TestClient(client.app) as other:
        login(other, "budi")
        assert other.get("/audit").status_code == 403
    # append-only: the database refuses to change or drop a row
    store = review_store.store
    for stmt in (update(AuditRow).values(reviewer="mallory"), text("DELETE FROM review_audit")):
        with pytest.raises(Exception, match="append-only"), store.session() as s:
            s.execute(stmt)
    assert len(review_store.audit(None)) == before + 5


def test_no_code_path_updates_or_deletes_the_audit_log():
    from pipeline.paths import PROJECT_DIR

    for path in (PROJECT_DIR / "pipeline").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"(update|delete)\(\s*AuditRow", source), path
        assert not re.search(r"(UPDATE|DELETE FROM)\s+review_audit", source.replace("BEFORE UPDATE", "").replace(
            "BEFORE {verb} ON review_audit", "")), path


def test_an_expired_or_forged_session_is_refused(client, review_store):
    from pipeline.store.db import ReviewSessionRow

    csrf = login(client, "ana")
    assert client.get("/queue", follow_redirects=False).status_code == 200
    good = client.cookies.get("sc_session")
    client.cookies.clear()
    client.cookies.set("sc_session", good[:-3] + "xyz")  # signature no longer matches
    assert client.get("/queue", follow_redirects=False).status_code == 303
    client.cookies.clear()
    client.cookies.set("sc_session", good)
    assert client.get("/queue", follow_redirects=False).status_code == 200
    with review_store.store.session() as s:
        s.execute(update(ReviewSessionRow).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    r = client.get("/queue", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/queue")
    d, p = evidence_candidate(review_store)
    r = client.post(url_of(review_store, d, p), data={"csrf": csrf, "action": "accept", "version": "0"},
                    follow_redirects=False)
    assert r.status_code == 401 and "expired" in r.text
    assert review_store.reviews() == []


def _try(client, name: str, password: str):
    page = client.get("/login")
    return client.post("/login", data={"name": name, "password": password, "csrf": _csrf(page.text)},
                       follow_redirects=False)


def test_login_rejects_wrong_passwords_and_locks_out(client):
    page = client.get("/login")
    for _ in range(5):
        r = client.post("/login", data={"name": "ana", "password": "wrong password", "csrf": _csrf(page.text)})
        assert r.status_code == 401 and "Wrong name or password" in r.text
    r = client.post("/login", data={"name": "ana", "password": PASSWORD, "csrf": _csrf(page.text)})
    assert r.status_code == 401 and "Too many failed attempts for &#39;ana&#39;: wait 15 minutes" in r.text
    r = client.post("/login", data={"name": "budi", "password": PASSWORD, "csrf": _csrf(page.text),
                                    "next": "//evil.example/x"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/queue"


def test_the_lock_out_is_kept_in_the_store(store_url, app, review_store):
    """Failures counted by one app instance lock the name in another over the same store (a restart, or a
    second server process); a success clears the count; failures older than the window no longer count."""
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from pipeline.store.db import LoginFailureRow
    from pipeline.store.reviews import LOCKOUT, MAX_FAILURES
    from pipeline.web.app import create_app

    with TestClient(app) as first:
        for _ in range(MAX_FAILURES - 1):
            assert _try(first, "budi", "wrong password").status_code == 401
        assert _try(first, "budi", PASSWORD).status_code == 303  # a success resets the count ...
        assert review_store.failed_logins("budi") == 0
        for _ in range(MAX_FAILURES - 1):  # ... so four more failures do not lock budi out
            assert _try(first, "budi", "wrong password").status_code == 401
        assert _try(first, "budi", PASSWORD).status_code == 303
        for _ in range(MAX_FAILURES):
            assert "Wrong name or password" in _try(first, "ana", "wrong password").text
        assert "Too many failed attempts" in _try(first, "ana", PASSWORD).text
    with TestClient(create_app(store_url)) as restarted:  # a new app instance, its own engine
        r = _try(restarted, "ana", PASSWORD)
        assert r.status_code == 401 and "Too many failed attempts" in r.text
        assert _try(restarted, "budi", PASSWORD).status_code == 303  # per name: budi is not locked
        with review_store.store.session() as s:  # let the failures age past the window
            row = s.execute(select(LoginFailureRow).where(LoginFailureRow.name == "ana")).scalar_one()
            row.failed_at = [t - LOCKOUT.total_seconds() - 1 for t in row.failed_at]
        assert _try(restarted, "ana", PASSWORD).status_code == 303
    assert review_store.failed_logins("ana") == 0
    last = {a["name"]: a["last_login_at"] for a in review_store.accounts()}
    assert last["ana"] and last["budi"]


def test_passwords_are_salted_scrypt_hashes():
    from pipeline.store.auth import hash_password, verify_password

    a, b = hash_password("s3cret-enough"), hash_password("s3cret-enough")
    assert a != b and a.startswith("scrypt$") and "s3cret" not in a
    assert verify_password("s3cret-enough", a) and not verify_password("s3cret-enougH", a)
    with pytest.raises(ValueError, match="at least 8"):
        hash_password("short")


def test_queue_orders_disputes_first_and_filters(client, review_store):
    from pipeline.store.reviews import Labels

    login(client, "ana")
    d, p = evidence_candidate(review_store)
    ana, budi = ({"id": r["id"], "name": r["name"]} for r in review_store.reviewers())
    review_store.save_review(ana, d.path, p, Labels(["commitment"], "positive", [], CASE), status="corrected",
                             memo="", seen_version=0)
    review_store.save_review(budi, d.path, p, Labels([], "neutral", [], CASE), status="corrected", memo="",
                             seen_version=1)
    html = client.get("/queue").text
    first = re.search(r'<tr class="status-(\w+)">.*?href="(/p/[^"]+)"', html, re.S)
    assert first.groups() == ("disputed", url_of(review_store, d, p))
    assert "reviewers disagree" in html
    only = client.get("/queue", params={"status": "disputed"}).text
    assert only.count('class="open"') == 1
    pdf = client.get("/queue", params={"doc": next(x.doc for x, _ in passages(review_store) if x.source == "mou_2014.pdf")}).text
    assert "mou_2014.pdf" in pdf and "wawancara_dtkp.md, p." not in pdf
    neutral = client.get("/queue", params={"stance": "neutral"}).text
    assert all(cell.startswith("neutral") for cell in re.findall(r"</a>\s*<div[^>]*>[^<]*</div></td>\s*<td>([^<]+)</td>", neutral))


def test_pdf_passages_show_their_page_and_nothing_else_is_served(client, review_store):
    login(client, "ana")
    d, p = next((d, p) for d, p in passages(review_store) if d.source == "mou_2014.pdf" and len(p.text) > 80)
    url = url_of(review_store, d, p)
    assert f'src="{url}/image.png"' in client.get(url).text
    img = client.get(f"{url}/image.png")
    assert img.status_code == 200 and img.content[:8] == b"\x89PNG\r\n\x1a\n"
    import io

    from PIL import Image

    width, height = Image.open(io.BytesIO(img.content)).size
    assert width > 500 and height < 1.6 * 842  # cropped around the passage, not the whole A4 page
    md = next((d, p) for d, p in passages(review_store) if d.source == "wawancara_dtkp.md")
    assert client.get(url_of(review_store, *md) + "/image.png").status_code == 404
    assert client.get("/static/../../store/db.py").status_code == 404
    assert client.get("/p/1/0/5/image.png?path=/etc/passwd").status_code == 404


def test_pages_need_a_login(client):
    for path in ("/queue", "/cases", f"/case/{CASE}", "/agreement", "/corrections", "/audit", "/p/1/0/10",
                 "/p/1/0/10/image.png"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
