"""What every route shares: the page renderer, the logged-in reviewer and the CSRF check, the workbench
service of this app (`request.app.state`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse

from pipeline.store import auth
from pipeline.web.services import Workbench

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "sc_session"
PRE_COOKIE = "sc_pre"


class LoginRequired(Exception):
    pass


class CsrfRefused(Exception):
    pass


def templates():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined
    from starlette.templating import Jinja2Templates

    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    return Jinja2Templates(env=env)


def workbench(request: Request) -> Workbench:
    return request.app.state.workbench


def page(request: Request, name: str, context: dict, status_code: int = 200) -> HTMLResponse:
    user = getattr(request.state, "user", None)
    return request.app.state.templates.TemplateResponse(
        request, name, {"user": user, "nonce": request.state.nonce, "csrf": user["csrf"] if user else "", **context},
        status_code=status_code)


def user_of(request: Request) -> dict:
    rs = workbench(request).reviews
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


def safe_next(target: str | None) -> str:
    """Only a path on this site: never //host or a scheme."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/queue"
    return target


def error_page(request: Request, title: str, message: str, status_code: int) -> HTMLResponse:
    return page(request, "error.html", {"title": title, "message": message}, status_code)
