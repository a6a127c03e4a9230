"""Reviewers' accounts, managed by admins: add, change a role or a password, deactivate."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipeline.store import auth
from pipeline.store.reviews import ROLES, LastAdmin
from pipeline.web.pages import checked, error_page, page, user_of, workbench

router = APIRouter()
# What the accounts page says after a change (the query string carries only the code and the reviewer id).
ACCOUNT_DONE = {"added": "Added {name}.", "role": "{name} is now {role}.", "password": "New password set for {name}; "
                "their sessions were ended.", "deactivated": "{name} is deactivated and logged out.",
                "activated": "{name} is active again."}


def admins_only(request: Request) -> Response:
    return error_page(request, "Admins only", "Accounts are managed by admins.", 403)


def accounts_page(request: Request, *, error: str = "", done: str = "", form: dict | None = None,
                  status_code: int = 200) -> HTMLResponse:
    return page(request, "accounts.html", {"accounts": workbench(request).reviews.accounts(), "roles": ROLES,
                                           "error": error, "done": done,
                                           "form": form or {"name": "", "role": "reviewer"},
                                           "min_password": auth.MIN_PASSWORD}, status_code)


def account_changed(code: str, reviewer_id: int) -> RedirectResponse:
    return RedirectResponse(f"/accounts?{urlencode({'done': code, 'id': reviewer_id})}", status_code=303)


def new_password(password: str, repeat: str) -> str:
    if password != repeat:
        raise ValueError("the two passwords differ: type the same password twice")
    auth.hash_password(password)  # the same strength rule as the command line; raises ValueError
    return password


@router.get("/accounts", response_class=HTMLResponse)
def accounts(request: Request, done: str = "", id: int = 0):
    if user_of(request)["role"] != "admin":
        return admins_only(request)
    who = workbench(request).reviews.account(id) if done in ACCOUNT_DONE else None
    return accounts_page(request, done=ACCOUNT_DONE[done].format(**who) if who else "")


@router.post("/accounts")
def account_add(request: Request, csrf: str = Form(""), name: str = Form(""), role: str = Form("reviewer"),
                password: str = Form(""), password2: str = Form("")):
    user = checked(request, csrf)
    if user["role"] != "admin":
        return admins_only(request)
    try:
        rid = workbench(request).reviews.add_reviewer(name, new_password(password, password2), role, actor=user)
    except ValueError as exc:
        return accounts_page(request, error=f"Not added: {exc}.", form={"name": name, "role": role}, status_code=422)
    return account_changed("added", rid)


def account_change(request: Request, csrf: str, reviewer_id: int, change) -> Response:
    """Run `change(admin)` for an admin's POST on the account `reviewer_id`, then back to the list."""
    user = checked(request, csrf)
    if user["role"] != "admin":
        return admins_only(request)
    if workbench(request).reviews.account(reviewer_id) is None:
        return accounts_page(request, error=f"No reviewer with id {reviewer_id}.", status_code=404)
    try:
        code = change(user)
    except LastAdmin as exc:
        return accounts_page(request, error=f"Not changed: {exc}.", status_code=409)
    except ValueError as exc:
        return accounts_page(request, error=f"Not changed: {exc}.", status_code=422)
    return account_changed(code, reviewer_id)


@router.post("/accounts/{reviewer_id}/role")
def account_role(request: Request, reviewer_id: int, csrf: str = Form(""), role: str = Form("")):
    def change(user):
        workbench(request).reviews.set_role(user, reviewer_id, role)
        return "role"

    return account_change(request, csrf, reviewer_id, change)


@router.post("/accounts/{reviewer_id}/password")
def account_password(request: Request, reviewer_id: int, csrf: str = Form(""), password: str = Form(""),
                     password2: str = Form("")):
    def change(user):
        rs = workbench(request).reviews
        rs.set_password(rs.account(reviewer_id)["name"], new_password(password, password2), actor=user)
        return "password"

    return account_change(request, csrf, reviewer_id, change)


@router.post("/accounts/{reviewer_id}/active")
def account_active(request: Request, reviewer_id: int, csrf: str = Form(""), active: str = Form("")):
    def change(user):
        if active not in {"0", "1"}:
            raise ValueError(f"active must be 0 or 1, got {active!r}")
        workbench(request).reviews.set_active(user, reviewer_id, active == "1")
        return "activated" if active == "1" else "deactivated"

    return account_change(request, csrf, reviewer_id, change)
