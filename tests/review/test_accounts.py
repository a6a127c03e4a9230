"""The accounts page (admins only) end to end through the test client, on SQLite and PostgreSQL:
add a reviewer, change a role, reset a password, deactivate and reactivate, the last-admin guard,
and what non-admins and forged forms get."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.review.conftest import PASSWORD, csrf_of, login
from tests.review.test_workbench import url_of

NEW_PASSWORD = "another long password"


@pytest.fixture
def store_url(any_store_url) -> str:
    return any_store_url


def _id(review_store, name: str) -> int:
    return next(a["id"] for a in review_store.accounts() if a["name"] == name)


def _account(review_store, name: str) -> dict:
    return next(a for a in review_store.accounts() if a["name"] == name)


def _login_fails(app, name: str, password: str) -> bool:
    with TestClient(app) as c:
        page = c.get("/login")
        r = c.post("/login", data={"name": name, "password": password, "csrf": csrf_of(page.text)},
                   follow_redirects=False)
        return r.status_code == 401 and "Wrong name or password" in r.text


def _new_actions(review_store, before: int) -> list[dict]:
    rows = review_store.audit(None)
    return rows[: len(rows) - before][::-1]


def test_an_admin_adds_changes_resets_deactivates_and_reactivates(app, client, review_store):
    csrf = login(client, "ana")
    before = len(review_store.audit(None))
    page = client.get("/accounts")
    assert page.status_code == 200
    assert re.search(r"<td>ana <span class=\"tag\">you</span></td>", page.text)
    assert 'href="/accounts"' in page.text  # in the admin's navigation

    # add: the same password rule as the command line, both passwords equal, a unique name, a known role
    r = client.post("/accounts", data={"csrf": csrf, "name": "citra", "role": "reviewer", "password": "short",
                                       "password2": "short"})
    assert r.status_code == 422 and "at least 8 characters" in r.text and 'value="citra"' in r.text
    r = client.post("/accounts", data={"csrf": csrf, "name": "citra", "role": "reviewer", "password": PASSWORD,
                                       "password2": PASSWORD + "x"})
    assert r.status_code == 422 and "the two passwords differ" in r.text
    r = client.post("/accounts", data={"csrf": csrf, "name": "budi", "role": "reviewer", "password": PASSWORD,
                                       "password2": PASSWORD})
    assert r.status_code == 422 and "already exists" in r.text
    r = client.post("/accounts", data={"csrf": csrf, "name": "citra", "role": "boss", "password": PASSWORD,
                                       "password2": PASSWORD})
    assert r.status_code == 422 and "role must be one of reviewer, admin" in r.text
    assert "citra" not in {a["name"] for a in review_store.accounts()}
    r = client.post("/accounts", data={"csrf": csrf, "name": "citra", "role": "reviewer", "password": PASSWORD,
                                       "password2": PASSWORD})
    assert r.status_code == 200 and "Added citra." in r.text  # after the redirect
    citra = _account(review_store, "citra")
    assert (citra["role"], citra["active"], citra["last_login_at"]) == ("reviewer", True, None)
    assert re.search(rf'id="reviewer-{citra["id"]}">.*?<td>never</td>', r.text, re.S)

    with TestClient(app) as as_citra:
        login(as_citra, "citra")
        assert _account(review_store, "citra")["last_login_at"]
        assert as_citra.get("/accounts").status_code == 403  # a reviewer

        # role change: citra becomes admin and sees the page at once (roles are read per request)
        r = client.post(f"/accounts/{citra['id']}/role", data={"csrf": csrf, "role": "admin"})
        assert r.status_code == 200 and "citra is now admin." in r.text
        assert as_citra.get("/accounts").status_code == 200
        r = client.post(f"/accounts/{citra['id']}/role", data={"csrf": csrf, "role": "root"})
        assert r.status_code == 422 and "role must be one of" in r.text
        client.post(f"/accounts/{citra['id']}/role", data={"csrf": csrf, "role": "reviewer"})
        assert as_citra.get("/accounts").status_code == 403

        # password reset: the old password stops working and citra's open session ends
        r = client.post(f"/accounts/{citra['id']}/password", data={"csrf": csrf, "password": "short",
                                                                    "password2": "short"})
        assert r.status_code == 422 and "at least 8 characters" in r.text
        r = client.post(f"/accounts/{citra['id']}/password", data={"csrf": csrf, "password": NEW_PASSWORD,
                                                                    "password2": NEW_PASSWORD})
        assert r.status_code == 200 and "New password set for citra" in r.text
        assert as_citra.get("/queue", follow_redirects=False).status_code == 303
    assert _login_fails(app, "citra", PASSWORD)

    # deactivate: budi's open session ends, he cannot log in, his reviews and audit rows stay
    with TestClient(app) as as_budi:
        budi_csrf = login(as_budi, "budi")
        d = next(x for x in review_store.store.documents() if x.source == "wawancara_dtkp.md")
        p = d.passages[2]
        url = url_of(review_store, d, p)
        sha = re.search(r'name="text_sha_seen" value="([^"]+)"', as_budi.get(url).text).group(1)
        assert as_budi.post(url, data={"csrf": budi_csrf, "action": "accept", "version": "0", "text_sha_seen": sha},
                            follow_redirects=False).status_code == 303
        budi = _id(review_store, "budi")
        r = client.post(f"/accounts/{budi}/active", data={"csrf": csrf, "active": "0"})
        assert r.status_code == 200 and "budi is deactivated and logged out." in r.text
        assert re.search(rf'id="reviewer-{budi}">.*?deactivated.*?Reactivate', r.text, re.S)
        assert as_budi.get("/queue", follow_redirects=False).status_code == 303
        r = as_budi.post(url, data={"csrf": budi_csrf, "action": "accept", "version": "1", "text_sha_seen": sha},
                         follow_redirects=False)
        assert r.status_code == 401
    assert _login_fails(app, "budi", PASSWORD)  # the same answer as a wrong password
    assert [r["reviewer"] for r in review_store.reviews()] == ["budi"]
    assert any(a["reviewer"] == "budi" and a["action"] == "passage.accept" for a in review_store.audit(None))

    # reactivate: budi logs in again with his old password
    r = client.post(f"/accounts/{budi}/active", data={"csrf": csrf, "active": "1"})
    assert r.status_code == 200 and "budi is active again." in r.text
    with TestClient(app) as as_budi:
        login(as_budi, "budi")
    with TestClient(app) as as_citra:
        login(as_citra, "citra", NEW_PASSWORD)

    # every change is in the audit log, with who made it and what it replaced
    changes = [(a["reviewer"], a["action"], a["target"], a["old"], a["new"])
               for a in _new_actions(review_store, before) if a["action"].startswith("reviewer.")]
    assert changes == [
        ("ana", "reviewer.add", "reviewer:citra", None, {"name": "citra", "role": "reviewer"}),
        ("ana", "reviewer.role", "reviewer:citra", {"role": "reviewer"}, {"role": "admin"}),
        ("ana", "reviewer.role", "reviewer:citra", {"role": "admin"}, {"role": "reviewer"}),
        ("ana", "reviewer.password", "reviewer:citra", None, None),
        ("ana", "reviewer.deactivate", "reviewer:budi", {"active": True}, {"active": False}),
        ("ana", "reviewer.activate", "reviewer:budi", {"active": False}, {"active": True}),
    ]
    assert "reviewer.deactivate" in client.get("/audit").text
    assert NEW_PASSWORD not in client.get("/audit").text and "scrypt$" not in client.get("/accounts").text


def test_the_last_active_admin_stays(app, client, review_store):
    csrf = login(client, "ana")
    ana, budi = _id(review_store, "ana"), _id(review_store, "budi")
    before = len(review_store.audit(None))
    r = client.post(f"/accounts/{ana}/role", data={"csrf": csrf, "role": "reviewer"})
    assert r.status_code == 409 and "ana is the only active admin" in r.text
    r = client.post(f"/accounts/{ana}/active", data={"csrf": csrf, "active": "0"})
    assert r.status_code == 409 and "ana is the only active admin" in r.text
    assert (_account(review_store, "ana")["role"], _account(review_store, "ana")["active"]) == ("admin", True)
    assert len(review_store.audit(None)) == before
    assert client.get("/accounts").status_code == 200  # still logged in, still admin

    # with a second active admin, ana may step down; then budi is the last one
    client.post(f"/accounts/{budi}/role", data={"csrf": csrf, "role": "admin"})
    r = client.post(f"/accounts/{ana}/role", data={"csrf": csrf, "role": "reviewer"}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/accounts").status_code == 403  # ana is a reviewer now
    with TestClient(app) as as_budi:
        budi_csrf = login(as_budi, "budi")
        r = as_budi.post(f"/accounts/{budi}/active", data={"csrf": budi_csrf, "active": "0"})
        assert r.status_code == 409 and "budi is the only active admin" in r.text
        # an inactive admin does not count: make ana admin but deactivated, budi is still the last active one
        assert as_budi.post(f"/accounts/{ana}/active", data={"csrf": budi_csrf, "active": "0"},
                            follow_redirects=False).status_code == 303
        assert as_budi.post(f"/accounts/{ana}/role", data={"csrf": budi_csrf, "role": "admin"},
                            follow_redirects=False).status_code == 303
        r = as_budi.post(f"/accounts/{budi}/role", data={"csrf": budi_csrf, "role": "reviewer"})
        assert r.status_code == 409
    assert [(a["name"], a["role"], a["active"]) for a in review_store.accounts()] == [
        ("ana", "admin", False), ("budi", "admin", True)]


def test_reviewers_get_403_and_forged_forms_change_nothing(app, client, review_store):
    budi_csrf = login(client, "budi")
    ana = _id(review_store, "ana")
    accounts, audit = review_store.accounts(), len(review_store.audit(None))
    assert client.get("/accounts").status_code == 403
    assert 'href="/accounts"' not in client.get("/queue").text
    posts = {"/accounts": {"name": "eve", "role": "admin", "password": PASSWORD, "password2": PASSWORD},
             f"/accounts/{ana}/role": {"role": "reviewer"},
             f"/accounts/{ana}/password": {"password": NEW_PASSWORD, "password2": NEW_PASSWORD},
             f"/accounts/{ana}/active": {"active": "0"}}
    for path, form in posts.items():
        r = client.post(path, data={"csrf": budi_csrf, **form})
        assert r.status_code == 403 and "Accounts are managed by admins" in r.text, path
    with TestClient(app) as as_ana:  # an admin's session, but a form without its token (or a forged one)
        login(as_ana, "ana")
        for path, form in posts.items():
            for token in (None, "forged"):
                r = as_ana.post(path, data={**form, **({"csrf": token} if token else {})})
                assert r.status_code == 403 and "CSRF" in r.text, (path, token)
        r = as_ana.post("/accounts/9999/active", data={"csrf": csrf_of(as_ana.get("/accounts").text), "active": "0"})
        assert r.status_code == 404 and "No reviewer with id 9999" in r.text
    unchanged = [{k: v for k, v in a.items() if k != "last_login_at"} for a in review_store.accounts()]
    assert unchanged == [{k: v for k, v in a.items() if k != "last_login_at"} for a in accounts]  # ana logged in
    assert len(review_store.audit(None)) == audit
    assert review_store.authenticate("ana", PASSWORD)
    with TestClient(app) as anonymous:
        assert anonymous.get("/accounts", follow_redirects=False).headers["location"] == "/login?next=/accounts"
        assert anonymous.post(f"/accounts/{ana}/active", data={"active": "0"}).status_code == 401
