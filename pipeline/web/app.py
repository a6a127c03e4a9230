"""The review workbench: a FastAPI app with server-rendered pages (no front-end build).

`create_app(store_url)` builds it; `sistercity review serve` runs it with uvicorn. FastAPI's "bigger
applications" layout: this module wires the app (security headers, the body limit, error pages), the
routers in `routes/` are thin (one per part of the site: session, passages, cases, records, accounts),
`services.Workbench` reads what they show from the store and the review logic below, and the
templates and stylesheet sit apart in `templates/` and `static/`.
Pages: login, the queue, a passage, the cases and their verdicts, agreement, stale
corrections, and for admins the audit log and the accounts. Every POST form carries the
session's CSRF token and is refused (403) without it; templates autoescape, so document
text never becomes markup; the Content-Security-Policy lets only the page's own nonce'd
script run.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse

from pipeline.store import auth
from pipeline.store.db import Store
from pipeline.store.reviews import ReviewStore
from pipeline.web.pages import CsrfRefused, LoginRequired, page, templates
from pipeline.web.routes import accounts, cases, passages, records, session
from pipeline.web.services import Workbench

log = logging.getLogger(__name__)

MAX_BODY = 256 * 1024  # bytes of a request body: the largest form (a passage with a 4,000-character memo) is far less


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


def create_app(store_url: str, *, inbox: Path | str | None = None, session_ttl: timedelta | None = None,
               secure_cookies: bool = False, max_body: int = MAX_BODY, published_tiebreak: bool = False,
               models_folder: Path | None = None) -> FastAPI:
    """The workbench over the store at `store_url`. `inbox` (its case.toml files) lets the case view tell
    the local city from the partner; `secure_cookies` for serving behind HTTPS; `max_body` bytes of a
    request body at most (413 beyond); `published_tiebreak` and `models_folder` the settings the case
    verdicts are decided with."""
    store = Store(store_url)
    rs = ReviewStore(store, **({"session_ttl": session_ttl} if session_ttl else {}))
    app = FastAPI(title="sistercity review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store, app.state.reviews = store, rs
    app.state.workbench = Workbench(store, rs, inbox, published_tiebreak, models_folder)
    app.state.templates = templates()
    app.state.secure_cookies = secure_cookies

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

    for part in (session, passages, cases, records, accounts):
        app.include_router(part.router)
    app.add_middleware(BodyLimit, max_bytes=max_body)  # added last: the outermost, before any body is read
    auth.dummy_hash()  # made now, so the first login for an unknown name takes no longer than any other
    return app
