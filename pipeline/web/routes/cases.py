"""The cases, a case's verdicts, and an admin's or reviewer's override of one."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from pipeline.data import ELEMENTS
from pipeline.store.reviews import InvalidLabels, StaleEdit
from pipeline.web.pages import checked, error_page, page, user_of, workbench

router = APIRouter()


@router.get("/cases", response_class=HTMLResponse)
def cases(request: Request):
    user_of(request)
    _known, verdicts = workbench(request).verdicts_for()
    return page(request, "cases.html", {"verdicts": verdicts, "elements": ELEMENTS})


@router.get("/case/{slug}", response_class=HTMLResponse)
def case_page(request: Request, slug: str):
    user_of(request)
    ctx = workbench(request).case_context(slug)
    if ctx is None:
        return error_page(request, "No such case", f"No case {slug!r} in the store.", 404)
    return page(request, "case.html", ctx)


@router.post("/case/{slug}/{element}/override")
def override(request: Request, slug: str, element: str, csrf: str = Form(""), status: str = Form(""),
             reason: str = Form(""), version: int = Form(0)):
    user = checked(request, csrf)
    w = workbench(request)
    known, verdicts = w.verdicts_for([slug])
    if slug not in known or element not in ELEMENTS:
        return error_page(request, "No such verdict", f"{slug}/{element}", 404)
    v = verdicts[slug][element]
    aggregator = v.override["replaced_status"] if v.override else v.status
    try:
        w.reviews.save_override(user, slug, element, status or None, reason, replaced_status=aggregator,
                                seen_version=version)
    except StaleEdit as exc:
        return page(request, "case.html", w.case_context(slug, str(exc)), 409)
    except InvalidLabels as exc:
        return page(request, "case.html", w.case_context(slug, str(exc)), 422)
    return RedirectResponse(f"/case/{quote(slug)}#{element}", status_code=303)
