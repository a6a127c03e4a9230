"""Agreement between reviewers, stale corrections, and the audit log (admins)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pipeline.data import ELEMENTS
from pipeline.review.agreement_store import store_agreement
from pipeline.review.corrections import documents_under_review
from pipeline.web.pages import error_page, page, user_of, workbench

router = APIRouter()


@router.get("/agreement", response_class=HTMLResponse)
def agreement(request: Request):
    user_of(request)
    return page(request, "agreement.html", {"results": store_agreement(workbench(request).reviews),
                                            "elements": ELEMENTS})


@router.get("/corrections", response_class=HTMLResponse)
def corrections(request: Request):
    w = workbench(request)
    reviews = w.visible_reviews(user_of(request))  # blind coding: only what this viewer may see
    _, stale = documents_under_review(w.store, reviews)
    return page(request, "corrections.html", {"reviews": reviews, "stale": {r["id"]: r["stale"] for r in stale},
                                              "doc_ids": w.doc_ids()})


@router.get("/audit", response_class=HTMLResponse)
def audit(request: Request, target: str = ""):
    if user_of(request)["role"] != "admin":
        return error_page(request, "Admins only", "The audit log is for admins.", 403)
    return page(request, "audit.html", {"rows": workbench(request).reviews.audit(500, target or None),
                                        "target": target})
