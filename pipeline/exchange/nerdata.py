"""The store's entities as training data for other NER tools: a spaCy DocBin (entities.spacy) and JSONL
for doccano (doccano.jsonl: `text`, `label` [[start, end, LABEL]]) and Prodigy (prodigy.jsonl: `text`,
`spans` [{start, end, label}]).

One record per passage: a passage is a size an annotator can read, and its entities' offsets are
relative to the passage text (`meta` says where it lies in the document). An entity that crosses a
passage boundary is left out, and so is one that does not fall on spaCy token boundaries in the
DocBin (counted; the JSONL keeps it, character offsets need no tokens).
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.data import Document


def records(documents: list[Document]) -> list[dict]:
    """{text, spans [(start, end, label)], meta} per passage that holds at least one entity."""
    out = []
    for d in documents:
        for p in d.passages:
            spans = [(e.start - p.start, e.end - p.start, e.label) for e in d.entities
                     if p.start <= e.start and e.end <= p.end]
            if spans:
                out.append({"text": p.text, "spans": sorted(set(spans)),
                            "meta": {"doc": d.doc, "source": Path(d.source).name, "case": p.case, "start": p.start,
                                     "end": p.end, "page": p.page}})
    return out


def docbin(recs: list[dict], lang: str = "id"):
    """A spaCy DocBin of the records (tokenised by spacy.blank(lang)); returns (DocBin, entities dropped)."""
    import spacy
    from spacy.tokens import DocBin
    from spacy.util import filter_spans

    nlp = spacy.blank(lang)
    db, dropped = DocBin(store_user_data=True), 0
    for r in recs:
        doc = nlp.make_doc(r["text"])
        ents = []
        for s, e, label in r["spans"]:
            span = doc.char_span(s, e, label=label)
            if span is None:
                dropped += 1
            else:
                ents.append(span)
        kept = filter_spans(ents)
        dropped += len(ents) - len(kept)
        doc.ents = kept
        doc.user_data["meta"] = r["meta"]
        db.add(doc)
    return db, dropped


def write_ner(store, out_dir: Path | str, *, cases: list[str] | None = None) -> dict:
    from pipeline.exchange.gather import store_documents

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    recs = records(store_documents(store, cases, entities=True))
    db, dropped = docbin(recs)
    db.to_disk(out_dir / "entities.spacy")
    with open(out_dir / "doccano.jsonl", "w", encoding="utf-8") as fh:
        for r in recs:
            fh.write(json.dumps({"text": r["text"], "label": [list(s) for s in r["spans"]], "meta": r["meta"]},
                                ensure_ascii=False) + "\n")
    with open(out_dir / "prodigy.jsonl", "w", encoding="utf-8") as fh:
        for r in recs:
            fh.write(json.dumps({"text": r["text"], "spans": [{"start": s, "end": e, "label": lab} for s, e, lab in r["spans"]],
                                 "meta": r["meta"], "answer": "accept"}, ensure_ascii=False) + "\n")
    return {"path": str(out_dir), "passages": len(recs), "entities": sum(len(r["spans"]) for r in recs),
            "docbin_dropped": dropped}
