"""CPU seconds of the per-document stages alone, for comparing two versions of the code on a busy machine.

`PYTHONPATH=. python bench/stage_cpu.py INBOX [--rounds 3] [--embed-cache FILE] [--store DB]`

Extracts every document of INBOX once (kept in INBOX/../extracted.pkl for the next call), loads the models, warms
them up on one document, then times `nlp_stage` over all documents and `classify_stage` over all documents in
process CPU time (the best of `--rounds`; CPU time, not wall time, because other processes share the cores).
With `--store`, a SQLite store of a direct run over the same inbox (bench/scale.py), also times aggregating and
writing the reports from it (after a first, untimed, aggregation; the aggregation modules' lru caches emptied
between the two). Prints the seconds and a digest of the entities, predictions and report files: two
versions that should give the same outputs must print the same digests.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import pickle
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inbox", type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--embed-cache", type=Path, default=None, help="the embedding cache to use (warm it first)")
    ap.add_argument("--store", default=None, help="a direct run's SQLite file over the inbox: time aggregate+report too")
    args = ap.parse_args(argv)

    from pipeline.classify import embed
    from pipeline.config import Settings
    from pipeline.ingest.discover import discover
    from pipeline.stages import classify_stage, extract_stage, load_models, nlp_stage

    if args.embed_cache:
        embed.use_cache(args.embed_cache)
    settings = Settings(inbox=args.inbox, ocr=False)
    cases, files = discover(args.inbox)
    by_slug = {c.slug: c for c in cases}
    kept = args.inbox.parent / "extracted.pkl"
    if kept.exists():
        extracted = pickle.loads(kept.read_bytes())
    else:
        extracted = [extract_stage(f.path, f.case, settings) for f in files]
        kept.write_bytes(pickle.dumps(extracted))
    extracted = [d for d in extracted if d.status == "ok"]
    models = load_models()
    first = copy.deepcopy(extracted[0])  # one-time costs (gazetteer, NER, caches) out of the timing
    nlp_stage(first, by_slug.get(first.case or ""), cases, settings)
    classify_stage(first, cases, models)

    def best(stage) -> tuple[float, list]:
        seconds, docs = float("inf"), []
        for _ in range(args.rounds):
            docs = copy.deepcopy(extracted) if stage == "nlp" else docs_nlp
            t = time.process_time()
            for d in docs:
                if stage == "nlp":
                    nlp_stage(d, by_slug.get(d.case or ""), cases, settings)
                else:
                    classify_stage(d, cases, models)
            seconds = min(seconds, time.process_time() - t)
        return seconds, docs

    nlp_s, docs_nlp = best("nlp")
    clf_s, docs = best("classify")
    entities = [(e.doc, e.start, e.end, e.label, e.normalized, e.page) for d in docs for e in d.entities]
    predictions = [(p.case, p.scores, p.elements, p.stance, p.stance_scores, p.obstacles, p.explanation)
                   for d in docs for p in d.passages]
    print(f"{len(docs)} documents, {sum(len(d.passages) for d in docs)} passages; CPU seconds, best of {args.rounds}: "
          f"nlp {nlp_s:.2f}, classify {clf_s:.2f}")
    print("digest entities", hashlib.sha256(repr(entities).encode()).hexdigest()[:16],
          "predictions", hashlib.sha256(repr(predictions).encode()).hexdigest()[:16])
    if args.store:
        from pipeline.flows import aggregate_and_report

        meta = {"inbox": str(args.inbox)}
        with tempfile.TemporaryDirectory() as tmp:
            aggregate_and_report.fn(args.store, Path(tmp) / "warm", meta, "id", cases)  # imports, first-use caches
            _clear_lru_caches(("pipeline.aggregate", "pipeline.report"))  # what a run's one aggregation starts without
            t = time.process_time()
            aggregate_and_report.fn(args.store, Path(tmp) / "out", meta, "id", cases)
            agg_s = time.process_time() - t
            h = hashlib.sha256()
            for f in sorted((Path(tmp) / "out").rglob("*")):
                if f.is_file() and not f.name.startswith("."):  # .sistercity-inputs.json holds the folder's path
                    h.update(f.name.encode() + f.read_bytes())
        print(f"aggregate+report CPU seconds {agg_s:.2f}; digest reports {h.hexdigest()[:16]}")
    return 0


def _clear_lru_caches(prefixes: tuple[str, ...]) -> None:
    """Empty the functools caches of the modules under `prefixes` (filled by the warm-up run over the same store:
    a run aggregates once, so only what it finds again within that one aggregation may count)."""
    import functools

    for name, module in list(sys.modules.items()):
        if name.startswith(prefixes):
            for value in list(vars(module).values()):
                if isinstance(value, functools._lru_cache_wrapper):
                    value.cache_clear()


if __name__ == "__main__":
    sys.exit(main())
