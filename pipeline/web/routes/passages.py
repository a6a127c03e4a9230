"""The queue of passages, a passage with its labels, and the page image it was read from."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipeline.data import ELEMENTS, STANCES
from pipeline.review.queue import STATUSES, filter_queue
from pipeline.store.reviews import InvalidLabels, Labels, StaleEdit, text_sha
from pipeline.web.pages import checked, error_page, page, user_of, workbench
from pipeline.web.services import find_passage

router = APIRouter()
PAGE_SIZE = 50


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, case: str = "", doc: str = "", element: str = "", stance: str = "", status: str = "",
          page_no: int = 1):
    docs, items = workbench(request).queue(user_of(request))
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


@router.get("/p/{doc_id}/{start}/{end}", response_class=HTMLResponse)
def passage_page(request: Request, doc_id: int, start: int, end: int):
    user = user_of(request)
    ctx = workbench(request).passage_context(user, doc_id, start, end)
    if ctx is None:
        return error_page(request, "No such passage", "This passage is not in the store (its document was "
                          "re-processed or removed). Go back to the queue.", 404)
    return page(request, "passage.html", ctx)


@router.post("/p/{doc_id}/{start}/{end}")
def passage_save(request: Request, doc_id: int, start: int, end: int, csrf: str = Form(""),
                 action: str = Form("correct"), version: int = Form(0), text_sha_seen: str = Form(""),
                 elements: Annotated[list[str] | None, Form()] = None, stance: str = Form("neutral"),
                 obstacles: Annotated[list[str] | None, Form()] = None,
                 case: str = Form(""), memo: str = Form("")):
    user = checked(request, csrf)
    w = workbench(request)
    d = w.load_document(doc_id)
    found = find_passage(d, start, end) if d else None
    if found is None or text_sha(found[1].text) != text_sha_seen:
        return error_page(request, "Passage changed", "Not saved: the document was re-processed since your page "
                          "loaded and this passage changed or is gone. Reload the queue.", 409)
    _, p = found
    if action == "accept":  # the model's labels, as they are
        labels = Labels(list(p.elements), p.stance, list(p.obstacles), p.case)
    else:
        labels = Labels(elements or [], stance, obstacles or [], case or None)
    form = {"elements": labels.elements, "stance": labels.stance, "obstacles": labels.obstacles,
            "case": labels.case, "memo": memo}
    try:
        w.reviews.save_review(user, d.path, p, labels, status="accepted" if action == "accept" else "corrected",
                              memo=memo, seen_version=version)
    except StaleEdit as exc:
        ctx = w.passage_context(user, doc_id, start, end, error=str(exc), form=form)
        if ctx is not None and ctx["review"] is None:  # blind: say that, not whose labels to go and see
            ctx["error"] = ("not saved: another reviewer saved this passage after your page loaded. You code "
                            "blind until you have saved: your labels are kept below, save them again.")
        return page(request, "passage.html", ctx, 409)
    except InvalidLabels as exc:
        return page(request, "passage.html", w.passage_context(user, doc_id, start, end, error=str(exc), form=form),
                    422)
    return RedirectResponse(w.next_in_queue(user, (doc_id, start, end)), status_code=303)


@router.get("/p/{doc_id}/{start}/{end}/image.png")
def passage_image(request: Request, doc_id: int, start: int, end: int):
    from pipeline.review.pageimage import NoImage, render_passage  # pillow and pdfium: only for this page

    user_of(request)
    w = workbench(request)
    source = w.source_of(doc_id)
    if source is None:
        return Response("no such passage", status_code=404, media_type="text/plain")
    path, sha = source
    d = w.load_document(doc_id)
    found = find_passage(d, start, end) if d else None
    if found is None or path is None:
        return Response("no such passage", status_code=404, media_type="text/plain")
    try:
        png = render_passage(path, sha, found[1].page, found[1].text)
    except NoImage as exc:
        return Response(str(exc), status_code=404, media_type="text/plain")
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})
