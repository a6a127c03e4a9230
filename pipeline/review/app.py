"""The review workbench: a FastAPI app with server-rendered pages (no front-end build).

`create_app(store_url)` builds it; `sistercity review serve` runs it with uvicorn.
Pages: login, the queue, a passage, the cases and their verdicts, agreement, stale
corrections, and for admins the audit log and the accounts. Every POST form carries the
session's CSRF token and is refused (403) without it; templates autoescape, so document
text never becomes markup; the Content-Security-Policy lets only the page's own nonce'd
script run.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from pipeline.data import ELEMENTS, OBSTACLE_CODES, STANCES, VERDICTS, Document, Passage
from pipeline.review import auth
from pipeline.review.corrections import (
    apply_document_reviews,
    apply_reviews,
    documents_under_review,
    reviews_by_document,
)
from pipeline.review.queue import STATUSES, build_queue, filter_queue, model_view
from pipeline.review.store import (
    ROLES,
    InvalidLabels,
    Labels,
    LastAdmin,
    LockedOut,
    ReviewStore,
    StaleEdit,
    text_sha,
)
from pipeline.store.db import DocumentRow, Store

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "sc_session"
PRE_COOKIE = "sc_pre"
PAGE_SIZE = 50
MAX_BODY = 256 * 1024  # bytes of a request body: the largest form (a passage with a 4,000-character memo) is far less
MAX_ROW_ID = 2**63 - 1  # a document id beyond this is no row of any store (and SQLite cannot even be asked)
# What the accounts page says after a change (the query string carries only the code and the reviewer id).
ACCOUNT_DONE = {"added": "Added {name}.", "role": "{name} is now {role}.", "password": "New password set for {name}; "
                "their sessions were ended.", "deactivated": "{name} is deactivated and logged out.",
                "activated": "{name} is active again."}


class LoginRequired(Exception):
    pass


class CsrfRefused(Exception):
    pass


class BodyLimit:
    """ASGI middleware: a request body over `max_bytes` gets 413 before it is read (by its Content-Length)
    or as soon as the bytes received pass the limit (a chunked body), so no request can make the server
    hold more than that, with or without a session."""

    def __init__(self, app, max_bytes: int = MAX_BODY):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = -1
            if not 0 <= declared <= self.max_bytes:
                return await self.refuse(send)
        seen, over, answered = 0, False, False

        async def limited():
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:  # the app gets no more: its parse fails, and its answer becomes a 413
                    over = True
                    raise ValueError(f"request body over {self.max_bytes} bytes")
            return message

        async def answer(message):
            nonlocal answered
            if not over:
                await send(message)
            elif not answered:
                answered = True
                await self.refuse(send)

        await self.app(scope, limited, answer)

    async def refuse(self, send) -> None:
        body = f"request body over {self.max_bytes} bytes".encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def _templates():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined
    from starlette.templating import Jinja2Templates

    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    return Jinja2Templates(env=env)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never //host or a scheme."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/queue"
    return target


def highlight(text: str, base: int, entities: list) -> list[tuple[str, str | None]]:
    """`text` (starting at document offset `base`) cut into (piece, entity label or None)."""
    out, cursor = [], 0
    for e in sorted(entities, key=lambda e: e.start):
        s, t = e.start - base, e.end - base
        if s < cursor or t > len(text) or s >= t:
            continue
        if s > cursor:
            out.append((text[cursor:s], None))
        out.append((text[s:t], e.label))
        cursor = t
    if cursor < len(text):
        out.append((text[cursor:], None))
    return out


def create_app(store_url: str, *, inbox: Path | str | None = None, session_ttl: timedelta | None = None,
               secure_cookies: bool = False, max_body: int = MAX_BODY) -> FastAPI:
    """The workbench over the store at `store_url`. `inbox` (its case.toml files) lets the case view tell
    the local city from the partner; `secure_cookies` for serving behind HTTPS; `max_body` bytes of a
    request body at most (413 beyond)."""
    store = Store(store_url)
    rs = ReviewStore(store, **({"session_ttl": session_ttl} if session_ttl else {}))
    templates = _templates()
    app = FastAPI(title="sistercity review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store, app.state.reviews = store, rs

    def cases_info():
        from pipeline.report.build import known_cases

        return known_cases(inbox)

    # ------------------------------------------------------------------ plumbing
    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        request.state.nonce = secrets.token_urlsafe(16)
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = (
            f"default-src 'none'; script-src 'nonce-{request.state.nonce}'; style-src 'self'; img-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    def page(request: Request, name: str, context: dict, status_code: int = 200) -> HTMLResponse:
        user = getattr(request.state, "user", None)
        return templates.TemplateResponse(request, name, {"user": user, "nonce": request.state.nonce,
                                                          "csrf": user["csrf"] if user else "", **context},
                                          status_code=status_code)

    def user_of(request: Request) -> dict:
        token = auth.unsign(request.cookies.get(SESSION_COOKIE), rs.secret())
        user = rs.session_for(token)
        if user is None:
            raise LoginRequired
        request.state.user = user
        return user

    def checked(request: Request, csrf: str) -> dict:
        """The logged-in reviewer of a POST whose CSRF token is right; else 401 / 403."""
        user = user_of(request)
        if not auth.same(csrf, user["csrf"]):
            raise CsrfRefused
        return user

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        if request.method == "GET":
            return RedirectResponse(f"/login?next={quote(str(request.url.path) + ('?' + request.url.query if request.url.query else ''))}",
                                    status_code=303)
        return page(request, "error.html", {"title": "Session expired",
                                            "message": "Your session has expired or you are not logged in: nothing "
                                                       "was saved. Log in again and repeat the change."}, 401)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused):
        return page(request, "error.html", {"title": "Refused",
                                            "message": "This form has no valid CSRF token (it was not sent by a page "
                                                       "of this workbench, or is from an older session). Nothing was "
                                                       "saved; reload the page and try again."}, 403)

    @app.get("/static/app.css")
    def stylesheet() -> Response:
        return Response((HERE / "static" / "app.css").read_text(encoding="utf-8"), media_type="text/css",
                        headers={"Cache-Control": "max-age=3600"})

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status_code=204)

    # ------------------------------------------------------------------ login
    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/queue", error: str = ""):
        nonce = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(16)
        response = page(request, "login.html", {"next": _safe_next(next), "error": error,
                                                "login_csrf": auth.csrf_for(nonce, rs.secret())},
                        401 if error else 200)
        response.set_cookie(PRE_COOKIE, nonce, httponly=True, samesite="strict", secure=secure_cookies)
        return response

    @app.post("/login")
    def login(request: Request, name: str = Form(""), password: str = Form(""), csrf: str = Form(""),
              next: str = Form("/queue")):
        nonce = request.cookies.get(PRE_COOKIE)
        if not nonce or not auth.same(csrf, auth.csrf_for(nonce, rs.secret())):
            raise CsrfRefused
        try:  # failed logins are counted in the store: shared by every process, kept over a restart
            user = rs.login(name, password)
        except LockedOut as exc:
            return login_form(request, next, str(exc))
        if user is None:
            return login_form(request, next, "Wrong name or password.")
        token, _csrf = rs.open_session(user["id"])
        response = RedirectResponse(_safe_next(next), status_code=303)
        response.set_cookie(SESSION_COOKIE, auth.sign(token, rs.secret()), httponly=True, samesite="lax",
                            secure=secure_cookies, max_age=int(rs.session_ttl.total_seconds()))
        response.delete_cookie(PRE_COOKIE)
        return response

    @app.post("/logout")
    def logout(request: Request, csrf: str = Form("")):
        checked(request, csrf)
        token = auth.unsign(request.cookies.get(SESSION_COOKIE), rs.secret())
        if token:
            rs.close_session(token)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @app.get("/")
    def home(request: Request):
        user_of(request)
        return RedirectResponse("/queue", status_code=303)

    # ------------------------------------------------------------------ data helpers
    def doc_ids() -> dict[str, int]:
        with store.reading() as s:
            return {path: i for i, path in s.execute(select(DocumentRow.id, DocumentRow.path)
                                                     .where(DocumentRow.removed.is_(False)))}

    def visible_reviews(user: dict, reviews: list[dict] | None = None) -> list[dict]:
        """The reviews `user` may see. Coding is blind: a reviewer sees another's labels on a passage only
        once they have saved their own for it; an admin (who adjudicates) sees them all."""
        reviews = rs.reviews() if reviews is None else reviews
        if user["role"] == "admin":
            return reviews
        coded = {c["unit"] for c in rs.codings(batch="") if c["reviewer"] == user["name"]}
        return [r for r in reviews if r["reviewer"] == user["name"] or r["unit"] in coded]

    def reviewed_docs(user: dict) -> list[Document]:
        """Every stored document's passages, the reviews `user` may see applied, for the queue: without the
        documents' text, entities and explanations (the passage page loads its one document in full)."""
        by_doc = reviews_by_document(visible_reviews(user))
        docs = []
        for _, d in store.iter_rows(store.document_ids(), text=False, entities=False, explanations=False):
            apply_document_reviews(d, by_doc)
            docs.append(d)
        return docs

    def row_ids_by_doc() -> dict[str, int]:
        with store.reading() as s:
            return {doc: i for i, doc in s.execute(select(DocumentRow.id, DocumentRow.doc)
                                                   .where(DocumentRow.removed.is_(False)))}

    def disputed() -> set[tuple[str, int, int]]:
        seen: dict[str, set] = defaultdict(set)
        where: dict[str, tuple[str, int, int]] = {}
        for c in rs.codings(batch=""):
            seen[c["unit"]].add((tuple(c["elements"]), c["stance"], tuple(c["obstacles"]), c["case"]))
            where[c["unit"]] = (c["doc_key"], c["start"], c["end"])
        return {where[u] for u, labels in seen.items() if len(labels) > 1}

    def load_document(doc_id: int) -> Document | None:
        return store.document(doc_id) if 0 < doc_id <= MAX_ROW_ID else None

    def find_passage(d: Document, start: int, end: int) -> tuple[int, Passage] | None:
        for i, p in enumerate(d.passages):
            if p.start == start and p.end == end:
                return i, p
        return None

    # ------------------------------------------------------------------ queue
    @app.get("/queue", response_class=HTMLResponse)
    def queue(request: Request, case: str = "", doc: str = "", element: str = "", stance: str = "", status: str = "",
              page_no: int = 1):
        docs = reviewed_docs(user_of(request))
        items = build_queue(docs, doc_ids(), disputed())
        shown = filter_queue(items, case=case, doc=doc, element=element, stance=stance, status=status)
        pages = max(1, -(-len(shown) // PAGE_SIZE))
        page_no = min(max(1, page_no), pages)
        filters = {"case": case, "doc": doc, "element": element, "stance": stance, "status": status}
        return page(request, "queue.html", {
            "items": shown[(page_no - 1) * PAGE_SIZE: page_no * PAGE_SIZE], "total": len(shown), "all": len(items),
            "page_no": page_no, "pages": pages, "filters": filters,
            "query": urlencode({k: v for k, v in filters.items() if v}),
            "cases": sorted({p.case for d in docs for p in d.passages if p.case}),
            "documents": sorted({(d.doc, d.source) for d in docs if d.status == "ok"}, key=lambda x: x[1]),
            "elements": ELEMENTS, "stances": STANCES, "statuses": STATUSES,
            "counts": {s: sum(it.status == s for it in items) for s in STATUSES}})

    def next_in_queue(user: dict, after: tuple[int, int, int] | None) -> str:
        items = [it for it in build_queue(reviewed_docs(user), doc_ids(), disputed()) if it.status in {"open", "disputed"}]
        for it in items:
            key = (it.doc_id, it.passage.start, it.passage.end)
            if key != after:
                return f"/p/{key[0]}/{key[1]}/{key[2]}"
        return "/queue"

    # ------------------------------------------------------------------ passage
    def passage_context(request: Request, doc_id: int, start: int, end: int, *, error: str = "",
                        form: dict | None = None) -> dict | None:
        d = load_document(doc_id)
        if d is None:
            return None
        found = find_passage(d, start, end)
        if found is None:
            return None
        i, p = found
        current = rs.review_of(d.path, p)
        user = request.state.user
        here = [c for c in rs.codings(batch="") if c["doc_key"] == d.path and c["start"] == p.start
                and c["end"] == p.end]
        others = [c for c in here if c["text_sha"] == text_sha(p.text) and c["reviewer"] != user["name"]]
        mine = any(c["reviewer"] == user["name"] for c in here)
        # blind coding: another reviewer's labels and memo stay hidden until this one has saved their own
        blind = bool(current) and current["reviewer"] != user["name"] and not mine and user["role"] != "admin"
        if current and not blind:
            apply_reviews([Document(doc=d.doc, source=d.source, case=d.case, path=d.path, passages=[p])],
                          [current])
        model = model_view(p)
        labels = form or {"elements": p.elements, "stance": p.stance, "obstacles": p.obstacles, "case": p.case,
                          "memo": "" if blind else (current or {}).get("memo", "")}
        neighbours = [(j, q) for j, q in enumerate(d.passages) if i - 2 <= j <= i + 2]
        cases = sorted({q.case for q in d.passages if q.case} | {c.slug for c in cases_info()} | ({d.case} if d.case else set()))
        return {"d": d, "doc_id": doc_id, "p": p, "index": i, "neighbours": neighbours, "model": model,
                "pieces": highlight(p.text, p.start, [e for e in d.entities if p.start <= e.start and e.end <= p.end]),
                "entities": [e for e in d.entities if p.start <= e.start and e.end <= p.end],
                "review": None if blind else current, "version": current["version"] if current else 0,
                "labels": labels,
                "why": sorted((p.explanation or {}).items()),
                "others": others, "show_others": mine or user["role"] == "admin", "error": error,
                "elements": ELEMENTS, "stances": STANCES, "obstacle_codes": OBSTACLE_CODES, "cases": cases,
                "is_pdf": (d.path or "").lower().endswith(".pdf"), "text_sha": text_sha(p.text)}

    @app.get("/p/{doc_id}/{start}/{end}", response_class=HTMLResponse)
    def passage_page(request: Request, doc_id: int, start: int, end: int):
        user_of(request)
        ctx = passage_context(request, doc_id, start, end)
        if ctx is None:
            return page(request, "error.html", {"title": "No such passage", "message": "This passage is not in the "
                        "store (its document was re-processed or removed). Go back to the queue."}, 404)
        return page(request, "passage.html", ctx)

    @app.post("/p/{doc_id}/{start}/{end}")
    def passage_save(request: Request, doc_id: int, start: int, end: int, csrf: str = Form(""),
                     action: str = Form("correct"), version: int = Form(0), text_sha_seen: str = Form(""),
                     elements: Annotated[list[str] | None, Form()] = None, stance: str = Form("neutral"),
                     obstacles: Annotated[list[str] | None, Form()] = None,
                     case: str = Form(""), memo: str = Form("")):
        user = checked(request, csrf)
        d = load_document(doc_id)
        found = find_passage(d, start, end) if d else None
        if found is None or text_sha(found[1].text) != text_sha_seen:
            return page(request, "error.html", {"title": "Passage changed", "message": "Not saved: the document was "
                        "re-processed since your page loaded and this passage changed or is gone. Reload the queue."}, 409)
        _, p = found
        if action == "accept":  # the model's labels, as they are
            labels = Labels(list(p.elements), p.stance, list(p.obstacles), p.case)
        else:
            labels = Labels(elements or [], stance, obstacles or [], case or None)
        form = {"elements": labels.elements, "stance": labels.stance, "obstacles": labels.obstacles,
                "case": labels.case, "memo": memo}
        try:
            rs.save_review(user, d.path, p, labels, status="accepted" if action == "accept" else "corrected",
                           memo=memo, seen_version=version)
        except StaleEdit as exc:
            ctx = passage_context(request, doc_id, start, end, error=str(exc), form=form)
            if ctx is not None and ctx["review"] is None:  # blind: say that, not whose labels to go and see
                ctx["error"] = ("not saved: another reviewer saved this passage after your page loaded. You code "
                                "blind until you have saved: your labels are kept below, save them again.")
            return page(request, "passage.html", ctx, 409)
        except InvalidLabels as exc:
            return page(request, "passage.html", passage_context(request, doc_id, start, end, error=str(exc),
                                                                 form=form), 422)
        return RedirectResponse(next_in_queue(user, (doc_id, start, end)), status_code=303)

    @app.get("/p/{doc_id}/{start}/{end}/image.png")
    def passage_image(request: Request, doc_id: int, start: int, end: int):
        from pipeline.review.pageimage import NoImage, render_passage

        user_of(request)
        if not 0 < doc_id <= MAX_ROW_ID:
            return Response("no such passage", status_code=404, media_type="text/plain")
        with store.reading() as s:
            row = s.get(DocumentRow, doc_id)
            path, sha = (row.path, row.sha256) if row else (None, None)
        d = load_document(doc_id)
        found = find_passage(d, start, end) if d else None
        if found is None or path is None:
            return Response("no such passage", status_code=404, media_type="text/plain")
        try:
            png = render_passage(path, sha, found[1].page, found[1].text)
        except NoImage as exc:
            return Response(str(exc), status_code=404, media_type="text/plain")
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})

    # ------------------------------------------------------------------ cases and verdicts
    def verdicts_for(slugs: list[str] | None = None):
        from pipeline.aggregate.overrides import apply_overrides
        from pipeline.runs.report import aggregate_store

        reviews = rs.reviews()
        known = sorted(set(store.cases(include_removed=False)) | store.passage_cases() | {r["case"] for r in reviews if r.get("case")})
        wanted = [s for s in (slugs if slugs is not None else known) if s in known]
        # one case at a time, only its documents, without their text (process.aggregate_store)
        verdicts = aggregate_store(store, wanted, reviews, cases=cases_info(), lang="en")
        apply_overrides(verdicts, rs.overrides())
        return known, verdicts

    @app.get("/cases", response_class=HTMLResponse)
    def cases(request: Request):
        user_of(request)
        _known, verdicts = verdicts_for()
        return page(request, "cases.html", {"verdicts": verdicts, "elements": ELEMENTS})

    def case_context(slug: str, error: str = "") -> dict | None:
        known, verdicts = verdicts_for([slug])
        if slug not in known:
            return None
        by_doc = row_ids_by_doc()
        versions = {el: rs.override_version(slug, el) for el in ELEMENTS}
        return {"slug": slug, "verdicts": verdicts[slug], "elements": ELEMENTS, "statuses": VERDICTS,
                "doc_ids": by_doc, "versions": versions, "error": error}

    @app.get("/case/{slug}", response_class=HTMLResponse)
    def case_page(request: Request, slug: str):
        user_of(request)
        ctx = case_context(slug)
        if ctx is None:
            return page(request, "error.html", {"title": "No such case", "message": f"No case {slug!r} in the store."}, 404)
        return page(request, "case.html", ctx)

    @app.post("/case/{slug}/{element}/override")
    def override(request: Request, slug: str, element: str, csrf: str = Form(""), status: str = Form(""),
                 reason: str = Form(""), version: int = Form(0)):
        user = checked(request, csrf)
        known, verdicts = verdicts_for([slug])
        if slug not in known or element not in ELEMENTS:
            return page(request, "error.html", {"title": "No such verdict", "message": f"{slug}/{element}"}, 404)
        v = verdicts[slug][element]
        aggregator = v.override["replaced_status"] if v.override else v.status
        try:
            rs.save_override(user, slug, element, status or None, reason, replaced_status=aggregator,
                             seen_version=version)
        except StaleEdit as exc:
            return page(request, "case.html", case_context(slug, str(exc)), 409)
        except InvalidLabels as exc:
            return page(request, "case.html", case_context(slug, str(exc)), 422)
        return RedirectResponse(f"/case/{quote(slug)}#{element}", status_code=303)

    # ------------------------------------------------------------------ agreement, corrections, audit
    @app.get("/agreement", response_class=HTMLResponse)
    def agreement(request: Request):
        from pipeline.review.agreement_store import store_agreement

        user_of(request)
        return page(request, "agreement.html", {"results": store_agreement(rs), "elements": ELEMENTS})

    @app.get("/corrections", response_class=HTMLResponse)
    def corrections(request: Request):
        reviews = visible_reviews(user_of(request))  # blind coding: only what this viewer may see
        _, stale = documents_under_review(store, reviews)
        ids = doc_ids()
        return page(request, "corrections.html", {"reviews": reviews, "stale": {r["id"]: r["stale"] for r in stale},
                                                  "doc_ids": ids})

    @app.get("/audit", response_class=HTMLResponse)
    def audit(request: Request, target: str = ""):
        if user_of(request)["role"] != "admin":
            return page(request, "error.html", {"title": "Admins only", "message": "The audit log is for admins."}, 403)
        return page(request, "audit.html", {"rows": rs.audit(500, target or None), "target": target})

    # ------------------------------------------------------------------ accounts (admins)
    def admins_only(request: Request) -> Response:
        return page(request, "error.html", {"title": "Admins only", "message": "Accounts are managed by admins."}, 403)

    def accounts_page(request: Request, *, error: str = "", done: str = "", form: dict | None = None,
                      status_code: int = 200) -> HTMLResponse:
        return page(request, "accounts.html", {"accounts": rs.accounts(), "roles": ROLES, "error": error,
                                               "done": done, "form": form or {"name": "", "role": "reviewer"},
                                               "min_password": auth.MIN_PASSWORD}, status_code)

    def account_changed(code: str, reviewer_id: int) -> RedirectResponse:
        return RedirectResponse(f"/accounts?{urlencode({'done': code, 'id': reviewer_id})}", status_code=303)

    def new_password(password: str, repeat: str) -> str:
        if password != repeat:
            raise ValueError("the two passwords differ: type the same password twice")
        auth.hash_password(password)  # the same strength rule as the command line; raises ValueError
        return password

    @app.get("/accounts", response_class=HTMLResponse)
    def accounts(request: Request, done: str = "", id: int = 0):
        if user_of(request)["role"] != "admin":
            return admins_only(request)
        who = rs.account(id) if done in ACCOUNT_DONE else None
        return accounts_page(request, done=ACCOUNT_DONE[done].format(**who) if who else "")

    @app.post("/accounts")
    def account_add(request: Request, csrf: str = Form(""), name: str = Form(""), role: str = Form("reviewer"),
                    password: str = Form(""), password2: str = Form("")):
        user = checked(request, csrf)
        if user["role"] != "admin":
            return admins_only(request)
        try:
            rid = rs.add_reviewer(name, new_password(password, password2), role, actor=user)
        except ValueError as exc:
            return accounts_page(request, error=f"Not added: {exc}.", form={"name": name, "role": role},
                                 status_code=422)
        return account_changed("added", rid)

    def account_change(request: Request, csrf: str, reviewer_id: int, change) -> Response:
        """Run `change(admin)` for an admin's POST on the account `reviewer_id`, then back to the list."""
        user = checked(request, csrf)
        if user["role"] != "admin":
            return admins_only(request)
        if rs.account(reviewer_id) is None:
            return accounts_page(request, error=f"No reviewer with id {reviewer_id}.", status_code=404)
        try:
            code = change(user)
        except LastAdmin as exc:
            return accounts_page(request, error=f"Not changed: {exc}.", status_code=409)
        except ValueError as exc:
            return accounts_page(request, error=f"Not changed: {exc}.", status_code=422)
        return account_changed(code, reviewer_id)

    @app.post("/accounts/{reviewer_id}/role")
    def account_role(request: Request, reviewer_id: int, csrf: str = Form(""), role: str = Form("")):
        def change(user):
            rs.set_role(user, reviewer_id, role)
            return "role"

        return account_change(request, csrf, reviewer_id, change)

    @app.post("/accounts/{reviewer_id}/password")
    def account_password(request: Request, reviewer_id: int, csrf: str = Form(""), password: str = Form(""),
                         password2: str = Form("")):
        def change(user):
            rs.set_password(rs.account(reviewer_id)["name"], new_password(password, password2), actor=user)
            return "password"

        return account_change(request, csrf, reviewer_id, change)

    @app.post("/accounts/{reviewer_id}/active")
    def account_active(request: Request, reviewer_id: int, csrf: str = Form(""), active: str = Form("")):
        def change(user):
            if active not in {"0", "1"}:
                raise ValueError(f"active must be 0 or 1, got {active!r}")
            rs.set_active(user, reviewer_id, active == "1")
            return "activated" if active == "1" else "deactivated"

        return account_change(request, csrf, reviewer_id, change)

    app.add_middleware(BodyLimit, max_bytes=max_body)  # added last: the outermost, before any body is read
    auth.dummy_hash()  # made now, so the first login for an unknown name takes no longer than any other
    return app
