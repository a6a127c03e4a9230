"""Memory over a long run, document by document (issue #19: a worker's peak RSS grew to 681-695 MB over the
5,000 documents of a 10,000-document run): the resident memory of the process that processes the documents,
at checkpoints, and the sizes of what could accumulate in it.

    PYTHONPATH=. python -m bench.memory --docs 2000 --mode worker --at 250,500,1000,2000
    PYTHONPATH=. python -m bench.memory --docs 1000 --mode direct --tracemalloc 200,1000

`direct`: `ingest_into_store` in a loop in this process (the direct path, as bench/scale.py's `run_direct`).
`worker`: the run's way with `--workers N`: the models loaded and warmed up here, then a `DocumentPool` of
`--workers` forked processes fed one document at a time (pipeline/runs/pool.py), the figures read from the
first worker (its /proc and, through the pool, its own counters). The inbox is `bench.corpus.generate` (seed
7) of `--docs` documents; the embedding cache a copy of `--embed-cache` (default: the user's), so that the
run neither fills the user's cache nor embeds what it already holds.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def status(pid: int | None = None) -> dict[str, int]:
    """VmRSS and VmHWM (bytes) of a process, from /proc."""
    out = {}
    with open(f"/proc/{pid or os.getpid()}/status", encoding="ascii") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
    return out


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


class WorkerPeaks:
    """Samples the VmHWM of every child process of this one every `every` seconds, keeping each pid's highest
    (a recycled worker's figures survive its exit)."""

    def __init__(self, every: float = 0.2):
        import threading

        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, args=(every,), daemon=True)
        self._thread.start()

    def _loop(self, every: float) -> None:
        while not self._stop.wait(every):
            self.sample()

    def sample(self) -> None:
        for pid in children(os.getpid()):
            try:
                self.peaks[pid] = max(self.peaks.get(pid, 0), status(pid)["VmHWM"])
            except (OSError, KeyError):
                pass

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def counters() -> dict[str, int]:
    """Sizes of what a process could accumulate document by document (read in the process that holds them)."""
    from pipeline.classify import embed, sidecache
    from pipeline.nlp.ner import load_ner
    from pipeline.nlp.words import blank_nlp

    nlp = load_ner()
    tok = blank_nlp()
    out = {"rss": status()["VmRSS"], "hwm": status()["VmHWM"], "gc_objects": len(gc.get_objects()),
           "embed_cache": len(embed._cache),
           "ngram_words": [len(kept["char_wb_words"]) for _, kept in sidecache._KEPT.values() if "char_wb_words" in kept], "strings": len(tok.vocab.strings), "lexemes": len(tok.vocab)}
    if nlp is not None and nlp.vocab is not tok.vocab:
        out["ner_strings"], out["ner_lexemes"] = len(nlp.vocab.strings), len(nlp.vocab)
    return out


def mb(n: int) -> str:
    return f"{n / 2**20:.0f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--mode", choices=("direct", "worker"), default="worker")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--at", default="250,500,1000,2000", help="checkpoints, in documents processed")
    ap.add_argument("--tracemalloc", default="", help="direct mode: two checkpoints whose allocations to compare")
    ap.add_argument("--work", type=Path, default=None, help="folder for the inbox and store (default: a temporary one)")
    ap.add_argument("--embed-cache", type=Path, default=Path.home() / ".cache" / "sistercity" / "embeddings.sqlite")
    ap.add_argument("--recycle-after", default="default",
                    help="worker mode: documents per worker before fresh workers are forked ('none': never; "
                         "default: pipeline.runs.pool.RECYCLE_AFTER)")
    ap.add_argument("--report", action="store_true", help="worker mode: then aggregate and report with the pool")
    ap.add_argument("--json", type=Path, default=None, help="also write the checkpoints here")
    args = ap.parse_args(argv)
    at = sorted({int(x) for x in args.at.split(",") if x} | {args.docs})
    trace = [int(x) for x in args.tracemalloc.split(",") if x]

    from bench.corpus import generate
    from pipeline.classify import embed
    from pipeline.config import Settings
    from pipeline.ingest.discover import discover
    from pipeline.runs.ingest import ingest_into_store
    from pipeline.stages import load_models
    from pipeline.store.db import Store, new_owner

    work = args.work or Path(tempfile.mkdtemp(prefix="sistercity-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    inbox = generate(work / "inbox", args.docs, ROOT / "corpora" / "demo")
    cache = work / "embeddings.sqlite"
    if args.embed_cache.exists() and not cache.exists():
        shutil.copyfile(args.embed_cache, cache)
    embed.use_cache(cache)
    db_file = work / "store.sqlite"
    db_file.unlink(missing_ok=True)
    db = f"sqlite:///{db_file}"
    settings = Settings(db=db, reports=work / "reports", inbox=inbox, ocr=False, workers=args.workers)
    store = Store(db)
    models = load_models()
    cases, files = discover(inbox)
    files = list(files)[:args.docs]
    owner = new_owner()
    run_id = store.start_run(str(inbox), models.versions, owner=owner)
    rows = []
    started = time.perf_counter()

    def checkpoint(n: int, sizes: dict) -> None:
        row = {"documents": n, "seconds": round(time.perf_counter() - started, 1), **sizes}
        rows.append(row)
        print(json.dumps(row), flush=True)

    if args.mode == "direct":
        if trace:
            import tracemalloc

            tracemalloc.start(8)
        snaps = {}
        checkpoint(0, counters())
        for i, f in enumerate(files, 1):
            ingest_into_store(store, f.path, f.case, cases, models, settings, owner=owner, run_id=run_id)
            if i in at:
                checkpoint(i, counters())
            if i in trace:
                gc.collect()
                snaps[i] = tracemalloc.take_snapshot()
        if len(snaps) == 2:
            a, b = (snaps[k] for k in sorted(snaps))
            for stat in b.compare_to(a, "traceback")[:25]:
                print(f"{stat.size_diff / 2**20:+.1f} MB in {stat.count_diff:+d} blocks", flush=True)
                for line in stat.traceback.format()[-12:]:
                    print("   ", line, flush=True)
    else:
        from pipeline.flows import _fork_pool
        from pipeline.runs import pool as pool_module

        if args.recycle_after != "default":
            pool_module.RECYCLE_AFTER = None if args.recycle_after == "none" else int(args.recycle_after)
        pool = _fork_pool(store, settings, cases, models)
        peaks = WorkerPeaks()
        pool.bind(owner=owner, run_id=run_id)
        first = pool.pids[0]
        checkpoint(0, {**pool.call(counters).result(), "pids": pool.pids})
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(pool.workers) as feeders:
            for i, _ in enumerate(feeders.map(lambda f: pool.run(f.path, f.case, f.refused), files), 1):
                if i in at:
                    # the pool's own counters come from whichever worker takes the call; /proc from every worker
                    procs = {str(p): {k: v for k, v in status(p).items()} for p in pool.pids if Path(f"/proc/{p}").exists()}
                    peaks.sample()
                    checkpoint(i, {"worker": procs.get(str(first)), "workers": procs, "run": status(),
                                   "worker_peak": max(peaks.peaks.values()), "processes": len(peaks.peaks),
                                   "inside": pool.call(counters).result()})
        if args.report:  # then aggregate and write the reports as the flow does, the workers taking their share
            from pipeline.runs.report import report_from_store

            t = time.perf_counter()
            report_from_store(store, work / "reports", {"models": models.versions, "run": run_id, "inbox": str(inbox)},
                              cases=cases, lang=settings.lang, elsewhere=pool.call, workers=pool.workers)
            procs = {str(p): status(p) for p in pool.pids if Path(f"/proc/{p}").exists()}
            peaks.sample()
            checkpoint(len(files), {"after": f"aggregate and report ({time.perf_counter() - t:.1f} s)",
                                    "worker": procs.get(str(first)), "workers": procs, "run": status(),
                                    "worker_peak": max(peaks.peaks.values()), "processes": len(peaks.peaks)})
        peaks.stop()
        pool.close()
        # every worker has exited and been waited for: their CPU is this process's children's
        children_cpu = os.times().children_user + os.times().children_system
        checkpoint(len(files), {"after": f"the workers' CPU {children_cpu:.1f} s, {pool.recycled} times replaced",
                                "worker_peak": max(peaks.peaks.values()), "processes": len(peaks.peaks),
                                "run": status(), "children_cpu": round(children_cpu, 2)})
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    for row in rows:
        w = row.get("worker") or row
        line = f"{row['documents']:>6} docs {row['seconds']:>7.1f} s:"
        if "VmRSS" in w or "rss" in w:
            line += f" first worker RSS {mb(w.get('VmRSS', w.get('rss', 0)))} MB, HWM {mb(w.get('VmHWM', w.get('hwm', 0)))} MB"
        if "worker_peak" in row:
            line += (f"; highest worker VmHWM so far {mb(row['worker_peak'])} MB ({row['processes']} worker processes);"
                     f" the run's process VmHWM {mb(row['run']['VmHWM'])} MB")
        print(line + (f" [{row['after']}]" if "after" in row else ""), flush=True)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
