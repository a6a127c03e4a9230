"""Login, logout, the home redirect and the stylesheet."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipeline.store import auth
from pipeline.store.reviews import LockedOut
from pipeline.web.pages import (
    HERE,
    PRE_COOKIE,
    SESSION_COOKIE,
    CsrfRefused,
    checked,
    page,
    safe_next,
    user_of,
    workbench,
)

router = APIRouter()


@router.get("/static/app.css")
def stylesheet() -> Response:
    return Response((HERE / "static" / "app.css").read_text(encoding="utf-8"), media_type="text/css",
                    headers={"Cache-Control": "max-age=3600"})


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(status_code=204)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/queue", error: str = ""):
    rs = workbench(request).reviews
    nonce = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(16)
    response = page(request, "login.html", {"next": safe_next(next), "error": error,
                                            "login_csrf": auth.csrf_for(nonce, rs.secret())},
                    401 if error else 200)
    response.set_cookie(PRE_COOKIE, nonce, httponly=True, samesite="strict", secure=request.app.state.secure_cookies)
    return response


@router.post("/login")
def login(request: Request, name: str = Form(""), password: str = Form(""), csrf: str = Form(""),
          next: str = Form("/queue")):
    rs = workbench(request).reviews
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
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, auth.sign(token, rs.secret()), httponly=True, samesite="lax",
                        secure=request.app.state.secure_cookies, max_age=int(rs.session_ttl.total_seconds()))
    response.delete_cookie(PRE_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")):
    checked(request, csrf)
    rs = workbench(request).reviews
    token = auth.unsign(request.cookies.get(SESSION_COOKIE), rs.secret())
    if token:
        rs.close_session(token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(request: Request):
    user_of(request)
    return RedirectResponse("/queue", status_code=303)
