"""The scale benchmark (`python bench/run.py --section scale`): whole runs over a generated inbox.

Every run is its own process (`python bench/scale.py run ...`), watched from here: wall time, and the
peak memory (RSS) of its whole process tree (the run, its worker processes, Prefect's temporary
server), sampled every 0.1 s. Measured:
- the fixed start-up: a run over an empty inbox (Prefect's temporary API, models, store), flow and direct;
- first runs over N documents: the flow with 1 and 2 worker processes, and the same stage functions
  called directly with no Prefect (tests/store/worker.py's loop) with 1 process;
- peak memory while the documents are processed, at 25/50/75/100% of them, and of aggregating and
  writing the reports over stores of N/4, N/2 and N documents;
- a re-run with nothing changed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEEP = Path(tempfile.gettempdir()) / "sistercity-bench-runs.json"


# ---------------------------------------------------------------- the measured process (child side)

def _progress_writer(path: Path | None):
    fh = open(path, "a", buffering=1) if path else None  # noqa: SIM115 - closed at exit

    def done(n: int) -> None:
        if fh:
            fh.write(f"{n}\n")

    return done


def run_flow(inbox: Path, db: str, reports: Path, workers: int, progress: Path | None) -> dict:
    """What `sistercity run` does (pipeline/cli.py): Prefect's temporary API started first, then `prepare`
    (runs/prepare.py), then `flows.run_inbox`; the process then ends as the console script's does (`child_main`: cli.exit_now)."""
    import logging

    from pipeline.prefect_server import TemporaryAPI

    api = TemporaryAPI.start_early()
    from pipeline.config import Settings
    from pipeline.runs.prepare import preparing

    done = _progress_writer(progress)

    class Progress(logging.Handler):
        def emit(self, record):
            info = getattr(record, "progress", None)
            if info:
                done(info[0])

    flows_log = logging.getLogger("pipeline.flows")
    flows_log.setLevel(logging.INFO)
    flows_log.propagate = False
    flows_log.addHandler(Progress())
    settings = Settings(db=db, reports=reports, inbox=inbox, workers=workers, ocr=False)
    with preparing(settings) as prepared:  # the workers on their first documents before Prefect's flow is imported
        from pipeline.flows import run_inbox

        result = run_inbox(settings, api, prepared)
    return {"counts": result["counts"], "seconds": result["seconds"],
            "api_up_after": api.up_after if api is not None else None}


def run_direct(inbox: Path, db: str, reports: Path, progress: Path | None) -> dict:
    """The flow's steps with no Prefect (nor its import): the same stage functions, called in a loop."""
    from pipeline.config import Settings
    from pipeline.ingest.discover import discover, inbox_key
    from pipeline.runs.ingest import Ingested, ingest_into_store, unchanged_in_store
    from pipeline.runs.report import current_reports, record_report_inputs, report_from_store, report_inputs
    from pipeline.stages import StageTimer, load_models
    from pipeline.store.db import Store, new_owner

    done = _progress_writer(progress)
    settings = Settings(db=db, reports=reports, inbox=inbox, ocr=False)
    started = time.perf_counter()
    store = Store(db)
    models = load_models()
    cases, files = discover(inbox)
    found = list(files)
    owner = new_owner()
    run_id = store.start_run(str(inbox), models.versions, owner=owner)
    timer = StageTimer()
    counts = {"seen": len(found), "new": 0, "changed": 0, "skipped": 0, "busy": 0, "failed": 0, "removed": 0}
    failures, present = [], set()
    t = last_beat = time.perf_counter()
    for i, f in enumerate(found, 1):
        key, unchanged = unchanged_in_store(store, f.path, settings.max_bytes)
        if unchanged:
            r = Ingested(key, "skipped", f.case)
        else:
            r = ingest_into_store(store, f.path, f.case, cases, models, settings, timer=timer, owner=owner,
                                  run_id=run_id)
            if time.perf_counter() - last_beat > 2.0:  # the run record's progress, as often as the flow writes it
                store.heartbeat(run_id, counts, failures, timer.seconds)
                last_beat = time.perf_counter()
        present.add(r.path)
        counts[r.outcome] += 1
        if r.outcome == "failed":
            failures.append({"path": r.path, "error": r.error})
        done(i)
    timer.add("documents_wall", t)
    counts["removed"] = len(store.mark_removed(inbox_key(inbox), present))
    t = time.perf_counter()
    inputs = report_inputs(store, models.versions, settings, cases)
    if current_reports(reports, inputs) is None:
        # what the flow's aggregate_and_report task runs (pipeline/flows.py), called without importing Prefect
        _, made = report_from_store(store, reports, {"models": models.versions, "run": run_id, "inbox": str(inbox)},
                                    cases=cases, lang=settings.lang)
        paths = {name: str(path) for name, path in made.items()}
        record_report_inputs(reports, inputs, paths)
    timer.add("aggregate_report", t)
    store.finish_run(run_id, counts, failures, timer.seconds)
    return {"counts": counts, "seconds": {**timer.seconds, "total": round(time.perf_counter() - started, 3)}}


def run_aggregate(inbox: Path, db: str, reports: Path) -> dict:
    """Only aggregate and write the reports over what the store holds (the memory of that step)."""
    from pipeline.flows import aggregate_and_report
    from pipeline.ingest.discover import discover

    cases = discover(inbox)[0]
    t = time.perf_counter()
    aggregate_and_report.fn(db, reports, {"inbox": str(inbox)}, "id", cases)
    return {"seconds": {"aggregate_report": round(time.perf_counter() - t, 3)}}


def child_main(argv: list[str]) -> int:
    mode, inbox, db, reports, workers, progress = argv
    if os.environ.get("SISTERCITY_BENCH_EMBED_CACHE"):  # the throughput section: a cold (empty) or warm cache of its own
        from pipeline.classify import embed

        embed.use_cache(Path(os.environ["SISTERCITY_BENCH_EMBED_CACHE"]))
    inbox, reports = Path(inbox), Path(reports)
    progress = Path(progress) if progress != "-" else None
    if mode == "flow":
        out = run_flow(inbox, db, reports, int(workers), progress)
    elif mode == "direct":
        out = run_direct(inbox, db, reports, progress)
    else:
        out = run_aggregate(inbox, db, reports)
    print("RESULT " + json.dumps(out), flush=True)
    if mode == "flow":  # ends as `sistercity run` does: without tearing down every loaded object
        from pipeline.cli import exit_now

        exit_now(0)
    return 0


# ---------------------------------------------------------------- the watcher (parent side)

def tree_rss(root: int, cpu: dict[int, float] | None = None, peaks: dict[int, int] | None = None) -> int:
    """Resident memory of `root` and all its descendants, in bytes (Linux /proc). With `cpu`, also
    records each of those processes' CPU seconds so far (user + system) into it, by pid."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    ticks: dict[int, float] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    hz = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
            with open(f"/proc/{entry}/statm") as fh:
                resident = int(fh.read().split()[1]) * page
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = resident
        ticks[int(entry)] = (int(fields[11]) + int(fields[12])) / hz
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        if cpu is not None and pid in ticks:
            cpu[pid] = ticks[pid]
        if peaks is not None and pid in rss:  # each process's own peak RSS so far
            peaks[pid] = max(peaks.get(pid, 0), rss[pid])
        todo.extend(children.get(pid, []))
    return total


def measure(mode: str, inbox: Path, db: str, reports: Path, workers: int = 1, n_docs: int = 0,
            checkpoints: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0), embed_cache: Path | None = None) -> dict:
    """Run one measured process; returns its result plus wall time, peak tree RSS, and the peak so
    far when each checkpoint fraction of the n_docs documents was done. With `embed_cache`, the run's
    passage embeddings are cached in that file (a new file: a cold cache)."""
    progress = reports.parent / f"progress-{mode}-{workers}-{time.monotonic_ns()}.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_THREAD_LIMIT": "1", "PREFECT_LOGGING_LEVEL": "ERROR"}
    if embed_cache is not None:
        env["SISTERCITY_BENCH_EMBED_CACHE"] = str(embed_cache)
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "run", mode, str(inbox), db, str(reports),
                             str(workers), str(progress)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    peak = 0
    at: dict[str, int] = {}
    cpu: dict[int, float] = {}  # pid -> CPU seconds at its last sample
    peaks: dict[int, int] = {}  # pid -> its peak RSS
    shared: dict[int, tuple[int, int]] = {}  # pid -> its peak (PSS, USS), sampled once a second
    hwms: dict[int, int] = {}  # pid -> its VmHWM (the kernel's own peak RSS) when last read
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        ticks = 0
        while not stop.is_set():
            peak = max(peak, tree_rss(proc.pid, cpu, peaks))
            for pid in list(cpu):
                hwms[pid] = max(hwms.get(pid, 0), vm_hwm(pid))
            ticks += 1
            if ticks % 10 == 0:  # smaps_rollup costs more than statm: once a second
                for pid in list(cpu):
                    pss, uss = pss_uss(pid)
                    old = shared.get(pid, (0, 0))
                    shared[pid] = (max(old[0], pss), max(old[1], uss))
            if n_docs and progress.exists():
                lines = progress.read_text().split()
                done = int(lines[-1]) if lines else 0
                for c in checkpoints:
                    if done >= c * n_docs and f"{c:.0%}" not in at:
                        at[f"{c:.0%}"] = peak
            stop.wait(0.1)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t
    stop.set()
    watcher.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} run failed (rc {proc.returncode}): {err[-3000:]}")
    result = json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])
    # CPU seconds of the run's own process and of every other process of its tree (Prefect's temporary
    # API server, worker processes), as last sampled (up to 0.1 s before each process ended)
    others = sum(v for pid, v in cpu.items() if pid != proc.pid)
    return {**result, "wall": wall, "peak_rss": peak, "peak_rss_at": at,
            "cpu_main": round(cpu.get(proc.pid, 0.0), 2), "cpu_others": round(others, 2),
            # (CPU seconds, peak RSS) of each process of the tree that used a second of CPU or more
            "per_process": sorted(((round(v, 1), peaks.get(pid, 0)) for pid, v in cpu.items() if v >= 1.0), reverse=True),
            # (CPU seconds, peak RSS, peak PSS, peak USS) of the same processes: forked workers share pages,
            # which RSS counts in full in each; PSS divides them among the sharers, USS leaves them out
            "per_process_shared": sorted(((round(v, 1), peaks.get(pid, 0), *shared.get(pid, (0, 0)))
                                          for pid, v in cpu.items() if v >= 1.0), reverse=True),
            # (CPU seconds, VmHWM) of the same processes: the kernel's peak RSS, read every 0.1 s until it ended
            "per_process_hwm": sorted(((round(v, 1), hwms.get(pid, 0)) for pid, v in cpu.items() if v >= 1.0),
                                      reverse=True)}


def vm_hwm(pid: int) -> int:
    """VmHWM of a process in bytes (its peak resident set, kept by the kernel); 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def pss_uss(pid: int) -> tuple[int, int]:
    """(PSS, USS) of a process in bytes, from /proc/<pid>/smaps_rollup; (0, 0) when it is gone."""
    pss = uss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                key, _, rest = line.partition(":")
                if key == "Pss":
                    pss = int(rest.split()[0]) * 1024
                elif key in {"Private_Clean", "Private_Dirty"}:
                    uss += int(rest.split()[0]) * 1024
    except (OSError, ValueError):
        return 0, 0
    return pss, uss


def pdfplumber_bare(inbox: Path) -> tuple[float, int, int]:
    """(seconds, pages, files) of pdfplumber's bare extract_text over every PDF of the inbox, in this process."""
    import pdfplumber

    pdfs = sorted(inbox.rglob("*.pdf"))
    pages = 0
    t = time.perf_counter()
    for p in pdfs:
        with pdfplumber.open(p) as pdf:
            for page in pdf.pages:
                page.extract_text()
                pages += 1
    return time.perf_counter() - t, pages, len(pdfs)


def inbox_mix(pdf_pages: int | None) -> str:
    """How a generated inbox's formats were drawn, for the report (bench/corpus.py `generate`)."""
    return "the demo corpus's mix of formats" if pdf_pages is None else f"PDF templates drawn towards {pdf_pages} PDF pages"


def throughput(n: int, work: Path, log=print, repeats: int = 3, pdf_pages: int | None = None) -> list[str]:
    """Issue #19's figures in one session on one generated inbox: pdfplumber's bare extract_text over its
    PDFs, the direct path with a cold embedding cache, then `repeats` rounds of the direct path, the flow
    with 1 worker and with 2 workers (warm cache), the two flows in alternating order from round to round
    (the machine is shared: a neighbour's burst then falls on both). `pdf_pages`: the inbox's PDF pages
    (bench/corpus.py `generate`); None keeps the demo corpus's own mix of formats."""
    from bench.corpus import generate

    inbox = generate(work / "inbox", n, ROOT / "corpora" / "demo", pdf_pages=pdf_pages)
    cache = work / "embeddings.sqlite"  # new: the first run below fills it
    load_before = os.getloadavg()
    plumber_s, pdf_pages_found, n_pdfs = pdfplumber_bare(inbox)
    log(f"bench: pdfplumber {plumber_s:.1f} s over {pdf_pages_found} pages")
    plan = [("direct, 1 process, cold embedding cache", "direct", 1)]
    one, two = ("sistercity run flow, 1 worker", "flow", 1), ("sistercity run flow, 2 workers", "flow", 2)
    for r in range(repeats):
        plan += [("direct, 1 process", "direct", 1), *((one, two) if r % 2 == 0 else (two, one))]
    runs: list[tuple[str, dict, tuple]] = []
    for i, (name, mode, workers) in enumerate(plan):
        log(f"bench: {name} ...")
        tag = f"{mode}-{workers}-{i}"
        reports = work / f"reports-{tag}"
        reports.mkdir()
        before = os.getloadavg()
        r = measure(mode, inbox, f"sqlite:///{work / (tag + '.db')}", reports, workers, n, embed_cache=cache)
        runs.append((name, r, before))
        log(f"bench: {name}: {r['wall']:.1f} s")
    # the fixed cost of a whole 2-worker run: a re-run over the last 2-worker run's store, nothing changed
    last_two = max(i for i, (name, mode, workers) in enumerate(plan) if workers == 2 and mode == "flow")
    rerun = "sistercity run flow, 2 workers, re-run with nothing changed (start-up and exit)"
    log(f"bench: {rerun} ...")
    before = os.getloadavg()
    r = measure("flow", inbox, f"sqlite:///{work / f'flow-2-{last_two}.db'}", work / f"reports-flow-2-{last_two}", 2, 0,
                embed_cache=cache)
    runs.append((rerun, r, before))
    log(f"bench: {rerun}: {r['wall']:.1f} s")
    pages = total_pages(work / "direct-1-0.db")
    mix = inbox_mix(pdf_pages)
    lines = [f"Generated inbox: {n} documents (bench/corpus.py, seed 7, {mix}), {pages} pages in all, of which "
             f"{pdf_pages_found} in {n_pdfs} text PDFs. One session, in this order; each run a fresh process (start-up included), "
             f"the embedding cache a new file filled by the first run (warm for every later one). Load average "
             f"before: {', '.join(f'{x:.1f}' for x in load_before)}; after: "
             f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}; the 1-minute load before each run is in its row.", "",
             "| run | load before | wall time | documents/s | pages/s | CPU s per process (>= 1 s of CPU) "
             "| peak RSS / PSS / USS per process (same order) | VmHWM per process (same order) | peak RSS (process tree) |",
             "|---|---|---|---|---|---|---|---|---|",
             f"| pdfplumber extract_text alone, its {n_pdfs} PDFs only | {load_before[0]:.1f} | {plumber_s:.1f} s | - "
             f"| {pdf_pages_found / plumber_s:.1f} | - | - | - | - |"]
    for name, r, before in runs:
        order = r["per_process_shared"]
        if name == rerun:
            lines.append(f"| {name} | {before[0]:.1f} | {r['wall']:.1f} s | - | - | "
                         f"{', '.join(str(c) for c, *_ in order)} | "
                         f"{', '.join(f'{mb(m)} / {mb(p)} / {mb(u)}' for _, m, p, u in order)} | "
                     f"{', '.join(mb(h) for _, h in r['per_process_hwm'])} | {mb(r['peak_rss'])} |")
            continue
        lines.append(f"| {name} | {before[0]:.1f} | {r['wall']:.1f} s | {n / r['wall']:.2f} | {pages / r['wall']:.2f} | "
                     f"{', '.join(str(c) for c, *_ in order)} | "
                     f"{', '.join(f'{mb(m)} / {mb(p)} / {mb(u)}' for _, m, p, u in order)} | "
                     f"{', '.join(mb(h) for _, h in r['per_process_hwm'])} | {mb(r['peak_rss'])} |")
    walls = {label: [r["wall"] for name, r, _ in runs if name == label] for label in (one[0], two[0], "direct, 1 process")}
    best = {k: min(v) for k, v in walls.items()}
    pairs = [a / b for a, b in zip(walls[one[0]], walls[two[0]])]
    lines += ["", f"2 workers against 1, round by round: {', '.join(f'{x:.2f}x' for x in pairs)} (best against best: "
              f"{best[one[0]] / best[two[0]]:.2f}x). The whole 2-worker run against pdfplumber's bare extract_text over "
              f"the PDFs alone: {best[two[0]] / plumber_s:.2f}x its time at best, "
              f"{max(walls[two[0]]) / plumber_s:.2f}x at worst. Direct path, best: {pages / best['direct, 1 process']:.1f} "
              "pages/s. The flow runs' processes are the run, its worker processes and Prefect's temporary API server "
              "(uvicorn) with its children.", "",
              "Inside the 2-worker flow runs (seconds from the run's own timer; the stage seconds are summed over both "
              "workers): " + "; ".join(", ".join(f"{k} {v:.1f}" for k, v in r["seconds"].items()
                                                  if k in ("documents_wall", "aggregate_report", "total"))
                                       + (f", Prefect's temporary API up after {r['api_up_after']:.1f} s"
                                          if r.get("api_up_after") else "")
                                       for name, r, _ in runs if name == two[0])
              + ". The rest of each run's wall time is start-up (imports, models, warm-up, forking the workers, "
              "overlapping the temporary API's start) and exit."]
    return lines


def direct_rate(n: int, work: Path, log=print, repeats: int = 2, pdf_pages: int | None = None) -> list[str]:
    """Issue #19's direct-path figure: pages/s of the direct path (one process, no Prefect) over a generated
    inbox of n documents, start-up included, the embedding cache warm (filled by a first, cold, run that is
    reported apart). `pdf_pages` steers the inbox's share of PDFs (bench/corpus.py `generate`): the issue's
    1,000-document bench had 1,819 pages in all."""
    from bench.corpus import generate

    inbox = generate(work / "inbox", n, ROOT / "corpora" / "demo", pdf_pages=pdf_pages)
    cache = work / "embeddings.sqlite"
    load_before = os.getloadavg()
    runs = []
    for i in range(repeats + 1):
        name = "direct, 1 process" + (", cold embedding cache" if i == 0 else "")
        reports = work / f"reports-{i}"
        reports.mkdir()
        before = os.getloadavg()
        log(f"bench: {name} ...")
        r = measure("direct", inbox, f"sqlite:///{work / f'direct-{i}.db'}", reports, 1, n, embed_cache=cache)
        log(f"bench: {name}: {r['wall']:.1f} s")
        runs.append((name, r, before))
    pages = total_pages(work / "direct-0.db")
    n_pdfs = len(list(inbox.rglob("*.pdf")))
    mix = inbox_mix(pdf_pages)
    lines = [f"Generated inbox: {n} documents (bench/corpus.py, seed 7, {mix}), {pages} pages in all, {n_pdfs} of the "
             f"documents text PDFs. Each run a fresh process (start-up included). Load average before: "
             f"{', '.join(f'{x:.1f}' for x in load_before)}; after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}.",
             "", "| run | load before | wall time | documents/s | pages/s | CPU s | peak RSS |", "|---|---|---|---|---|---|---|"]
    for name, r, before in runs:
        cpu = sum(c for c, *_ in r["per_process_shared"])
        lines.append(f"| {name} | {before[0]:.1f} | {r['wall']:.1f} s | {n / r['wall']:.2f} | {pages / r['wall']:.1f} | "
                     f"{cpu:.1f} | {mb(r['peak_rss'])} |")
    best = min(r["wall"] for name, r, _ in runs[1:])
    lines += ["", f"Direct path, warm cache, best: {pages / best:.1f} pages/s, {n / best:.2f} documents/s."]
    return lines


def one_run(n: int, work: Path, workers: int = 2, log=print, pdf_pages: int | None = None) -> list[str]:
    """One whole `sistercity run` flow over a generated inbox of n documents, start-up included, with a new
    (cold) embedding cache: issue #19's "10,000-document run if it now fits in 20 minutes"."""
    from bench.corpus import generate

    t = time.perf_counter()
    inbox = generate(work / "inbox", n, ROOT / "corpora" / "demo", pdf_pages=pdf_pages)
    made = time.perf_counter() - t
    reports = work / "reports"
    reports.mkdir()
    before = os.getloadavg()
    log(f"bench: one run of {n} documents, {workers} workers ...")
    r = measure("flow", inbox, f"sqlite:///{work / 'one.db'}", reports, workers, n,
                checkpoints=(0.1, 0.25, 0.5, 0.75, 1.0), embed_cache=work / "embeddings.sqlite")
    log(f"bench: one run: {r['wall']:.1f} s")
    pages = total_pages(work / "one.db")
    stored = sqlite3.connect(work / "one.db")
    try:
        counts = {t: stored.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("documents", "passages")}
    finally:
        stored.close()
    mix = inbox_mix(pdf_pages)
    return [f"Generated inbox: {n} documents in {len(list(inbox.iterdir()))} cases (bench/corpus.py, seed 7, {mix}; "
            f"generated in {made:.0f} s, not counted), {pages} pages in all; a new embedding cache (cold). Load "
            f"average before: {', '.join(f'{x:.1f}' for x in before)}; after: "
            f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}.", "",
            "| run | wall time | documents/s | pages/s | stored documents / passages | peak RSS (process tree) "
            "| VmHWM per process (>= 1 s CPU) | peak tree RSS at 10/25/50/75/100% of the documents |",
            "|---|---|---|---|---|---|---|---|",
            f"| sistercity run flow, {workers} workers | {r['wall']:.0f} s ({r['wall'] / 60:.1f} min) | "
            f"{n / r['wall']:.2f} | {pages / r['wall']:.1f} | {counts['documents']} / {counts['passages']} | "
            f"{mb(r['peak_rss'])} | {', '.join(mb(h) for _, h in r['per_process_hwm'])} | "
            f"{' / '.join(mb(v) for v in r['peak_rss_at'].values())} |"]


def shrink_copy(db_file: Path, dest: Path, keep: int) -> Path:
    """A copy of a SQLite store that keeps only its first `keep` documents (by path)."""
    src = sqlite3.connect(db_file)
    out = sqlite3.connect(dest)
    src.backup(out)
    src.close()
    out.execute("PRAGMA foreign_keys=ON")
    out.execute("DELETE FROM documents WHERE id NOT IN (SELECT id FROM documents ORDER BY path LIMIT ?)", (keep,))
    out.commit()
    out.execute("VACUUM")
    out.close()
    return dest


def total_pages(db_file: Path) -> int:
    con = sqlite3.connect(db_file)
    try:
        return sum(len(json.loads(p or "[]")) for (p,) in con.execute("SELECT pages FROM documents"))
    finally:
        con.close()


def mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB"


def benchmark(n: int, work: Path, log=print) -> list[str]:
    """Every measurement over a generated inbox of n documents; returns the Markdown lines."""
    from bench.corpus import generate

    demo = ROOT / "corpora" / "demo"
    inbox = generate(work / "inbox", n, demo)
    empty = work / "empty"
    empty.mkdir()
    runs: dict[str, dict] = {}

    def go(name: str, mode: str, db: Path, workers: int = 1, folder: Path = inbox, docs: int = n,
           reports_of: str | None = None) -> dict:
        reports = work / f"reports-{reports_of or name}"  # a re-run writes where the run before it wrote
        reports.mkdir(exist_ok=True)
        log(f"bench: {name} ...")
        runs[name] = r = measure(mode, folder, f"sqlite:///{db}", reports, workers, docs)
        log(f"bench: {name}: {r['wall']:.1f} s, peak {mb(r['peak_rss'])}, {r.get('counts')}")
        KEEP.write_text(json.dumps(runs))  # kept outside the temporary folder, should the report below fail
        return r

    load_before = os.getloadavg()
    go("empty, flow", "flow", work / "empty-flow.db", folder=empty, docs=0)
    go("empty, direct", "direct", work / "empty-direct.db", folder=empty, docs=0)
    go("first run, flow, 1 worker", "flow", work / "flow1.db")
    again = go("re-run, nothing changed, flow, 1 worker", "flow", work / "flow1.db", reports_of="first run, flow, 1 worker")
    # the start-up and the re-run are short and noisy on a shared machine: the best of two of each
    again2 = measure("flow", inbox, f"sqlite:///{work / 'flow1.db'}", work / "reports-first run, flow, 1 worker")
    if again2["wall"] < again["wall"]:
        runs["re-run, nothing changed, flow, 1 worker"] = again = again2
    for name, mode in (("empty, flow", "flow"), ("empty, direct", "direct")):
        r = measure(mode, empty, f"sqlite:///{work / f'empty-{mode}-2.db'}", work / f"reports-{name}")
        if r["wall"] < runs[name]["wall"]:
            runs[name] = r
    go("first run, flow, 2 workers", "flow", work / "flow2.db", workers=2)
    go("first run, direct (no Prefect), 1 process", "direct", work / "direct.db")
    for keep in sorted({max(1, n // 4), max(1, n // 2), n}):
        db = shrink_copy(work / "flow1.db", work / f"agg{keep}.db", keep)
        go(f"aggregate + reports over {keep} documents", "aggregate", db, folder=inbox, docs=0)

    pages = total_pages(work / "flow1.db")
    n_cases = len(list(inbox.iterdir()))
    KEEP.write_text(json.dumps({"runs": runs, "n": n, "pages": pages, "cases": n_cases,
                                "load": [load_before, os.getloadavg()]}))
    return report(runs, n, pages, n_cases, load_before, os.getloadavg())


def aggregate_memory(n: int, work: Path, store: Path | None = None, inbox: Path | None = None,
                     log=print) -> list[str]:
    """Only the aggregate-and-report step, over stores of the first n/4, n/2 and n documents: a fresh
    process each, its peak RSS. The store is built first (the direct loop over a generated inbox of n
    documents) unless `store` (a SQLite file of a previous run) and its `inbox` are given."""
    from bench.corpus import generate

    if store is None:
        inbox = generate(work / "inbox", n, ROOT / "corpora" / "demo")
        store = work / "direct.db"
        log(f"bench: building a store of {n} documents (direct loop) ...")
        measure("direct", inbox, f"sqlite:///{store}", work / "reports-build", 1, 0)
    elif inbox is None:
        raise ValueError("a given store needs the inbox it was built from (for its case.toml files)")
    con = sqlite3.connect(store)
    try:
        stored, passages, entities = (con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                                      for t in ("documents", "passages", "entities"))
    finally:
        con.close()
    rows = []
    for keep in sorted({max(1, n // 4), max(1, n // 2), n}):
        db = shrink_copy(store, work / f"agg{keep}.db", keep)
        reports = work / f"reports-agg{keep}"
        reports.mkdir(exist_ok=True)
        r = measure("aggregate", inbox, f"sqlite:///{db}", reports)
        size = sum(f.stat().st_size for f in reports.iterdir() if f.is_file())
        log(f"bench: aggregate + reports over {keep} documents: {r['wall']:.1f} s, peak {mb(r['peak_rss'])}")
        rows.append(f"| {keep} | {r['wall']:.1f} s | {mb(r['peak_rss'])} | {mb(size)} |")
        db.unlink()
    return [f"Aggregating and writing the reports alone: a fresh process over a SQLite store of the first N of "
            f"{stored} generated documents ({passages} passages, {entities} entities in all), peak RSS of the "
            "process sampled every 0.1 s.", "",
            "| documents in the store | wall time | peak memory | reports written (all files) |", "|---|---|---|---|",
            *rows]


def overhead(n: int, work: Path, repeats: int = 2, log=print) -> list[str]:
    """Prefect's overhead alone: the flow (1 worker) and the direct loop over the same n documents,
    alternated `repeats` times so both see the same load on a shared machine; each on a fresh store."""
    from bench.corpus import generate

    inbox = generate(work / "inbox", n, ROOT / "corpora" / "demo")
    empty = work / "empty"
    empty.mkdir()
    rows = []
    for i in range(repeats):
        pair = {}
        for mode in ("direct", "flow"):
            base = measure(mode, empty, f"sqlite:///{work / f'e-{mode}-{i}.db'}", work / f"re-{mode}-{i}")
            r = measure(mode, inbox, f"sqlite:///{work / f'{mode}-{i}.db'}", work / f"r-{mode}-{i}", 1, n)
            log(f"bench: overhead {i + 1}/{repeats}: {mode} {r['wall']:.1f} s (empty inbox {base['wall']:.1f} s)")
            stages = sum(v for k, v in r["seconds"].items() if k in {"extract", "nlp", "classify", "store"})
            pair[mode] = (r, base, stages)
        (f, fb, fs), (d, db, ds) = pair["flow"], pair["direct"]
        per_doc = (f["wall"] - fb["wall"] - d["wall"] + db["wall"]) / n
        loop = ((f["seconds"]["documents_wall"] - fs) - (d["seconds"]["documents_wall"] - ds)) / n
        rows.append(f"| {i + 1} | {d['wall']:.1f} s / {db['wall']:.1f} s | {f['wall']:.1f} s / {fb['wall']:.1f} s | "
                    f"{ds:.1f} s / {fs:.1f} s | {per_doc * 1000:.0f} ms = {per_doc * n / (f['wall'] - fb['wall']):.1%} | "
                    f"{loop * 1000:.1f} ms = {loop * n / (f['wall'] - fb['wall']):.1%} | "
                    f"{(f['wall'] - d['wall']) / f['wall']:.1%} | {d['cpu_main']:.0f} s | "
                    f"{f['cpu_main']:.0f} s / {f['cpu_others']:.0f} s |")
    return [f"Prefect's overhead, measured alone: the direct loop and the flow (1 process) over the same {n} generated "
            "documents, one after the other, repeated; each run a fresh process and store, with its empty-inbox run "
            "just before it. Stage seconds are the time spent inside extract, NLP, classify and store.", "",
            "| pair | direct: run / empty | flow: run / empty | stage seconds direct / flow | "
            "overhead per document, wall (share of the flow's per-document time) | "
            "per document outside the stages (task bookkeeping) | overhead end to end, start-up included | "
            "CPU direct | CPU flow: its process / Prefect's temporary API |",
            "|---|---|---|---|---|---|---|---|---|", *rows]


def report(runs: dict, n: int, pages: int, n_cases: int, load_before, load_after) -> list[str]:
    first = runs["first run, flow, 1 worker"]
    again = runs["re-run, nothing changed, flow, 1 worker"]
    two = runs["first run, flow, 2 workers"]
    direct = runs["first run, direct (no Prefect), 1 process"]
    aggregate = {int(name.split()[-2]): r for name, r in runs.items() if name.startswith("aggregate")}
    e_flow, e_direct = runs["empty, flow"]["wall"], runs["empty, direct"]["wall"]
    per_doc = (first["wall"] - e_flow) / n
    rerun_per_doc = (again["wall"] - e_flow) / n

    def inside(r: dict, key: str = "total") -> float:  # seconds measured inside the run (no process start-up)
        return r["seconds"].get(key, 0.0)

    e_in = inside(runs["empty, flow"])
    per_doc_in = (inside(first) - e_in) / n
    rerun_in = (inside(again) - e_in) / n
    overhead_docs = (inside(first, "documents_wall") - inside(direct, "documents_wall")) / n
    c = first["counts"]
    lines = [f"Load average (1, 5, 15 min) before: {', '.join(f'{x:.1f}' for x in load_before)}; after: "
             f"{', '.join(f'{x:.1f}' for x in load_after)} (the machine is shared: figures are noisy).", "",
             f"Generated inbox: {n} documents in {n_cases} cases, {pages} pages "
             f"(bench/corpus.py, seed 7; {c['new']} stored, {c['failed']} failed). Each run is a fresh process; "
             "times are wall-clock, memory is the peak RSS of the run's whole process tree (workers and "
             "Prefect's temporary server included), sampled every 0.1 s.", "",
             "| run | wall time | documents/s | pages/s | peak memory |", "|---|---|---|---|---|"]
    for name, r in runs.items():
        if name.startswith("aggregate"):
            continue
        if name.startswith("empty") or name.startswith("re-run"):
            name += " (best of two)"
        docs = 0 if name.startswith("empty") or name.startswith("re-run") else n
        pg = 0 if not docs else pages
        lines.append(f"| {name} | {r['wall']:.1f} s | {docs / r['wall']:.2f} | {pg / r['wall']:.2f} | {mb(r['peak_rss'])} |"
                     if docs else f"| {name} | {r['wall']:.1f} s | - | - | {mb(r['peak_rss'])} |")
    lines += ["", "Without the fixed start-up (the empty-inbox run of the same kind subtracted):", "",
              "| figure | value | bar |", "|---|---|---|",
              f"| first run, flow, 1 worker, per document | {per_doc * 1000:.0f} ms ({1 / per_doc:.2f} documents/s, "
              f"{pages / (first['wall'] - e_flow):.2f} pages/s) | |",
              f"| first run, flow, 2 workers, per document | {(two['wall'] - e_flow) / n * 1000:.0f} ms "
              f"({n / (two['wall'] - e_flow):.2f} documents/s, {pages / (two['wall'] - e_flow):.2f} pages/s) | |",
              f"| re-run with nothing changed, per document, process wall time | {rerun_per_doc * 1000:.1f} ms = "
              f"{rerun_per_doc / per_doc:.1%} of the first run's | <= 5% |",
              f"| the same, timed inside the run (no process start-up: less noise) | {rerun_in * 1000:.1f} ms = "
              f"{rerun_in / per_doc_in:.1%} of the first run's {per_doc_in * 1000:.0f} ms | <= 5% |",
              f"| fixed start-up (empty inbox), process wall time, flow / direct | {e_flow:.1f} s / {e_direct:.1f} s | reported |",
              f"| fixed cost inside an empty flow run (store, discovery, reports check) | {e_in:.1f} s | reported |",
              f"| Prefect's overhead per document (the document loop, flow minus direct, 1 process) | "
              f"{overhead_docs * 1000:.1f} ms = {overhead_docs / per_doc:.1%} of the flow's per-document time | <= 10% |",
              f"| Prefect's overhead end to end (start-up included) | {first['wall'] - direct['wall']:.1f} s = "
              f"{(first['wall'] - direct['wall']) / first['wall']:.1%} of the flow's {first['wall']:.1f} s | <= 10% |",
              "", "Peak memory while processing (flow, 1 worker; the run's process tree, peak so far):", "",
              "| documents done | " + " | ".join(first["peak_rss_at"]) + " |",
              "|---|" + "---|" * len(first["peak_rss_at"]),
              "| peak RSS | " + " | ".join(mb(v) for v in first["peak_rss_at"].values()) + " |",
              "", "Aggregating and writing the reports alone (a fresh process over a store of the first N documents):", "",
              "| documents in the store | wall time | peak memory |", "|---|---|---|"]
    lines += [f"| {keep} | {r['wall']:.1f} s | {mb(r['peak_rss'])} |" for keep, r in aggregate.items()]
    lines += ["", "Per-stage seconds of the 1-worker flow run (summed over documents): "
              + ", ".join(f"{k} {v:.1f}" for k, v in first["seconds"].items()),
              "Per-stage seconds of the 2-worker flow run (summed over both workers): "
              + ", ".join(f"{k} {v:.1f}" for k, v in two["seconds"].items()),
              "Seconds inside the re-run (nothing changed: no task, the reports left as they were): "
              + ", ".join(f"{k} {v:.2f}" for k, v in again["seconds"].items()),
              "Seconds inside the empty-inbox flow run: "
              + ", ".join(f"{k} {v:.2f}" for k, v in runs["empty, flow"]["seconds"].items())]
    return lines


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "run":
        raise SystemExit(child_main(sys.argv[2:]))
    raise SystemExit("use bench/run.py --section scale")
