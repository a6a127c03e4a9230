"""Label Studio: passages as tasks with the model's labels as pre-annotations, a labelling config for
elements, stance and obstacle codes, and its JSON export brought back as reviews.

Each task's `data` carries the passage text and where it lies in the store (doc_key = the document's
path, start, end, text_sha), so the annotations of an export go back to the exact passage; a passage
whose text changed since is reported, not reviewed. Annotators are reviewers under their Label Studio
e-mail (or user id when the export has no e-mail).
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import quoteattr

from pipeline.data import Document
from pipeline.exchange.codebook import Codebook, CodebookError
from pipeline.store.reviews import text_sha

FROM = {"element": "elements", "stance": "stance", "obstacle": "obstacles"}


class LabelStudioError(ValueError):
    pass


def labelling_config(codebook: Codebook) -> str:
    """The project's labelling interface: the passage, its elements (several), its stance (one) and, for
    an obstacle, its obstacle codes (several); each choice's hint is the codebook definition."""
    def choices(kind: str, extra: str) -> str:
        items = "\n".join(f"    <Choice value={quoteattr(c.key)} hint={quoteattr(c.definition_en)}/>"
                          for c in codebook.of(kind))
        return f'  <Choices name="{FROM[kind]}" toName="text" {extra}>\n{items}\n  </Choices>'

    return "\n".join([
        "<View>",
        '  <Header value="$source · case $case · page $page"/>',
        '  <Text name="text" value="$text"/>',
        '  <Header value="Stance: evidence that an element is met (positive), is not (obstacle), or no evidence (neutral)"/>',
        choices("stance", 'choice="single-radio" required="true" showInline="true"'),
        '  <Header value="Elements the passage is evidence on (none for neutral)"/>',
        choices("element", 'choice="multiple" showInline="true"'),
        '  <Header value="Obstacle codes (only with the stance obstacle)"/>',
        choices("obstacle", 'choice="multiple" showInline="true"'),
        "</View>", ""])


def _result(kind: str, values: list[str], score: float | None = None) -> dict:
    r = {"from_name": FROM[kind], "to_name": "text", "type": "choices", "value": {"choices": list(values)}}
    if score is not None:
        r["score"] = round(float(score), 4)
    return r


def tasks(documents: list[Document], *, evidence_only: bool = False) -> list[dict]:
    """One task per passage; the model's labels as a prediction with its version and confidence (the
    probability of the stance it chose)."""
    out = []
    for d in documents:
        for p in d.passages:
            if evidence_only and p.stance == "neutral":
                continue
            conf = p.stance_scores.get(p.stance)
            result = [_result("stance", [p.stance], conf)]
            if p.elements:
                result.append(_result("element", p.elements,
                                      min(p.scores.get(e, 0.0) for e in p.elements) if p.scores else None))
            if p.obstacles:
                result.append(_result("obstacle", p.obstacles))
            pred = {"model_version": d.model or "unknown", "result": result}
            if conf is not None:
                pred["score"] = round(float(conf), 4)
            out.append({"data": {"text": p.text, "doc_key": d.path, "doc": d.doc, "source": Path(d.source).name,
                                 "doc_type": d.type, "case": p.case or "", "page": p.page, "start": p.start,
                                 "end": p.end, "text_sha": text_sha(p.text), "section": p.section or ""},
                        "predictions": [pred]})
    return out


def write_labelstudio(store, out_dir: Path | str, *, cases: list[str] | None = None, evidence_only: bool = False,
                      codebook: Codebook | None = None) -> dict:
    """tasks.json (import it into a Label Studio project) and config.xml (its labelling interface)."""
    from pipeline.exchange.codebook import load_codebook
    from pipeline.exchange.gather import store_documents

    codebook = codebook or load_codebook()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    items = tasks(store_documents(store, cases), evidence_only=evidence_only)
    (out_dir / "tasks.json").write_text(json.dumps(items, ensure_ascii=False, indent=1), encoding="utf-8")
    (out_dir / "config.xml").write_text(labelling_config(codebook), encoding="utf-8")
    return {"tasks": len(items), "path": str(out_dir / "tasks.json"), "config": str(out_dir / "config.xml")}


def _annotator(a: dict, users: dict[str, str]) -> str:
    """The annotator's reviewer name: `users` maps Label Studio user ids to names; else the e-mail when the
    export has it, else `labelstudio-user-<id>` (the JSON export gives only the id)."""
    who = a.get("completed_by")
    uid = str(who.get("id") if isinstance(who, dict) else who)
    if uid in users:
        return users[uid]
    if isinstance(who, dict) and who.get("email"):
        return who["email"]
    return a.get("created_username") or f"labelstudio-user-{uid}"


def codings_from_export(path: Path | str, codebook: Codebook, users: dict[str, str] | None = None) -> tuple[list, list[str]]:
    """The annotations of a Label Studio JSON export as ImportedCoding rows (the latest one per task and
    annotator; cancelled ones skipped), and the problems met."""
    from pipeline.exchange.reviews import ImportedCoding

    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LabelStudioError(f"{path}: cannot read a Label Studio JSON export ({exc})") from None
    if not isinstance(data, list):
        raise LabelStudioError(f"{path}: a Label Studio JSON export is a list of tasks; this file holds a "
                               f"{type(data).__name__} (export the project as JSON, not JSON_MIN or CSV)")
    allowed = {FROM[c.kind]: {x.key for x in codebook.of(c.kind)} for c in codebook.codes}
    codings, problems = [], []
    for task in data:
        d = task.get("data") or {}
        if not all(k in d for k in ("doc_key", "start", "end", "text_sha")):
            problems.append(f"task {task.get('id')}: its data has no doc_key/start/end/text_sha (not exported by "
                            "sistercity); skipped")
            continue
        latest: dict[str, dict] = {}
        for a in task.get("annotations") or []:
            if a.get("was_cancelled"):
                continue
            who = _annotator(a, users or {})
            if who not in latest or (a.get("updated_at") or "") >= (latest[who].get("updated_at") or ""):
                latest[who] = a
        for who, a in latest.items():
            chosen = {"elements": [], "stance": [], "obstacles": []}
            try:
                for r in a.get("result") or []:
                    name = r.get("from_name")
                    if name not in chosen:
                        raise CodebookError(f"a result from {name!r}, which the sistercity labelling config does not have")
                    values = list((r.get("value") or {}).get("choices") or [])
                    unknown = [v for v in values if v not in allowed[name]]
                    if unknown:
                        raise CodebookError(f"unknown {name} {', '.join(unknown)}")
                    chosen[name] += values
                if len(chosen["stance"]) > 1:
                    raise CodebookError("several stances chosen")
            except CodebookError as exc:
                problems.append(f"task {task.get('id')} ({who}): {exc}; skipped")
                continue
            codings.append(ImportedCoding(doc_key=d["doc_key"], start=int(d["start"]), end=int(d["end"]), user=who,
                                          elements=chosen["elements"], stance=(chosen["stance"] or [None])[0],
                                          obstacles=chosen["obstacles"], at=a.get("updated_at") or a.get("created_at"),
                                          text_sha=d["text_sha"], doc=d.get("doc")))
    return codings, problems


def import_labelstudio(store, path: Path | str, *, codebook: Codebook | None = None,
                       users: dict[str, str] | None = None):
    """Save a Label Studio JSON export's annotations as reviews (pipeline/exchange/reviews.py); `users` maps
    Label Studio user ids to reviewer names."""
    from pipeline.exchange.codebook import load_codebook
    from pipeline.exchange.reviews import save_codings

    codebook = codebook or load_codebook()
    codings, problems = codings_from_export(path, codebook, users)
    report = save_codings(store, codings, origin=Path(path).name)
    report.problems[:0] = problems
    return report
