"""Timeline event status against the gold set: `python evaluation/timeline_status.py`.

Reads annotations/timeline_events.jsonl (event mentions annotated by hand from the demo corpus's
source texts: the exact sentence, the date as written, the event kind and its status held / planned /
cancelled / proposed), runs `pipeline.aggregate.timeline.event_status` on each sentence and writes
evaluation/timeline_status.json and timeline_status.md (accuracy, per-status precision/recall, the
always-"held" baseline, every miss)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from pipeline.aggregate.timeline import STATUSES, event_status  # noqa: E402


def evaluate(gold_file: Path) -> dict:
    rows = [json.loads(line) for line in gold_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    misses, pairs = [], []
    for r in rows:
        d0 = r["sentence"].index(r["date_text"])
        got = event_status(r["sentence"], d0, d0 + len(r["date_text"]), r.get("kind"))
        pairs.append((r["status"], got))
        if got != r["status"]:
            misses.append({"id": r["id"], "gold": r["status"], "predicted": got, "sentence": r["sentence"]})
    per = {}
    for st in STATUSES:
        tp = sum(g == st and p == st for g, p in pairs)
        n_gold = sum(g == st for g, _ in pairs)
        n_pred = sum(p == st for _, p in pairs)
        per[st] = {"gold": n_gold, "predicted": n_pred, "precision": round(tp / n_pred, 3) if n_pred else None,
                   "recall": round(tp / n_gold, 3) if n_gold else None}
    n = len(pairs)
    return {"n": n, "accuracy": round(sum(g == p for g, p in pairs) / n, 3),
            "baseline_always_held": round(sum(g == "held" for g, _ in pairs) / n, 3),
            "gold_counts": dict(Counter(g for g, _ in pairs)), "per_status": per, "misses": misses}


def write(res: dict, out: Path) -> None:
    (out / "timeline_status.json").write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    lines = ["# Timeline event status", "",
             "`python evaluation/timeline_status.py`: `event_status` on the hand-annotated event mentions of",
             "`annotations/timeline_events.jsonl` (sentences of the demo corpus's sources). The rules were written with",
             "this set in view, so the figure is optimistic for unseen text.", "",
             f"- mentions: {res['n']} ({', '.join(f'{k} {v}' for k, v in sorted(res['gold_counts'].items()))})",
             f"- accuracy: **{res['accuracy']:.3f}** (always 'held': {res['baseline_always_held']:.3f})", "",
             "| status | gold | predicted | precision | recall |", "|---|---|---|---|---|"]
    for st, v in res["per_status"].items():
        lines.append(f"| {st} | {v['gold']} | {v['predicted']} | {v['precision']} | {v['recall']} |")
    lines += ["", "## Misses", ""] + [f"- {m['id']}: gold {m['gold']}, predicted {m['predicted']}: {m['sentence']}"
                                      for m in res["misses"]]
    (out / "timeline_status.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    result = evaluate(ROOT / "annotations" / "timeline_events.jsonl")
    write(result, ROOT / "evaluation")
    print(f"timeline status accuracy {result['accuracy']:.3f} on {result['n']} mentions "
          f"(always held {result['baseline_always_held']:.3f}); wrote evaluation/timeline_status.md")
