"""Figures on real published texts (`sistercity evaluate --real DIR`).

DIR is a folder of city pairs in the format of `../shared/realdev/` (its README
says how each figure is computed, and this module computes them exactly so):
per pair a `case.toml`, the texts `*.txt`, the authors' own verdicts and
obstacles (`gold.json`) and codebook labels of sentences (`sentences.jsonl`).

The main job's stages run over the pairs as one inbox (case.toml and *.txt
copied, nothing else), with the default settings, once per model version
compared; then:
- verdicts exact / within one step, over the elements whose gold status is
  stated (not_fulfilled < partial < fulfilled; insufficient_evidence is never
  within one);
- obstacle code recall: of each pair's distinct gold codes, the share among the
  obstacles the verdicts report for that case;
- sentence figures: each labelled sentence is found in its document's
  extracted text (lowercased letters and digits compared) and predicted by the
  passage that overlaps it most: element F1 macro-averaged, stance accuracy,
  obstacle micro-F1 over the sentences whose gold stance is obstacle.
Baselines: every sentence neutral, and every stated verdict `partial`.

Nothing of DIR is stored or learnt from: it is read in place, scored and
forgotten. This is measurement code; the product never imports it.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.data import ELEMENTS, Document, Verdict
from pipeline.ingest.cases import load_case

log = logging.getLogger(__name__)

ORDER = {"not_fulfilled": 0, "partial": 1, "fulfilled": 2}
STANCES = ("positive", "obstacle", "neutral")


@dataclass
class Pair:
    slug: str
    folder: Path
    gold: dict
    sentences: list[dict]
    files: list[Path] = field(default_factory=list)
    case: str = ""  # the slug its case.toml gives (what the verdicts are keyed by)


def load_pairs(root: Path, only: list[str] | None = None) -> list[Pair]:
    """Every sub-folder of `root` with a case.toml and a gold.json, in name order."""
    pairs = []
    for folder in sorted(p for p in Path(root).iterdir() if p.is_dir()):
        if not (folder / "case.toml").exists() or not (folder / "gold.json").exists():
            continue
        if only and folder.name not in only:
            continue
        sentences_file = folder / "sentences.jsonl"
        sentences = ([json.loads(line) for line in sentences_file.read_text(encoding="utf-8").splitlines() if line.strip()]
                     if sentences_file.exists() else [])
        pairs.append(Pair(folder.name, folder, json.loads((folder / "gold.json").read_text(encoding="utf-8")), sentences,
                          sorted(folder.glob("*.txt")), load_case(folder / "case.toml").slug))
    if not pairs:
        raise FileNotFoundError(f"{root}: no pair folders with case.toml and gold.json")
    return pairs


def make_inbox(pairs: list[Pair], target: Path) -> Path:
    """The inbox the main job reads: case.toml and *.txt of each pair, nothing else."""
    for pair in pairs:
        dest = target / pair.slug
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy2(pair.folder / "case.toml", dest / "case.toml")
        for f in pair.files:
            shutil.copy2(f, dest / f.name)
    return target


# ------------------------------------------------------------------ running the main job's stages
def run_stages(inbox: Path, model_version: str | None, *, models_folder: Path | None = None,
               lang: str = "id") -> tuple[list[Document], dict[str, dict[str, Verdict]], dict]:
    """What `sistercity run` does to an inbox, without the store or Prefect: the same stage functions
    (extract, NLP, classify, then aggregate over every document and case), default settings."""
    from pipeline.config import Settings
    from pipeline.ingest.discover import discover
    from pipeline.stages import aggregate_stage, load_models, run_document

    settings = Settings(inbox=inbox, model_version=model_version, ocr=False, lang=lang)
    if models_folder:
        settings.models = models_folder
    cases, found = discover(inbox)
    models = load_models(str(settings.models), model_version)
    documents = [run_document(f.path, f.case, cases, models, settings) for f in found]
    slugs = {c.slug for c in cases} | {p.case for d in documents for p in d.passages if p.case}
    verdicts = aggregate_stage(documents, slugs, cases=cases, lang=lang)
    return documents, verdicts, models.versions


@dataclass
class StagedPairs:
    """The real pairs run once through the stages with the shipped model, ready to be re-aggregated under
    other verdict rules (evaluation scripts): documents, the inbox's cases, the case slugs, the model's rules."""
    pairs: list[Pair]
    documents: list[Document]
    cases: list
    slugs: set[str]
    thresholds: object
    model: str | None


def stage_pairs(root: Path, model_version: str | None = None) -> StagedPairs:
    from pipeline.ingest.discover import discover
    from pipeline.stages import shipped_thresholds

    pairs = load_pairs(root)
    with tempfile.TemporaryDirectory(prefix="sistercity-real-") as tmp:
        inbox = make_inbox(pairs, Path(tmp) / "inbox")
        documents, _, versions = run_stages(inbox, model_version)
        cases, _ = discover(inbox)
    slugs = {c.slug for c in cases} | {p.case for d in documents for p in d.passages if p.case}
    thresholds = shipped_thresholds((d.model for d in documents if d.status == "ok"), False, None)
    return StagedPairs(pairs, documents, cases, slugs, thresholds, versions.get("passage_classifier"))


# ------------------------------------------------------------------ sentence alignment
_KEEP = re.compile(r"[^\W_]", re.UNICODE)


def _normalised(text: str) -> tuple[str, list[int]]:
    """Lowercased letters and digits of `text`, with the offset in `text` of each kept character."""
    chars, offsets = [], []
    for i, ch in enumerate(text):
        if _KEEP.match(ch):
            chars.append(ch.lower())
            offsets.append(i)
    return "".join(chars), offsets


def locate(sentence: str, doc_norm: tuple[str, list[int]]) -> tuple[int, int] | None:
    """Character span of `sentence` in the document text whose normalised form is `doc_norm`."""
    needle, _ = _normalised(sentence)
    hay, offsets = doc_norm
    if not needle:
        return None
    at = hay.find(needle)
    if at < 0:
        return None
    return offsets[at], offsets[at + len(needle) - 1] + 1


def overlapping_passage(doc: Document, start: int, end: int):
    best, best_overlap = None, 0
    for p in doc.passages:
        overlap = min(end, p.end) - max(start, p.start)
        if overlap > best_overlap:
            best, best_overlap = p, overlap
    return best


# ------------------------------------------------------------------ figures
def _f1(tp: int, fp: int, fn: int) -> float:
    return round(2 * tp / (2 * tp + fp + fn), 4) if tp else 0.0


def sentence_rows(pair: Pair, documents: dict[str, Document],
                  norms: dict[str, tuple[str, list[int]]] | None = None) -> list[dict]:
    """Each labelled sentence with the prediction of the passage that overlaps it most. `norms`: the documents'
    normalised texts by file, filled as they are needed (entity_rows shares them)."""
    norms = {} if norms is None else norms
    rows = []
    for index, s in enumerate(pair.sentences):
        doc = documents.get(s["file"])
        # no text: the set's sentences are never copied into the project; `index` is the line in sentences.jsonl
        row = {"pair": pair.slug, "file": s["file"], "index": index, "gold_elements": sorted(s.get("elements") or []),
               "gold_stance": s["stance"], "gold_obstacles": sorted(s.get("obstacles") or []), "found": False,
               "pred_elements": [], "pred_stance": "neutral", "pred_obstacles": [], "pred_case": None}
        if doc is not None and doc.status == "ok":
            if s["file"] not in norms:
                norms[s["file"]] = _normalised(doc.text)
            span = locate(s["text"], norms[s["file"]])
            if span:
                row["found"] = True
                p = overlapping_passage(doc, *span)
                if p is not None:
                    # a passage attributed to another case is not evidence for this one, but its labels are
                    # still the model's reading of the sentence
                    row.update(pred_elements=sorted(p.elements), pred_stance=p.stance,
                               pred_obstacles=sorted(p.obstacles), pred_case=p.case,
                               passage=[p.start, p.end])
        rows.append(row)
    return rows


def iso_span(value: str | None) -> tuple[str, str] | None:
    """The first and last day an ISO 8601 date or interval covers: "2012" and "2012-01-01/2012-12-31" are the
    same year written at two precisions, "2022-12" is 2022-12-01..2022-12-31, "2027/2028" 2027-01-01..2028-12-31."""
    import calendar
    import datetime

    def bounds(part: str) -> tuple[str, str] | None:
        bits = part.strip().split("-")
        try:
            if len(bits) == 1 and len(bits[0]) == 4:
                return f"{bits[0]}-01-01", f"{bits[0]}-12-31"
            if len(bits) == 2:
                y, m = int(bits[0]), int(bits[1])
                return f"{y:04d}-{m:02d}-01", f"{y:04d}-{m:02d}-{calendar.monthrange(y, m)[1]:02d}"
            if len(bits) == 3:
                day = datetime.date(*(int(b) for b in bits))  # ValueError for a day that does not exist
                return (day.isoformat(),) * 2
        except (ValueError, calendar.IllegalMonthError):
            return None
        return None

    if not value:
        return None
    parts = value.split("/")
    if len(parts) > 2:
        return None
    spans = [bounds(p) for p in parts]
    if any(sp is None for sp in spans):
        return None
    return spans[0][0], spans[-1][1]


def entity_rows(pair: Pair, documents: dict[str, Document],
                norms: dict[str, tuple[str, list[int]]] | None = None) -> list[dict]:
    """The dates and agencies the authors state (gold.json `dates`, `orgs`), each looked up in the pair's
    extracted texts as the sentences are: found when a DATE (ORG) entity of the pipeline overlaps an
    occurrence, the date also normalised when that entity's ISO value covers the same days as the gold one
    (`iso_span`: "2012" and "2012-01-01/2012-12-31" agree), the agency also
    exact when the entity's span is the occurrence itself. Rows carry the index in gold.json, not the text."""
    norms = {} if norms is None else norms
    for name, d in documents.items():
        if d.status == "ok" and name not in norms:
            norms[name] = _normalised(d.text)
    rows = []
    for kind, label, items in (("date", "DATE", pair.gold.get("dates") or []),
                               ("org", "ORG", [{"text": o} for o in pair.gold.get("orgs") or []])):
        for index, item in enumerate(items):
            row = {"pair": pair.slug, "kind": kind, "index": index, "located": False, "found": False, "exact": False}
            if kind == "date":
                row["gold"] = item.get("iso")
            for name in (n for n, d in documents.items() if d.status == "ok"):
                span = locate(item["text"], norms[name])
                if not span:
                    continue
                row["located"] = True
                hits = [e for e in documents[name].entities
                        if e.label == label and min(e.end, span[1]) > max(e.start, span[0])]
                if not hits:
                    continue
                row["found"] = True
                if kind == "date":
                    row["predicted"] = sorted({e.normalized or "" for e in hits})
                    gold_span = iso_span(item.get("iso"))
                    row["exact"] = row["exact"] or any(gold_span is not None and iso_span(e.normalized) == gold_span
                                                       for e in hits)
                else:
                    row["exact"] = row["exact"] or any((e.start, e.end) == span for e in hits)
                if row["exact"]:
                    break
            rows.append(row)
    return rows


def entity_figures(rows: list[dict]) -> dict:
    out = {}
    for kind in ("date", "org"):
        located = [r for r in rows if r["kind"] == kind and r["located"]]
        found = [r for r in located if r["found"]]
        out[kind] = {"gold": sum(r["kind"] == kind for r in rows), "located": len(located),
                     "recall": round(len(found) / len(located), 4) if located else None,
                     # dates: of the found ones, the share whose ISO value is the gold one; agencies: exact spans
                     "exact": round(sum(r["exact"] for r in found) / len(found), 4) if found else None}
    return out


def sentence_figures(rows: list[dict]) -> dict:
    found = [r for r in rows if r["found"]]
    per_element = {}
    for el in ELEMENTS:
        tp = sum(el in r["gold_elements"] and el in r["pred_elements"] for r in found)
        fp = sum(el not in r["gold_elements"] and el in r["pred_elements"] for r in found)
        fn = sum(el in r["gold_elements"] and el not in r["pred_elements"] for r in found)
        per_element[el] = {"f1": _f1(tp, fp, fn), "gold": tp + fn, "predicted": tp + fp}
    obstacle_rows = [r for r in found if r["gold_stance"] == "obstacle"]
    tp = sum(len(set(r["gold_obstacles"]) & set(r["pred_obstacles"])) for r in obstacle_rows)
    fp = sum(len(set(r["pred_obstacles"]) - set(r["gold_obstacles"])) for r in obstacle_rows)
    fn = sum(len(set(r["gold_obstacles"]) - set(r["pred_obstacles"])) for r in obstacle_rows)
    confusion = Counter((r["gold_stance"], r["pred_stance"]) for r in found)
    n = len(found)
    return {
        "sentences": len(rows), "found": n,
        "element_macro_f1": round(sum(v["f1"] for v in per_element.values()) / len(ELEMENTS), 4),
        "per_element": per_element,
        "stance_accuracy": round(sum(r["gold_stance"] == r["pred_stance"] for r in found) / n, 4) if n else 0.0,
        "stance_confusion": {f"{g}->{p}": c for (g, p), c in sorted(confusion.items())},
        "obstacle_micro_f1": _f1(tp, fp, fn),
        "obstacle_sentences": len(obstacle_rows),
    }


def verdict_rows(pair: Pair, verdicts: dict[str, dict[str, Verdict]]) -> list[dict]:
    case_verdicts = verdicts.get(pair.case, {})
    rows = []
    for el in ELEMENTS:
        gold = (pair.gold.get("elements") or {}).get(el, {}).get("status", "not_stated")
        if gold == "not_stated":
            continue
        v = case_verdicts.get(el)
        pred = v.status if v else "insufficient_evidence"
        rows.append({"pair": pair.slug, "element": el, "gold": gold, "predicted": pred,
                     "evidence_status": (v.evidence_status if v else None) or pred,
                     "basis": v.basis if v else None,
                     "published": v.published_assessment if v else None,
                     "score": round(v.score, 3) if v else None,
                     "n_evidence": len(v.evidence) if v else 0,
                     "exact": pred == gold,
                     "within_one": pred in ORDER and abs(ORDER[pred] - ORDER[gold]) <= 1})
    return rows


def obstacle_recall(pair: Pair, verdicts: dict[str, dict[str, Verdict]]) -> dict:
    gold = {o["code"] for o in pair.gold.get("obstacles") or []}
    reported = {o.code for v in verdicts.get(pair.case, {}).values() for o in v.obstacles}
    return {"gold": sorted(gold), "reported": sorted(reported), "found": sorted(gold & reported),
            "recall": round(len(gold & reported) / len(gold), 4) if gold else None}


def verdict_figures(rows: list[dict]) -> dict:
    n = len(rows)
    return {"cells": n,
            "exact": round(sum(r["exact"] for r in rows) / n, 4) if n else None,
            "within_one": round(sum(r["within_one"] for r in rows) / n, 4) if n else None,
            "predicted": dict(Counter(r["predicted"] for r in rows)),
            "gold": dict(Counter(r["gold"] for r in rows))}


def pooled_obstacle_recall(per_pair: dict[str, dict]) -> float | None:
    gold = sum(len(v["gold"]) for v in per_pair.values())
    found = sum(len(v["found"]) for v in per_pair.values())
    return round(found / gold, 4) if gold else None


def baselines(pairs: list[Pair]) -> dict:
    rows = [{"gold_stance": s["stance"], "gold_elements": s.get("elements") or [], "gold_obstacles": s.get("obstacles") or [],
             "pred_stance": "neutral", "pred_elements": [], "pred_obstacles": [], "found": True}
            for p in pairs for s in p.sentences]
    neutral = sentence_figures(rows)
    cells = [(p.gold.get("elements") or {}).get(el, {}).get("status", "not_stated") for p in pairs for el in ELEMENTS]
    cells = [c for c in cells if c != "not_stated"]
    def share(value: str) -> float | None:
        return round(sum(c == value for c in cells) / len(cells), 4) if cells else None

    return {"always_neutral": {k: neutral[k] for k in ("stance_accuracy", "element_macro_f1", "obstacle_micro_f1")},
            "always_partial": {"verdicts_exact": share("partial"), "verdicts_within_one": 1.0 if cells else None},
            # the majority value of a set: on a set whose authors mostly say "fulfilled", saying it everywhere
            # already scores high, which a verdict figure must be read against
            "always_fulfilled": {"verdicts_exact": share("fulfilled"),
                                 "verdicts_within_one": round(sum(c in ("fulfilled", "partial") for c in cells) / len(cells), 4)
                                 if cells else None}}


def evaluate_version(pairs: list[Pair], inbox: Path, version: str | None, models_folder: Path | None = None) -> dict:
    documents, verdicts, versions = run_stages(inbox, version, models_folder=models_folder)
    by_pair: dict[str, dict[str, Document]] = {}
    for d in documents:
        if d.path:
            by_pair.setdefault(Path(d.path).parent.name, {})[d.source] = d
    sentence_all, verdict_all, entity_all, per_pair, obstacles = [], [], [], {}, {}
    for pair in pairs:
        norms: dict[str, tuple[str, list[int]]] = {}  # each text normalised once, for both kinds of rows
        srows = sentence_rows(pair, by_pair.get(pair.slug, {}), norms)
        erows = entity_rows(pair, by_pair.get(pair.slug, {}), norms)
        entity_all += erows
        vrows = verdict_rows(pair, verdicts)
        obstacles[pair.slug] = obstacle_recall(pair, verdicts)
        sentence_all += srows
        verdict_all += vrows
        per_pair[pair.slug] = {"sentences": sentence_figures(srows) if srows else None,
                               "verdicts": verdict_figures(vrows), "obstacle_recall": obstacles[pair.slug]["recall"],
                               "entities": entity_figures(erows),
                               "documents": len(by_pair.get(pair.slug, {})),
                               "failed": [d.source for d in by_pair.get(pair.slug, {}).values() if d.status != "ok"]}
    return {"model": versions.get("passage_classifier"),
            "pooled": {"sentences": sentence_figures(sentence_all), "verdicts": verdict_figures(verdict_all),
                       "obstacle_code_recall": pooled_obstacle_recall(obstacles),
                       "entities": entity_figures(entity_all)},
            "per_pair": per_pair, "obstacles": obstacles,
            "verdict_rows": verdict_all, "sentence_rows": sentence_all}


BOOTSTRAP_FIGURES = ("verdicts_exact", "verdicts_within_one", "stance_accuracy", "element_macro_f1")


def _pooled_figures(sentence_rows_: list[dict], verdict_rows_: list[dict]) -> dict[str, float | None]:
    v = verdict_figures(verdict_rows_)
    s = sentence_figures(sentence_rows_) if any(r["found"] for r in sentence_rows_) else {}
    return {"verdicts_exact": v["exact"], "verdicts_within_one": v["within_one"],
            "stance_accuracy": s.get("stance_accuracy"), "element_macro_f1": s.get("element_macro_f1")}


def pair_bootstrap(versions: dict[str, dict], resamples: int = 1000, seed: int = 0) -> dict:
    """How far the pooled figures move when the set had held other pairs like these: the pairs are resampled
    with replacement (`resamples` times, the same draws for every version) and the pooled figures recomputed.
    Per version the 2.5th and 97.5th percentiles; for each version after the first, the share of draws in which
    it scores higher than the first, and lower (ties are neither). Pairs, not sentences, are the unit that was
    sampled, and the sentences and cells of one pair are not independent of each other."""
    import random

    names = list(versions)
    if not names:
        return {}
    slugs = sorted({r["pair"] for v in versions.values() for r in v["verdict_rows"] + v["sentence_rows"]})
    by_pair = {n: {slug: ([r for r in v["sentence_rows"] if r["pair"] == slug],
                          [r for r in v["verdict_rows"] if r["pair"] == slug]) for slug in slugs}
               for n, v in versions.items()}
    rng = random.Random(seed)
    draws = [[rng.choice(slugs) for _ in slugs] for _ in range(resamples)]
    figures: dict[str, list[dict]] = {n: [] for n in names}
    for draw in draws:
        for n in names:
            sent = [r for slug in draw for r in by_pair[n][slug][0]]
            verd = [r for slug in draw for r in by_pair[n][slug][1]]
            figures[n].append(_pooled_figures(sent, verd))

    def interval(values: list[float]) -> list[float] | None:
        if not values:
            return None
        values = sorted(values)
        return [round(values[int(0.025 * (len(values) - 1))], 4), round(values[int(0.975 * (len(values) - 1))], 4)]

    out: dict = {"resamples": resamples, "pairs": len(slugs), "intervals": {}, "against_first": {}}
    for n in names:
        out["intervals"][n] = {k: interval([f[k] for f in figures[n] if f[k] is not None]) for k in BOOTSTRAP_FIGURES}
    for n in names[1:]:
        out["against_first"][n] = {}
        for k in BOOTSTRAP_FIGURES:
            pairs_ = [(a[k], b[k]) for a, b in zip(figures[names[0]], figures[n]) if a[k] is not None and b[k] is not None]
            out["against_first"][n][k] = {"higher": round(sum(b > a for a, b in pairs_) / len(pairs_), 3) if pairs_ else None,
                                          "lower": round(sum(b < a for a, b in pairs_) / len(pairs_), 3) if pairs_ else None}
    return out


def run_real_evaluation(root: Path, out: Path, versions: list[str | None], *, only: list[str] | None = None,
                        in_corpus: Path | None = None, models_folder: Path | None = None) -> dict:
    """Score each model version on the pairs under `root`; write real.json and REAL.md into `out`
    (and the rows behind every figure into real_rows.jsonl, for error analysis: labels and predictions
    with the sentence's line in sentences.jsonl, never its text; not kept in the repository)."""
    pairs = load_pairs(root, only)
    results: dict = {"root": str(root), "pairs": [p.slug for p in pairs], "baselines": baselines(pairs), "versions": {}}
    with tempfile.TemporaryDirectory(prefix="sistercity-real-") as tmp:
        inbox = make_inbox(pairs, Path(tmp) / "inbox")
        for version in versions:
            res = evaluate_version(pairs, inbox, version, models_folder)
            results["versions"][res["model"]] = res
    results["bootstrap"] = pair_bootstrap(results["versions"])
    if in_corpus and in_corpus.exists():
        results["in_corpus"] = _in_corpus_figures(in_corpus)
    out.mkdir(parents=True, exist_ok=True)
    rows_path = out / "real_rows.jsonl"
    with rows_path.open("w", encoding="utf-8") as fh:
        for name, res in results["versions"].items():
            for kind in ("verdict_rows", "sentence_rows"):
                for row in res[kind]:
                    fh.write(json.dumps({"model": name, "kind": kind[:-5], **row}, ensure_ascii=False) + "\n")
    slim = {**results, "versions": {k: {kk: vv for kk, vv in v.items() if kk != "sentence_rows"}
                                    for k, v in results["versions"].items()}}
    (out / "real.json").write_text(json.dumps(slim, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "REAL.md").write_text(render_markdown(slim), encoding="utf-8")
    return slim


def _in_corpus_figures(results_json: Path) -> dict:
    data = json.loads(results_json.read_text(encoding="utf-8"))
    clf = data.get("classifier", {}).get("overall", {})
    return {"source": results_json.name,
            "element_macro_f1": clf.get("element_macro_f1"), "stance_accuracy": clf.get("stance_accuracy"),
            "obstacle_micro_f1": clf.get("obstacle_micro_f1"),
            "verdicts": data.get("verdicts", {}).get("agreement")}


BARS = {"verdicts_exact": 0.75, "verdicts_within_one": 0.95, "stance_accuracy": 0.82, "element_macro_f1": 0.55,
        "obstacle_code_recall": 0.60}
HUMANS = {"verdicts_exact": 0.79, "verdicts_within_one": 1.0, "stance_accuracy": 0.88, "element_macro_f1": 0.69,
          "obstacle_micro_f1": 0.90}


def _fmt(x) -> str:
    return "–" if x is None else f"{x:.3f}" if isinstance(x, float) else str(x)


def render_markdown(res: dict) -> str:
    names = list(res["versions"])
    lines = ["# Figures on real published texts", "",
             f"Written by `sistercity evaluate --real {res['root']}` (`make evaluate-real`). The main job's stages ran "
             f"over {len(res['pairs'])} real city pairs as one inbox with default settings; figures as defined in "
             "the set's README. The texts are read in place and never stored or learnt from.", "",
             "## Pooled", "",
             "| figure | " + " | ".join(names) + " | always neutral / partial | second reader | bar |",
             "|---|" + "---|" * len(names) + "---|---|---|"]
    base = res["baselines"]

    def row(label, key, get, base_value, human):
        vals = " | ".join(_fmt(get(res["versions"][n]["pooled"])) for n in names)
        lines.append(f"| {label} | {vals} | {_fmt(base_value)} | {_fmt(human)} | {_fmt(BARS.get(key))} |")

    row("verdicts exact", "verdicts_exact", lambda p: p["verdicts"]["exact"], base["always_partial"]["verdicts_exact"],
        HUMANS["verdicts_exact"])
    row("verdicts within one step", "verdicts_within_one", lambda p: p["verdicts"]["within_one"],
        base["always_partial"]["verdicts_within_one"], HUMANS["verdicts_within_one"])
    row("obstacle code recall", "obstacle_code_recall", lambda p: p["obstacle_code_recall"], 0.0, None)
    row("sentence stance accuracy", "stance_accuracy", lambda p: p["sentences"]["stance_accuracy"],
        base["always_neutral"]["stance_accuracy"], HUMANS["stance_accuracy"])
    row("sentence element macro-F1", "element_macro_f1", lambda p: p["sentences"]["element_macro_f1"],
        base["always_neutral"]["element_macro_f1"], HUMANS["element_macro_f1"])
    row("sentence obstacle micro-F1", "obstacle_micro_f1", lambda p: p["sentences"]["obstacle_micro_f1"],
        base["always_neutral"]["obstacle_micro_f1"], HUMANS["obstacle_micro_f1"])
    first = res["versions"][names[0]]["pooled"]
    af = base.get("always_fulfilled") or {}
    lines += ["", f"{first['verdicts']['cells']} verdict cells (gold stated: {first['verdicts']['gold']}); "
              f"{first['sentences']['found']} of {first['sentences']['sentences']} labelled sentences found in the "
              "extracted texts. Verdict baseline in the table: every stated cell `partial`; calling every cell "
              f"`fulfilled` scores {_fmt(af.get('verdicts_exact'))} exact and {_fmt(af.get('verdicts_within_one'))} "
              "within one step here, so read the verdict rows against the gold's make-up. Sentence baseline: every "
              "sentence neutral. Second reader: blind human coders on the same kind of material (the set's README)."]
    boot = res.get("bootstrap") or {}
    if boot.get("intervals"):
        lines += ["", f"## How far the pooled figures could move ({boot['pairs']} pairs resampled with replacement, "
                  f"{boot['resamples']} draws)", "",
                  "A figure's 95% interval over the draws: what another set of pairs like these could give. For each model "
                  f"after the first, the share of draws in which it scores higher / lower than {names[0]}.", "",
                  "| figure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
        labels = {"verdicts_exact": "verdicts exact", "verdicts_within_one": "verdicts within one step",
                  "stance_accuracy": "sentence stance accuracy", "element_macro_f1": "sentence element macro-F1"}
        for key in BOOTSTRAP_FIGURES:
            cells = []
            for i, n in enumerate(names):
                iv = boot["intervals"].get(n, {}).get(key)
                cell = f"{_fmt(iv[0])}-{_fmt(iv[1])}" if iv else "–"
                vs = boot.get("against_first", {}).get(n, {}).get(key) if i else None
                if vs and vs.get("higher") is not None:
                    cell += f" (higher {vs['higher']:.2f} / lower {vs['lower']:.2f})"
                cells.append(cell)
            lines.append(f"| {labels[key]} | " + " | ".join(cells) + " |")
    if res.get("in_corpus"):
        ic = res["in_corpus"]
        lines += ["", "## In-corpus, leave-one-case-out (`sistercity evaluate`, evaluation/results.json)", "",
                  "| element macro-F1 | stance accuracy | obstacle micro-F1 | verdicts |", "|---|---|---|---|",
                  f"| {_fmt(ic['element_macro_f1'])} | {_fmt(ic['stance_accuracy'])} | {_fmt(ic['obstacle_micro_f1'])} | "
                  f"{_fmt(ic['verdicts'])} |"]
    if first.get("entities"):
        lines += ["", "## Dates and agencies the authors state", "",
                  "Each of gold.json's `dates` and `orgs` looked up in its pair's extracted texts (as the sentences are); "
                  "found: a DATE / ORG entity overlaps it; exact: the date's ISO value covers the same days as the gold one "
                  "(\"2012\" and \"2012-01-01/2012-12-31\" agree), the agency's span is "
                  "the stated name itself (of those found). The NER and the date rules are the same for every model "
                  "version.", "", "| kind | gold | located in the texts | found | exact |", "|---|---|---|---|---|"]
        for kind, label in (("date", "dates"), ("org", "agencies")):
            e = first["entities"][kind]
            lines.append(f"| {label} | {e['gold']} | {e['located']} | {_fmt(e['recall'])} | {_fmt(e['exact'])} |")
    lines += ["", "## Per element (sentences, " + names[0] + ")", "", "| element | F1 | gold | predicted |", "|---|---|---|---|"]
    for el, v in first["sentences"]["per_element"].items():
        lines.append(f"| {el} | {_fmt(v['f1'])} | {v['gold']} | {v['predicted']} |")
    lines += ["", "Stance confusion (gold->predicted): "
              + ", ".join(f"{k} {v}" for k, v in first["sentences"]["stance_confusion"].items())]
    lines += ["", "## Per pair", "", "| pair | model | verdicts exact | within one | cells | obstacle recall | stance acc. | "
              "element F1 | sentences |", "|---|---|---|---|---|---|---|---|---|"]
    for slug in res["pairs"]:
        for n in names:
            pp = res["versions"][n]["per_pair"][slug]
            s = pp["sentences"] or {}
            lines.append(f"| {slug} | {n} | {_fmt(pp['verdicts']['exact'])} | {_fmt(pp['verdicts']['within_one'])} | "
                         f"{pp['verdicts']['cells']} | {_fmt(pp['obstacle_recall'])} | {_fmt(s.get('stance_accuracy'))} | "
                         f"{_fmt(s.get('element_macro_f1'))} | {s.get('found', 0)} |")
    return "\n".join(lines) + "\n"
