"""A wall-clock timeline of one `sistercity run` (issue #19): where the serial time of a run goes.

    PYTHONPATH=. python bench/timeline.py INBOX --workers 2 [--embed-cache CACHE] [--work DIR] [--tree SNAPSHOT]

Runs what `sistercity run` runs (`bench.scale.run_flow`, a fresh process, a new store and reports folder under
--work) with light wrappers around a few functions, each writing a time-stamped line to a shared file (the worker
processes too; they are forked with the wrappers in place), and prints, in seconds from the moment the process was
started: the imports (Prefect's first module and the end of `pipeline.flows`), the models warmed up, the workers
forked, the run record started (the flow begins), each process's first document started and last document done
(and how busy it was), the reports' aggregation, the result and the process's exit. Prefect's temporary API's
start-up time is the run's own figure (`api_up_after`). Nothing of the pipeline is changed: only the measured
process's functions are wrapped, and only the wall time of the run is affected (a few file writes per document).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _stamp(path: str, event: str, **extra) -> None:
    with open(path, "a") as fh:
        fh.write(json.dumps({"t": time.time(), "pid": os.getpid(), "event": event, **extra}) + "\n")


def _wrap(owner, name: str, path: str, label: str, begin: bool = True) -> None:
    """Replace owner.name by a wrapper that stamps its start (with `begin`) and end; keeps its qualified
    name so that a module-level function still pickles by reference (the pool sends functions by name)."""
    real = getattr(owner, name)

    @functools.wraps(real)
    def wrapper(*args, **kwargs):
        if begin:
            _stamp(path, f"{label} start")
        try:
            return real(*args, **kwargs)
        finally:
            _stamp(path, f"{label} end")

    setattr(owner, name, wrapper)
    home = sys.modules.get(getattr(real, "__module__", ""), None)
    if home is not None and getattr(home, name, None) is real:  # pickled by reference (sent to a worker): the
        setattr(home, name, wrapper)  # wrapper must be what its defining module holds under its name


class _StampingLoader:
    """A module's loader that stamps the start and end of the module's execution."""

    def __init__(self, real, path: str, name: str):
        self.real, self.path, self.name = real, path, name

    def create_module(self, spec):
        return self.real.create_module(spec)

    def exec_module(self, module):
        _stamp(self.path, f"{self.name} import start")
        self.real.exec_module(module)
        _stamp(self.path, f"{self.name} import end")


class _ImportStamps:
    """A meta-path finder that stamps the first import of Prefect and the end of pipeline.flows' import."""

    def __init__(self, path: str):
        self.path, self.seen = path, set()

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "prefect" and fullname not in self.seen:
            self.seen.add(fullname)
            _stamp(self.path, "prefect import start")
        if fullname == "pipeline.flows" and fullname not in self.seen:
            self.seen.add(fullname)
            import importlib.machinery

            spec = importlib.machinery.PathFinder.find_spec(fullname, path)
            if spec is not None and spec.loader is not None:
                spec.loader = _StampingLoader(spec.loader, self.path, fullname)
                return spec
        return None


def child(args: argparse.Namespace) -> int:
    path = args.events
    _stamp(path, "interpreter up")
    sys.meta_path.insert(0, _ImportStamps(path))
    if args.embed_cache:
        from pipeline.classify import embed

        embed.use_cache(Path(args.embed_cache))
    # wrapped before pipeline.flows (or any module that imports them by name) is imported
    import pipeline.runs.pool as pool
    import pipeline.runs.report as report
    import pipeline.stages as stages
    from pipeline.store.db import Store

    _stamp(path, "pipeline's stage modules imported")
    _wrap(pool, "warm_up", path, "warm-up")
    _wrap(pool.DocumentPool, "_start", path, "fork")
    _wrap(pool, "ingest_one", path, "document")
    _wrap(report, "report_from_store", path, "aggregate+report")
    for name in ("scan_store", "reviewed_verdicts", "write_verdicts_json", "appendix_from_store", "write_reports"):
        _wrap(report, name, path, f"  report: {name}")  # the steps of the run's process in the report phase
    _wrap(Store, "start_run", path, "run record (flow starts)", begin=False)
    real_load = stages.load_models

    def load_models(*a, **kw):
        hit = real_load.cache_info().hits
        out = real_load(*a, **kw)
        if real_load.cache_info().hits == hit:
            _stamp(path, "models loaded")
        return out

    load_models.cache_info = real_load.cache_info  # type: ignore[attr-defined]
    load_models.cache_clear = real_load.cache_clear  # type: ignore[attr-defined]
    stages.load_models = load_models
    pool.load_models = load_models

    from bench.scale import run_flow

    out = run_flow(Path(args.inbox), args.db, Path(args.reports), args.workers, None)
    _stamp(path, "result", api_up_after=out.get("api_up_after"), seconds=out.get("seconds"), counts=out.get("counts"))
    from pipeline.cli import exit_now

    exit_now(0)
    return 0


def timeline(events: list[dict], t0: float, t_exit: float) -> list[str]:
    """The events as lines of seconds from t0, the documents summed up per process."""
    main = min((e["pid"] for e in events if e["event"] == "interpreter up"), default=None)
    lines, docs = [], {}
    for e in sorted(events, key=lambda e: e["t"]):
        if e["event"].startswith("document"):
            d = docs.setdefault(e["pid"], {"first": None, "last": None, "busy": 0.0, "n": 0, "open": None})
            if e["event"] == "document start":
                d["first"] = d["first"] if d["first"] is not None else e["t"]
                d["open"] = e["t"]
            else:
                d["last"], d["n"] = e["t"], d["n"] + 1
                d["busy"] += e["t"] - (d["open"] or e["t"])
            continue
        who = "run" if e["pid"] == main else f"pid {e['pid']}"
        extra = {k: v for k, v in e.items() if k not in ("t", "pid", "event")}
        lines.append(f"{e['t'] - t0:7.2f}  {who:>10}  {e['event']}" + (f"  {json.dumps(extra)}" if extra else ""))
    for pid, d in sorted(docs.items(), key=lambda kv: kv[1]["first"] or 0):
        who = "run" if pid == main else f"pid {pid}"
        lines.append(f"{d['first'] - t0:7.2f}  {who:>10}  first document starts")
        lines.append(f"{d['last'] - t0:7.2f}  {who:>10}  last document done: {d['n']} documents, busy {d['busy']:.2f} s of "
                     f"{d['last'] - d['first']:.2f} s")
    lines.append(f"{t_exit - t0:7.2f}  {'run':>10}  process exited")
    lines.sort(key=lambda line: float(line.split()[0]))
    return lines


def _sample_cpu(proc: subprocess.Popen) -> list[tuple[float, float, dict]]:
    """(time, CPU seconds so far of the process tree of `proc`, the same by pid), every 0.05 s until it ends
    (a thread)."""
    import threading

    from bench.scale import tree_rss

    samples: list[tuple[float, float]] = []
    cpu: dict[int, float] = {}  # a process that ended keeps its last value

    def sample() -> None:
        while proc.poll() is None:
            tree_rss(proc.pid, cpu)
            samples.append((time.time(), sum(cpu.values()), dict(cpu)))
            time.sleep(0.05)

    threading.Thread(target=sample, daemon=True).start()
    return samples


def _phase_cpu(samples: list[tuple[float, float, dict]], start: float, end: float) -> dict[int, float]:
    """CPU seconds each process of the tree used between two times (the samples nearest them)."""
    before = max((s for s in samples if s[0] <= start), key=lambda s: s[0], default=(start, 0.0, {}))
    after = min((s for s in samples if s[0] >= end), key=lambda s: s[0], default=samples[-1] if samples else None)
    if after is None:
        return {}
    return {pid: round(v - before[2].get(pid, 0.0), 2) for pid, v in after[2].items() if v - before[2].get(pid, 0.0) >= 0.05}


def _per_second(samples: list[tuple[float, float, dict]], t0: float) -> list[float]:
    """The tree's CPU seconds used in each wall second from t0 (cores in use, 0-2 here)."""
    out, j = [], 0
    second = 1
    last = 0.0
    while j < len(samples):
        while j < len(samples) and samples[j][0] - t0 < second:
            j += 1
        cpu = samples[j - 1][1] if j else 0.0
        out.append(cpu - last)
        last, second = cpu, second + 1
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inbox")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--embed-cache", default=None, help="the embedding cache to use (a warm one: the bench's)")
    ap.add_argument("--tree", default=str(ROOT), help="the source tree to run (default: this one; e.g. a `git archive` "
                    "snapshot of another commit, to compare)")
    ap.add_argument("--work", default=None, help="folder for the store, reports and events (default: a new temporary one)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--events", help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--reports", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child(args)
    work = Path(args.work or tempfile.mkdtemp(prefix="sistercity-timeline-"))
    work.mkdir(parents=True, exist_ok=True)
    tag = f"w{args.workers}-{time.monotonic_ns()}"
    events, reports = work / f"events-{tag}.jsonl", work / f"reports-{tag}"
    reports.mkdir()
    env = {**os.environ, "PYTHONPATH": args.tree, "OMP_THREAD_LIMIT": "1", "PREFECT_LOGGING_LEVEL": "ERROR"}
    load = os.getloadavg()[0]
    t0 = time.time()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), args.inbox, "--child", "--workers",
                             str(args.workers), "--events", str(events), "--db", f"sqlite:///{work / (tag + '.db')}",
                             "--reports", str(reports), *(["--embed-cache", args.embed_cache] if args.embed_cache else [])],
                            cwd=args.tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    samples = _sample_cpu(proc)
    out, err = proc.communicate()
    t_exit = time.time()
    if proc.returncode != 0:
        sys.stderr.write(err[-3000:])
        return proc.returncode
    lines = [json.loads(line) for line in events.read_text().splitlines() if line.strip()]
    print(f"sistercity run --workers {args.workers} on {args.inbox} ({args.tree}): 1-minute load before {load:.2f}, "
          f"wall {t_exit - t0:.2f} s")
    print("\n".join(timeline(lines, t0, t_exit)))
    main_pid = next(e["pid"] for e in lines if e["event"] == "interpreter up")
    stamps = {e["event"]: e["t"] for e in lines if e["pid"] == main_pid}
    for name, a, b in (("start-up (to the first document)", t0, min((e["t"] for e in lines if e["event"] == "document start"),
                                                                    default=t0)),
                       ("aggregate+report", stamps.get("aggregate+report start"), stamps.get("aggregate+report end")),
                       ("exit (result to exit)", stamps.get("result"), t_exit)):
        if a and b:
            per = _phase_cpu(samples, a, b)
            print(f"CPU seconds by process in {name} ({b - a:.2f} s of wall): "
                  + ", ".join(f"{'run' if pid == main_pid else pid} {v:.2f}" for pid, v in sorted(per.items())))
    if samples:
        print("CPU seconds by process, whole run: " + ", ".join(
            f"{'run' if pid == main_pid else pid} {v:.2f}" for pid, v in sorted(samples[-1][2].items()) if v >= 0.05)
            + f" (sum {samples[-1][1]:.2f})")
    print("cores the run's process tree used (its CPU seconds per wall second), by second from the start:")
    print(" ".join(f"{cores:.1f}" for cores in _per_second(samples, t0)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
