"""How does the corpus label text like the real sentences the model gets wrong?

    python evaluation/label_neighbours.py [--real ../shared/realdev] [--rows evaluation/real_rows.jsonl]

For the real sentences of `sistercity evaluate --real` (its rows file, written by that command and not kept
in the repository), grouped by gold and predicted stance, the gold stance of their ten nearest corpus passages
by sentence embedding (pipeline/classify/embed.py, cosine). If the real positives the model misses have mostly
neutral neighbours, the corpus labels text like them neutral: a labelling convention, which more data written
and labelled the same way will not fix. Writes evaluation/label_neighbours.md (figures only, no text).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from pipeline.classify.embed import embed
from pipeline.classify.train import load_examples
from pipeline.paths import PROJECT_DIR

K = 10
GROUPS = {"positive, predicted neutral": ("positive", "neutral"), "positive, predicted positive": ("positive", "positive"),
          "neutral, predicted neutral": ("neutral", "neutral"), "neutral, predicted positive": ("neutral", "positive"),
          "obstacle, predicted neutral": ("obstacle", "neutral"), "obstacle, predicted obstacle": ("obstacle", "obstacle")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--real", type=Path, default=PROJECT_DIR.parent / "shared" / "realdev")
    ap.add_argument("--rows", type=Path, default=PROJECT_DIR / "evaluation" / "real_rows.jsonl")
    ap.add_argument("--model", default="passage_clf.v6")
    args = ap.parse_args()
    examples = load_examples(PROJECT_DIR / "annotations" / "passages.jsonl")
    corpus = embed([e.text for e in examples])
    corpus /= np.linalg.norm(corpus, axis=1, keepdims=True)
    stance = np.array([e.stance for e in examples])
    texts = {}
    for path in sorted(args.real.glob("*/sentences.jsonl")):
        for i, line in enumerate(path.open(encoding="utf-8")):
            texts[(path.parent.name, i)] = json.loads(line)["text"]
    rows = [json.loads(line) for line in args.rows.open(encoding="utf-8")]
    rows = [r for r in rows if r["model"] == args.model and r["kind"] == "sentence" and r.get("found", True)]
    out = {"model": args.model, "corpus_passages": len(examples), "k": K, "groups": {}}
    for name, (gold, pred) in GROUPS.items():
        group = [r for r in rows if r["gold_stance"] == gold and r["pred_stance"] == pred]
        if not group:
            continue
        q = embed([texts[(r["pair"], r["index"])] for r in group])
        q /= np.linalg.norm(q, axis=1, keepdims=True)
        sims = q @ corpus.T
        top = np.argsort(-sims, axis=1)[:, :K]
        out["groups"][name] = {"sentences": len(group),
                               **{f"neighbours_{s}": round(float(np.mean([np.mean(stance[t] == s) for t in top])), 3)
                                  for s in ("positive", "obstacle", "neutral")},
                               "mean_similarity": round(float(np.mean(np.take_along_axis(sims, top, 1))), 3)}
    lines = ["# Corpus labels of the real sentences' nearest neighbours", "",
             f"Written by `python evaluation/label_neighbours.py` from the rows of `sistercity evaluate --real` "
             f"({args.model}); for each real labelled sentence, its {K} nearest of the corpus's "
             f"{len(examples)} gold passages by sentence embedding (cosine), and the share of their gold stances.", "",
             "| real sentences (gold, predicted) | n | neighbours positive | obstacle | neutral | mean similarity |",
             "|---|---|---|---|---|---|"]
    for name, g in out["groups"].items():
        lines.append(f"| {name} | {g['sentences']} | {g['neighbours_positive']:.2f} | {g['neighbours_obstacle']:.2f} | "
                     f"{g['neighbours_neutral']:.2f} | {g['mean_similarity']:.3f} |")
    (PROJECT_DIR / "evaluation" / "label_neighbours.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (PROJECT_DIR / "evaluation" / "label_neighbours.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out["groups"], indent=1))


if __name__ == "__main__":
    main()
