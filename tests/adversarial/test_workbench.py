"""Issue #16, findings 3, 6, 7, 9 and 14: the workbench bounds what a request may carry, codes blind,
answers unknown names as slowly as wrong passwords, and gives 404 for ids no row can have."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.review.conftest import CASE, PASSWORD, csrf_of, login


@pytest.fixture
def app(store_url, review_store):
    from pipeline.web.app import create_app

    review_store.add_reviewer("ana", PASSWORD, "admin")
    review_store.add_reviewer("budi", PASSWORD, "reviewer")
    review_store.add_reviewer("citra", PASSWORD, "reviewer")
    return create_app(store_url)


def passage_url(review_store) -> tuple[str, str]:
    """The URL of a passage with evidence in the test store, and its text hash."""
    from pipeline.store.reviews import text_sha

    store = review_store.store
    for row_id in store.document_ids():
        d = store.document(row_id)
        for p in d.passages if d else []:
            if p.elements:
                return f"/p/{row_id}/{p.start}/{p.end}", text_sha(p.text)
    raise AssertionError("no evidence passage in the test store")


def save(client, csrf, url, sha, version, memo, **labels):
    data = {"csrf": csrf, "action": "correct", "version": str(version), "text_sha_seen": sha, "memo": memo,
            "stance": "obstacle", "elements": ["outcomes"], "obstacles": ["budget"], "case": CASE, **labels}
    return client.post(url, data=data, follow_redirects=False)


def test_a_large_body_is_refused_before_it_is_read(app):
    with TestClient(app) as client:
        page = client.get("/login")
        big = {"name": "ana", "password": "x" * 400_000, "csrf": csrf_of(page.text)}
        assert client.post("/login", data=big).status_code == 413

        def chunks():  # no Content-Length: counted as it arrives
            yield b"name=ana&password="
            for _ in range(100):
                yield b"x" * 10_000

        r = client.post("/login", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"})
        assert r.status_code == 413
        ordinary = client.post("/login", data={"name": "ana", "password": "wrong password", "csrf": csrf_of(page.text)})
        assert "Wrong name or password" in ordinary.text  # an ordinary form still goes through


def test_blind_coding_hides_another_reviewers_labels_until_one_has_saved(app, review_store):
    url, sha = passage_url(review_store)
    with TestClient(app) as citra, TestClient(app) as budi, TestClient(app) as ana:
        c1, c2 = login(citra, "citra"), login(budi, "budi")
        login(ana, "ana")
        assert save(citra, c1, url, sha, 0, "MEMO-OF-CITRA").status_code == 303

        page = budi.get(url).text
        assert "MEMO-OF-CITRA" not in page and "by citra" not in page
        assert 'value="budget" checked' not in page  # citra's labels are not ticked for budi
        assert 'name="version" value="1"' in page  # but his save is not refused as stale
        assert "<td>citra<br>" not in budi.get("/corrections").text
        assert "MEMO-OF-CITRA" in ana.get(url).text and "<td>citra<br>" in ana.get("/corrections").text  # admin

        r = save(budi, c2, url, sha, 1, "memo of budi", stance="positive", elements=["commitment"], obstacles=[])
        assert r.status_code == 303
        after = budi.get(url).text
        assert "<li>citra: obstacle (outcomes)" in after  # having coded it, he sees the other coding
        listing = budi.get("/corrections").text
        assert "<td>budi<br>" in listing and "positive: commitment" in listing


def test_corrections_list_only_what_the_viewer_may_see(app, review_store):
    url, sha = passage_url(review_store)
    with TestClient(app) as citra, TestClient(app) as budi:
        c1 = login(citra, "citra")
        login(budi, "budi")
        assert save(citra, c1, url, sha, 0, "ONLY-CITRA").status_code == 303
        listing = budi.get("/corrections").text
        assert "<td>citra<br>" not in listing and "obstacle: outcomes; budget" not in listing
        assert "obstacle: outcomes; budget" in citra.get("/corrections").text  # their own, they see


def test_login_for_an_unknown_name_costs_what_a_wrong_password_costs(review_store, monkeypatch):
    import hashlib

    from pipeline.store import auth

    review_store.add_reviewer("ana", PASSWORD, "admin")
    auth.dummy_hash()
    calls = []
    real = hashlib.scrypt
    monkeypatch.setattr(hashlib, "scrypt", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert review_store.authenticate("ana", "wrong password") is None
    wrong_password = len(calls)
    calls.clear()
    assert review_store.authenticate("nobody-here", "wrong password") is None
    assert len(calls) == wrong_password == 1


@pytest.mark.parametrize("path", ["/p/99999999999999999999/0/10", "/p/99999999999999999999/0/10/image.png",
                                  "/p/-1/0/10", "/p/0/0/10"])
def test_an_id_beyond_64_bits_is_not_found(app, path):
    with TestClient(app, raise_server_exceptions=False) as client:
        login(client, "budi")
        assert client.get(path).status_code == 404


def test_memo_and_reason_are_bounded(app, review_store):
    url, sha = passage_url(review_store)
    with TestClient(app) as client:
        csrf = login(client, "ana")
        assert save(client, csrf, url, sha, 0, "m" * 1_000_00).status_code == 422
        assert review_store.reviews() == []
        r = client.post(f"/case/{CASE}/commitment/override",
                        data={"csrf": csrf, "status": "fulfilled", "reason": "r" * 100_000, "version": "0"})
        assert r.status_code == 422 and "reason: at most" in r.text
        assert review_store.overrides() == []


def test_names_are_case_folded_and_without_control_characters(review_store):
    review_store.add_reviewer("Dewi", PASSWORD)
    assert [a["name"] for a in review_store.accounts()] == ["dewi"]
    for twin in ("dewi", "DEWI", " Dewi "):
        with pytest.raises(ValueError, match="already exists"):
            review_store.add_reviewer(twin, PASSWORD)
    for bad in ("de\x00wi", "de\nwi", "de\u200bwi"):
        with pytest.raises(ValueError, match="control characters"):
            review_store.add_reviewer(bad, PASSWORD)
    assert review_store.authenticate("DEWI", PASSWORD)["name"] == "dewi"
    assert review_store.authenticate("de\x00wi", PASSWORD) is None
