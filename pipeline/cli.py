"""The `sistercity` command line. Thin: every command calls pipeline functions."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline import __version__
from pipeline.config import Settings

# rich_markup_mode=None: click's plain help (flags without a "<bool>" placeholder, "[default: ...]" shown),
# which also keeps option lists readable at 80 columns.
app = typer.Typer(help="Mine sister-city cooperation documents for evidence on why cooperation stalls.",
                  no_args_is_help=True, add_completion=False, rich_markup_mode=None)
console = Console(stderr=True)
log = logging.getLogger("pipeline")

DbOpt = Annotated[str | None, typer.Option("--db", help="Store: a SQLite file or a SQLAlchemy URL (env SISTERCITY_DB; "
                                                        "default: sistercity.db in the working directory).")]
ReportsOpt = Annotated[Path | None, typer.Option("--reports", help="Folder for reports (env SISTERCITY_REPORTS; default: "
                                                                   "reports/ in the working directory).")]
ModelOpt = Annotated[str | None, typer.Option("--model", help="Model version folder, e.g. passage_clf.v1 (default: newest).")]
MaxMbOpt = Annotated[float | None, typer.Option("--max-mb", help="Skip files larger than this many MB, as failed "
                                                                 "(env SISTERCITY_MAX_MB; default: 200).")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log every step.")]
WorkersOpt = Annotated[int | None, typer.Option("--workers", min=1, help="Process documents in N parallel processes (env SISTERCITY_WORKERS; default 1).")]
DaskOpt = Annotated[str | None, typer.Option("--dask-address", help="Send the document tasks to this Dask scheduler, e.g. tcp://host:8786 (needs the dask extra; env SISTERCITY_DASK_ADDRESS).")]
InboxArg = Annotated[str | None, typer.Argument(help="Folder of case folders, or an fsspec URL such as s3://bucket/inbox (default: the bundled demo corpus).")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="Language of the reports' fixed texts: id or en (env SISTERCITY_LANG; default id).")]
TiebreakOpt = Annotated[bool, typer.Option(
    "--published-tiebreak",
    help="Let a case document's own stated verdict on an element decide when the evidence score lies within 0.10 "
         "of a cut-off (env SISTERCITY_PUBLISHED_TIEBREAK=1; off by default; README 'How the verdict is reached').")]


def _error(message: str) -> None:
    """An error line on stderr; the message is escaped, so "pip install 'sistercity[ocr]'" keeps its [ocr]."""
    console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)


def _warn(message: str) -> None:
    console.print(f"[yellow]warning:[/yellow] {escape(message)}", soft_wrap=True)


def _report_lang(lang: str | None) -> str | None:
    """Check --lang (else SISTERCITY_LANG, else "id"); exit with a clear message if unknown."""
    from pipeline.report.texts import resolve_lang

    try:
        return resolve_lang(Settings.from_env(lang=lang).lang)
    except ValueError as exc:
        _error(f"{exc}")
        raise typer.Exit(2) from None


def _logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s",
                        handlers=[logging.StreamHandler(sys.stderr)])


class _ProgressHandler(logging.Handler):
    """Moves a rich progress bar from the flow's per-document log records."""

    def __init__(self, progress: Progress):
        super().__init__(logging.INFO)
        self.progress = progress
        self.task_id = None

    def emit(self, record: logging.LogRecord) -> None:
        info = getattr(record, "progress", None)
        if not info:
            return
        done, total, name, outcome = info
        if self.task_id is None:
            self.task_id = self.progress.add_task("documents", total=total)
        self.progress.update(self.task_id, completed=done, description=f"{outcome:8} {name[-50:]}")


def _summary(counts: dict, failures: list, reports: dict, seconds: dict | None = None, title: str = "sistercity run") -> None:
    table = Table(title=title, show_header=False, min_width=len(title) + 4)
    for key in ("seen", "new", "changed", "skipped", "busy", "failed", "removed"):
        if key in counts:
            table.add_row(key, str(counts[key]))
    console.print(table)
    for f in failures:
        console.print(f"[red]failed[/red] {escape(str(f['path']))}: {escape(str(f['error']))}")
    if reports:
        console.print(f"reports: {escape(str(Path(next(iter(reports.values()))).parent))}")
    if seconds:
        console.print("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in seconds.items()))


def _check_store_url(db: str) -> None:
    """Exit with a clear message when --db is neither a file path nor a URL SQLAlchemy can use."""
    if "://" not in db:
        return
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        make_url(db).get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        _error(f"--db {db}: not a store URL SQLAlchemy can open ({exc}); give a SQLite file path, "
               "or a URL such as postgresql+psycopg://user:password@host/sistercity")
        raise typer.Exit(2) from None
    except ImportError as exc:
        _error(f"--db {db}: the database driver is not installed ({exc}); for PostgreSQL: pip install 'sistercity[postgres]'")
        raise typer.Exit(2) from None


def _check_inbox(inbox) -> None:
    """Before the flow starts (so a user error never shows as an orchestrator's traceback): the inbox exists
    and its case.toml files read; warn, with a listing, about an empty inbox and documents outside any case."""
    from pipeline.ingest.cases import CaseFileError
    from pipeline.ingest.discover import discover

    try:
        cases, files = discover(inbox)
        found = list(files)
    except (TypeError, AttributeError, KeyError) as exc:  # a case.toml that parses but has the wrong shape
        raise CaseFileError(f"{inbox}: a case.toml has an unexpected shape ({exc}); see the README for its fields") from None
    for f in found:
        if f.refused and f.refused.startswith("invalid_case"):  # that case fails, the others go on (recorded too)
            _warn(f"{f.refused.split(': ', 1)[-1]}; the documents of that case are recorded as failed")
    if not [f for f in found if not f.refused]:
        _warn(f"inbox {inbox} holds no documents ({len(cases)} case.toml found): nothing to process. "
              "An inbox is a folder of case folders, each with a case.toml and its documents (README 'Quick start').")
        return
    orphans = [f.relpath for f in found if f.case is None]
    if orphans:
        shown = orphans[:20]
        _warn(f"{len(orphans)} of {len(found)} documents are in no case folder (no case.toml above them): they are "
              "processed, but only passages the classifier attributes to a known case reach the reports. "
              "Put them in a folder with a case.toml:")
        for rel in shown:
            console.print(f"  {escape(rel)}")
        if len(orphans) > len(shown):
            console.print(f"  ... and {len(orphans) - len(shown)} more")


def _existing_store(db: str | None) -> str:
    """The store URL of a read-only command; exit with a clear message, creating nothing, when a SQLite
    store file does not exist."""
    from pipeline.store.db import store_url

    settings = Settings.from_env(db=db)
    _check_store_url(settings.db)
    url = store_url(settings.db)
    if url.startswith("sqlite"):
        from sqlalchemy.engine import make_url

        path = make_url(url).database
        if path and path != ":memory:" and not Path(path).exists():
            _error(f"no store at {path}: run `sistercity run` first, or give the store with --db (env SISTERCITY_DB)")
            raise typer.Exit(2)
    return settings.db


@app.command()
def run(
    inbox: InboxArg = None,
    db: DbOpt = None,
    reports: ReportsOpt = None,
    model: ModelOpt = None,
    max_mb: MaxMbOpt = None,
    no_ocr: Annotated[bool, typer.Option("--no-ocr", help="Fail scanned pages instead of running OCR.")] = False,
    lang: LangOpt = None,
    published_tiebreak: TiebreakOpt = False,
    workers: WorkersOpt = None,
    dask_address: DaskOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """The main job: process new and changed documents under INBOX into the store, then write reports."""
    _logging(verbose)
    lang = _report_lang(lang)
    from pipeline.classify.model import ModelNotFound
    from pipeline.ingest.cases import CaseFileError
    from pipeline.ingest.discover import InboxError

    settings = Settings.from_env(db=db, reports=reports, inbox=inbox, model_version=model, max_mb=max_mb,
                                 ocr=False if no_ocr else None, lang=lang, workers=workers, dask_address=dask_address,
                                 published_tiebreak=published_tiebreak or None)
    _check_store_url(settings.db)
    try:
        _check_inbox(settings.inbox)
    except (InboxError, CaseFileError) as exc:
        _error(f"{exc}")
        raise typer.Exit(2) from None
    console.print(escape(f"sistercity {__version__}: inbox {settings.inbox}, store {settings.db}"
                         + (f", Dask {settings.dask_address}" if settings.dask_address else
                            f", {settings.workers} worker processes" if settings.workers > 1 else "")))
    # Prefect's temporary API (when no API is configured) starts now, in its own process, while this one
    # loads the models, scans the inbox, forks the workers and starts them on the first documents (`prepare`,
    # no Prefect there), and only then imports Prefect's flow machinery (pipeline.flows), whose flow takes it
    # all over; with Dask, Prefect starts its own API as before
    from pipeline.prefect_server import TemporaryAPI

    api = TemporaryAPI.start_early() if not settings.dask_address else None
    from pipeline.runs.prepare import preparing

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False) as progress:
        handler = _ProgressHandler(progress)
        flows_log = logging.getLogger("pipeline.flows")
        flows_log.addHandler(handler)
        flows_log.setLevel(logging.INFO)
        flows_log.propagate = verbose
        try:
            with preparing(settings) as prepared:  # (closed, and its run recorded as failed, if the flow never takes it)
                from pipeline.flows import run_inbox

                result = run_inbox(settings, api, prepared)
        except (InboxError, CaseFileError, ModelNotFound, ImportError) as exc:
            _error(f"{exc}")
            raise typer.Exit(2) from None
        finally:
            flows_log.removeHandler(handler)
            flows_log.propagate = True
    _summary(result["counts"], result["failures"], result["reports"], result["seconds"])
    _ENDS_NOW.add("run")


@app.command()
def analyze(
    files: Annotated[list[Path], typer.Argument(help="PDF, DOCX, TXT or MD files (not folders: `sistercity run FOLDER` processes an inbox).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for documents/passages/entities.jsonl, verdicts.json and the reports.")],
    case: Annotated[str | None, typer.Option("--case", help="Slug of the case these files are about; the reports then hold "
                                                             "this case only (default: every case the passages are attributed to).")] = None,
    case_file: Annotated[Path | None, typer.Option("--case-file", help="A case.toml with the two cities (improves attribution and agencies).")] = None,
    model: ModelOpt = None,
    max_mb: MaxMbOpt = None,
    lang: LangOpt = None,
    published_tiebreak: TiebreakOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """One-shot analysis of loose files, with no store and no server. Exits 1 when no file could be read."""
    _logging(verbose)
    lang = _report_lang(lang)
    from pipeline.ingest.cases import CaseFileError, adhoc_case, load_case
    from pipeline.ingest.discover import InboxError, discover
    from pipeline.stages import analyze_files, load_models

    settings = Settings.from_env(model_version=model, max_mb=max_mb, lang=lang, published_tiebreak=published_tiebreak or None)
    missing = [f for f in files if not f.exists()]
    if missing:
        _error(f"no such file: {', '.join(map(str, missing))}")
        raise typer.Exit(2)
    folders = [f for f in files if f.is_dir()]
    if folders:
        _error(f"{', '.join(map(str, folders))}: a folder, not a file; analyze takes files "
               f"(e.g. {folders[0]}/*.pdf), and `sistercity run {folders[0]}` processes a folder of case folders")
        raise typer.Exit(2)
    # a case folder's case.toml that a glob (`folder/*`) brought along is the case file, not a document
    tomls = [f for f in files if f.name == "case.toml"]
    files = [f for f in files if f.name != "case.toml"]
    if tomls and case_file is None:
        case_file = tomls[0]
    if not files:
        _error("no document to analyze: only case.toml was given")
        raise typer.Exit(2)
    try:
        the_case = load_case(case_file) if case_file else adhoc_case(case) if case else None
    except CaseFileError as exc:
        _error(f"{exc}")
        raise typer.Exit(2) from None
    if the_case is not None and case:
        the_case.slug = case
    try:
        known = discover(settings.inbox)[0] if isinstance(settings.inbox, Path) and settings.inbox.exists() else []
    except (InboxError, CaseFileError) as exc:
        _warn(f"cases of {settings.inbox} not read ({exc}); attribution knows only --case")
        known = []
    from pipeline.classify.model import ModelNotFound

    try:
        models = load_models(str(settings.models), settings.model_version)
    except ModelNotFound as exc:
        _error(f"{exc}")
        raise typer.Exit(2) from None
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console) as progress:
        task_id = progress.add_task("analysing", total=len(files))
        docs, paths = analyze_files(files, the_case, out, settings, known_cases=known, models=models,
                                    progress=lambda p, d: progress.update(task_id, advance=1, description=escape(p.name[-40:])))
    counts = {"seen": len(docs), "new": sum(d.status == "ok" for d in docs), "failed": sum(d.status != "ok" for d in docs)}
    _summary(counts, [{"path": d.source, "error": d.error} for d in docs if d.status != "ok"], {k: str(v) for k, v in paths.items()},
             title="sistercity analyze")
    if docs and counts["new"] == 0:
        _error(f"none of the {len(docs)} files could be read (reasons above)")
        raise typer.Exit(1)
    if the_case is None and not any(p.case for d in docs for p in d.passages):
        _warn("no passage was attributed to a case: give --case SLUG (and --case-file) to get verdicts")


@app.command()
def train(
    annotations: Annotated[Path | None, typer.Option(help="Annotations folder (default: the repository's).")] = None,
    models: Annotated[Path | None, typer.Option(help="Models folder to write the new version into.")] = None,
    no_eval: Annotated[bool, typer.Option("--no-eval", help="Skip the leave-one-case-out figures in the model card.")] = False,
    bank: Annotated[bool, typer.Option("--bank", help="Also train on the sentence bank (annotations/bank/): "
                                                      "sentences in the field's voices, never tested on.")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Train the passage classifier from annotations/ into a new models/passage_clf.vN/."""
    _logging(verbose)
    from pipeline.classify.train import train as train_model
    from pipeline.paths import annotations_dir, models_dir

    with console.status("training (leave-one-case-out evaluation first)" if not no_eval else "training"):
        folder = train_model(annotations or annotations_dir(), models or models_dir(), evaluate=not no_eval, bank=bank)
    card = json.loads((folder / "card.json").read_text())
    console.print(f"wrote {folder}")
    if "leave_one_case_out" in card:
        console.print_json(data=card["leave_one_case_out"]["overall"])


@app.command("train-ner")
def train_ner(
    annotations: Annotated[Path | None, typer.Option(help="Annotations folder (default: the repository's).")] = None,
    models: Annotated[Path | None, typer.Option(help="Models folder to write the new version into.")] = None,
    epochs: Annotated[int, typer.Option(help="Training epochs.")] = 8,
    no_eval: Annotated[bool, typer.Option("--no-eval", help="Skip the leave-one-case-out figures in the model card.")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Train the spaCy NER from annotations/ into a new models/ner_spacy.vN/."""
    _logging(verbose)
    from pipeline.nlp.ner import TrainParams
    from pipeline.paths import annotations_dir, models_dir
    from pipeline.quality.ner import train_ner as train_ner_model

    with console.status("training the NER (six leave-one-case-out folds first)" if not no_eval else "training the NER"):
        folder = train_ner_model(annotations or annotations_dir(), models or models_dir(), TrainParams(epochs=epochs),
                                 evaluate=not no_eval)
    card = json.loads((folder / "card.json").read_text())
    console.print(f"wrote {folder}")
    if "leave_one_case_out" in card:
        console.print_json(data={k: {label: v["f1"] for label, v in card["leave_one_case_out"][k].items()}
                                 for k in ("per_label", "per_label_rules_only", "per_label_ner_only")
                                 if k in card["leave_one_case_out"]})


@app.command()
def serve(
    inbox: InboxArg = None,
    cron: Annotated[str, typer.Option(help="When to run, as a cron expression (server time zone).")] = "0 2 * * *",
    db: DbOpt = None,
    reports: ReportsOpt = None,
    port: Annotated[int | None, typer.Option(help="Port of the local Prefect server started when PREFECT_API_URL is unset.")] = None,
    lang: LangOpt = None,
    workers: WorkersOpt = None,
    dask_address: DaskOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Run the main job on a schedule. Uses PREFECT_API_URL's server, or starts and supervises a local one."""

    _logging(verbose)
    lang = _report_lang(lang)
    settings = Settings.from_env(db=db, reports=reports, inbox=inbox, lang=lang, workers=workers, dask_address=dask_address)
    if isinstance(settings.inbox, Path) and not settings.inbox.is_dir():
        _error(f"inbox {settings.inbox} is not a folder")
        raise typer.Exit(2)
    if settings.db and "://" not in settings.db:
        settings.db = str(Path(settings.db).resolve())
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        from pipeline.prefect_server import LocalPrefectServer

        server = LocalPrefectServer(port=port)
        with console.status(f"starting a local Prefect server on port {server.port}"):
            server.start()
        server.supervise()
        os.environ["PREFECT_API_URL"] = server.api_url
    console.print(f"serving {settings.inbox} on cron '{cron}' (Prefect API {os.environ['PREFECT_API_URL']}); Ctrl-C stops")
    try:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        from pipeline.flows import serve as serve_flow

        with temporary_settings(updates={PREFECT_API_URL: os.environ["PREFECT_API_URL"]}):
            serve_flow(settings, cron)
    finally:
        if server is not None:
            server.stop()


@app.command()
def retrain(
    corrections: Annotated[Path | None, typer.Option(help="JSONL of reviewers' accepted corrections (passages.jsonl shape).")] = None,
    annotations: Annotated[Path | None, typer.Option(help="Annotations folder (default: the repository's).")] = None,
    models: Annotated[Path | None, typer.Option(help="Models folder (default: the repository's).")] = None,
    verbose: VerboseOpt = False,
) -> None:
    """The retrain flow: train with reviewers' corrections, promote the new version only if not worse held-out."""
    _logging(verbose)
    from pipeline.flows import retrain as retrain_flow
    from pipeline.paths import annotations_dir, models_dir

    with console.status("retraining (two leave-one-case-out evaluations)"):
        decision = retrain_flow(annotations or annotations_dir(), models or models_dir(), corrections)
    console.print_json(data={k: v for k, v in decision.items()})


@app.command()
def evaluate(
    out: Annotated[Path | None, typer.Option(help="Folder for results.json and REPORT.md (default: evaluation/ in the repository).")] = None,
    real: Annotated[Path | None, typer.Option(
        "--real", help="Instead: score the main job on real published texts, a folder of city pairs in the format of "
                       "../shared/realdev (case.toml, *.txt, gold.json, sentences.jsonl); writes REAL.md and real.json.")] = None,
    model: Annotated[list[str] | None, typer.Option(
        "--model", help="With --real: model versions to compare (repeatable; default: the newest and the one before).")] = None,
    pair: Annotated[list[str] | None, typer.Option("--pair", help="With --real: only these pair folders (repeatable).")] = None,
    bank: Annotated[bool | None, typer.Option(
        "--bank/--no-bank", help="Train every fold on the sentence bank too (default: as the newest shipped "
                                 "classifier was trained, its card's \"bank\").")] = None,
    verbose: VerboseOpt = False,
) -> None:
    """Measure NLP, classifier and verdicts against annotations/ (leave-one-case-out) and write the report."""
    _logging(verbose)
    from pipeline.paths import PROJECT_DIR, annotations_dir, demo_corpus

    target = out or PROJECT_DIR / "evaluation"
    if real is not None:
        _evaluate_real(real, target, model, pair)
        return
    from pipeline.quality.evaluation import run_evaluation

    if bank is None:
        bank = _shipped_with_bank()
    with console.status("evaluating (leave-one-case-out folds)"):
        results = run_evaluation(annotations_dir(), demo_corpus(), target, bank=bank)
    console.print(f"wrote {target / 'REPORT.md'} and results.json")
    console.print_json(data={"element_macro_f1": results["classifier"]["overall"]["element_macro_f1"],
                             "stance_accuracy": results["classifier"]["overall"]["stance_accuracy"],
                             "obstacle_micro_f1": results["classifier"]["overall"]["obstacle_micro_f1"],
                             "verdict_agreement": results["verdicts"]["agreement"],
                             "entity_f1": {k: v["f1"] for k, v in results["nlp"]["per_label"].items()},
                             "date_normalisation_exact": results["nlp"]["date_normalisation_exact"]})


def _shipped_with_bank() -> bool:
    """Whether the newest classifier in models/ was trained on the sentence bank (its card says so)."""
    from pipeline.classify.model import versions
    from pipeline.paths import models_dir

    found = versions(models_dir())
    card = found[-1] / "card.json" if found else None
    return bool(card and card.exists() and json.loads(card.read_text(encoding="utf-8")).get("bank"))


def _evaluate_real(real: Path, target: Path, model: list[str] | None, pair: list[str] | None) -> None:
    from pipeline.classify.model import ModelNotFound, versions
    from pipeline.paths import models_dir
    from pipeline.quality.real import run_real_evaluation

    if not real.is_dir():
        _error(f"{real} is not a folder of city pairs (case.toml, *.txt, gold.json each)")
        raise typer.Exit(2)
    chosen = model or [p.name for p in versions(models_dir())][-2:][::-1]
    try:
        with console.status(f"running the main job's stages over {real} with {', '.join(chosen)}"):
            res = run_real_evaluation(real, target, chosen, only=pair, in_corpus=target / "results.json")
    except (FileNotFoundError, ModelNotFound) as exc:
        _error(f"{exc}")
        raise typer.Exit(2) from None
    console.print(f"wrote {target / 'REAL.md'} and real.json")
    console.print_json(data={name: {"verdicts_exact": v["pooled"]["verdicts"]["exact"],
                                    "verdicts_within_one": v["pooled"]["verdicts"]["within_one"],
                                    "obstacle_code_recall": v["pooled"]["obstacle_code_recall"],
                                    "stance_accuracy": v["pooled"]["sentences"]["stance_accuracy"],
                                    "element_macro_f1": v["pooled"]["sentences"]["element_macro_f1"],
                                    "obstacle_micro_f1": v["pooled"]["sentences"]["obstacle_micro_f1"]}
                             for name, v in res["versions"].items()})


@app.command()
def agreement(
    verbose: VerboseOpt = False,
) -> None:
    """Inter-coder agreement of the double-coded passages, written to annotations/AGREEMENT.md."""
    _logging(verbose)
    from pipeline.paths import annotations_dir
    from pipeline.review.agreement import write_agreement

    path, results = write_agreement(annotations_dir())
    for name, r in results.items():
        console.print(f"{name}: n={r['n']} " + " ".join(f"{el} kappa={v['kappa']:.3f}" for el, v in r["elements"].items())
                      + f" stance kappa={r['stance']['kappa']:.3f}")
    console.print(f"wrote {path}")


@app.command()
def compare(
    cases: Annotated[list[str] | None, typer.Argument(help="Case slugs to compare (default: every case in the store).")] = None,
    db: DbOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="Folder for the comparison (default: <reports>/compare).")] = None,
    fmt: Annotated[list[str] | None, typer.Option("--format", help="html, md, json or csv; repeat for several (default: html).")] = None,
    inbox: Annotated[Path | None, typer.Option("--inbox", help="Inbox whose case.toml files name each case's cities (env SISTERCITY_INBOX).")] = None,
    lang: LangOpt = None,
    published_tiebreak: TiebreakOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Cross-case comparison from the store: cases x elements, obstacle frequencies, shared patterns, timelines, gaps."""
    _logging(verbose)
    from pipeline.report.build import FORMATS
    from pipeline.runs.report import compare_from_store

    lang = _report_lang(lang)
    formats = tuple(fmt or ["html"])
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        _error(f"--format: unknown {', '.join(bad)}; valid values: {', '.join(FORMATS)}")
        raise typer.Exit(2)
    settings = Settings.from_env(db=_existing_store(db), inbox=inbox, lang=lang,
                                 published_tiebreak=published_tiebreak or None)
    target = out or Path(settings.reports) / "compare"
    try:
        paths = compare_from_store(settings.db, target, cases or None, formats=formats, lang=settings.lang,
                                   inbox=settings.inbox, published_tiebreak=settings.published_tiebreak,
                                   models_folder=settings.models)
    except ValueError as exc:
        _error(f"{exc}")
        raise typer.Exit(2) from None
    for name, path in paths.items():
        console.print(f"wrote {path}" if name else "")


@app.command("train-stanza")
def train_stanza(
    annotations: Annotated[Path | None, typer.Option(help="Annotations folder (default: the repository's).")] = None,
    models: Annotated[Path | None, typer.Option(help="Models folder to write the new ner_stanza.vN into.")] = None,
    verbose: VerboseOpt = False,
) -> None:
    """Train the stanza NER backend (the stanza extra) from annotations/ into a new models/ner_stanza.vN/."""
    _logging(verbose)
    from pipeline.nlp.stanza_backend import release_stanza_ner
    from pipeline.paths import PROJECT_DIR, annotations_dir, models_dir

    loco_file = PROJECT_DIR / "evaluation" / "stanza.json"
    loco = json.loads(loco_file.read_text(encoding="utf-8")) if loco_file.exists() else None
    with console.status("training stanza NER (minutes on a CPU)"):
        folder = release_stanza_ner(annotations or annotations_dir(), models or models_dir(), loco=loco)
    card = json.loads((folder / "card.json").read_text())
    console.print(f"wrote {folder}")
    console.print_json(data={"dev_f1": card["training"]["dev_f1"], "leave_one_case_out": card["leave_one_case_out"]})


@app.command("evaluate-stanza")
def evaluate_stanza(
    out: Annotated[Path | None, typer.Option(help="Result file (default: evaluation/stanza.json in the repository).")] = None,
    verbose: VerboseOpt = False,
) -> None:
    """Leave-one-case-out figures of the stanza NER backend, compared with the spaCy backend's in evaluation/results.json."""
    _logging(verbose)
    from pipeline.paths import PROJECT_DIR, annotations_dir
    from pipeline.quality.stanza import comparison_rows, evaluate_stanza_loco, write_stanza_evaluation

    target = out or PROJECT_DIR / "evaluation" / "stanza.json"
    spacy_file = PROJECT_DIR / "evaluation" / "results.json"
    spacy = json.loads(spacy_file.read_text(encoding="utf-8")) if spacy_file.exists() else None
    with console.status("evaluating stanza NER (six leave-one-case-out trainings)"):
        result = evaluate_stanza_loco(annotations_dir())
    write_stanza_evaluation(result, target, spacy)
    table = Table(title="entity F1, exact span + label, leave-one-case-out")
    for col in ("label", "spaCy (results.json)", "stanza"):
        table.add_column(col)
    for label, s, t in comparison_rows(result, spacy):
        table.add_row(label, "-" if s is None else f"{s:.3f}", f"{t:.3f}")
    Console().print(table)
    console.print(f"wrote {target}")


@app.command()
def status(db: DbOpt = None, limit: Annotated[int, typer.Option(help="How many runs.")] = 10) -> None:
    """Show the last runs recorded in the store (read only: never creates a store)."""
    from pipeline.store.db import Store

    target = _existing_store(db)
    store = Store(target)
    out = Console()
    table = Table(title=escape(f"runs in {target}"), title_justify="left", box=box.SIMPLE_HEAD, show_edge=False,
                  padding=(0, 1), pad_edge=False)
    # short headers, so that the table fits 80 columns; the legend below says what they mean
    for col, justify in (("run", "right"), ("started", "left"), ("status", "left"), ("seen", "right"), ("new", "right"),
                         ("chg", "right"), ("skip", "right"), ("fail", "right"), ("rm", "right"), ("sec", "right")):
        table.add_column(col, justify=justify, no_wrap=True)
    models = {}
    for r in store.runs(limit):
        c = r["counts"] or {}
        table.add_row(str(r["id"]), str(r["started_at"])[:16], r["status"], *(str(c.get(k, "")) for k in
                      ("seen", "new", "changed", "skipped", "failed", "removed")),
                      f"{r['duration']:.0f}" if r["duration"] else "")
        if r["models"]:
            models.setdefault(", ".join(r["models"].values()), []).append(str(r["id"]))
    out.print(table)
    out.print("chg: changed, skip: unchanged and skipped, fail: failed, rm: removed from the inbox, sec: seconds",
              markup=False)
    for names, runs in models.items():
        out.print(f"models of run {', '.join(runs)}: {names}", markup=False, overflow="fold")


db_app = typer.Typer(help="The store's schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None, verbose: VerboseOpt = False) -> None:
    """Create the store or bring its schema to the newest revision (every command also does this on open)."""
    _logging(verbose)
    from pipeline.store.db import Store

    settings = Settings.from_env(db=db)
    try:
        store = Store(settings.db, upgrade=False)
    except ImportError as exc:
        _error(f"{exc}")
        raise typer.Exit(2) from None
    from pipeline.store.migrate import upgrade

    before, after = upgrade(store.engine)
    where = store.engine.url.render_as_string(hide_password=True)
    store.close()
    if before == after:
        typer.echo(f"{where}: already at revision {after}")
    else:
        typer.echo(f"{where}: upgraded from revision {before or '(empty)'} to {after}")


review_app = typer.Typer(help="The review workbench: reviewers check, correct and agree on classified passages.",
                         no_args_is_help=True)
app.add_typer(review_app, name="review")


def _review_store(db: str | None, read_only: bool = False):
    """The review store; `read_only` commands exit with a message instead of creating a missing store."""
    from pipeline.store.db import Store
    from pipeline.store.reviews import ReviewStore

    return ReviewStore(Store(_existing_store(db) if read_only else Settings.from_env(db=db).db))


@review_app.command("serve")
def review_serve(
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0 for every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8600,
    inbox: Annotated[Path | None, typer.Option(help="Inbox whose case.toml files name each case's cities.")] = None,
    session_hours: Annotated[float, typer.Option(help="Hours a login lasts.")] = 8.0,
    secure_cookies: Annotated[bool, typer.Option("--secure-cookies", help="Send cookies over HTTPS only (behind a TLS proxy).")] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Serve the workbench (queue, passages, cases, agreement, audit log) over the store."""
    from datetime import timedelta

    _logging(verbose)
    try:
        import uvicorn

        from pipeline.web.app import create_app
    except ImportError as exc:
        _error(f"the workbench needs its extra: pip install 'sistercity[review]' ({exc})")
        raise typer.Exit(2) from None

    settings = Settings.from_env(db=db, inbox=inbox)
    web = create_app(settings.db, inbox=settings.inbox, session_ttl=timedelta(hours=session_hours),
                     secure_cookies=secure_cookies, published_tiebreak=settings.published_tiebreak,
                     models_folder=settings.models)
    if not web.state.reviews.reviewers():
        console.print("[yellow]note:[/yellow] no reviewer yet: `sistercity review add-user NAME --role admin`")
    console.print(f"review workbench on http://{host}:{port}/ (store {settings.db}); Ctrl-C stops")
    uvicorn.run(web, host=host, port=port, log_level="info" if verbose else "warning")


@review_app.command("add-user")
def review_add_user(
    name: Annotated[str, typer.Argument(help="The reviewer's login name.")],
    role: Annotated[str, typer.Option(help="reviewer or admin.")] = "reviewer",
    reset: Annotated[bool, typer.Option("--reset", help="Set a new password for an existing reviewer.")] = False,
    db: DbOpt = None,
) -> None:
    """Create a reviewer account. The password comes from SISTERCITY_REVIEW_PASSWORD or a prompt."""

    password = os.environ.get("SISTERCITY_REVIEW_PASSWORD") or typer.prompt(
        f"password for {name}", hide_input=True, confirmation_prompt=True)
    rs = _review_store(db)
    try:
        if reset:
            rs.set_password(name, password)
        else:
            rs.add_reviewer(name, password, role)
    except ValueError as exc:
        _error(f"{exc}")
        raise typer.Exit(2) from None
    console.print(f"{'password reset for' if reset else 'added'} {name}" + ("" if reset else f" ({role})"))


@review_app.command("import-double-coding")
def review_import(
    annotations: Annotated[Path | None, typer.Option(help="Annotations folder (default: the repository's).")] = None,
    db: DbOpt = None,
) -> None:
    """Load the corpus's double coding (annotations/double_coding/) as the codings of reviewers coder_a and coder_b."""
    from pipeline.paths import annotations_dir
    from pipeline.review.agreement_store import import_double_coding

    try:
        counts = import_double_coding(_review_store(db), annotations or annotations_dir())
    except (FileNotFoundError, ValueError) as exc:
        _error(f"{exc}")
        raise typer.Exit(2) from None
    console.print(", ".join(f"{k}: {n}" for k, n in counts.items()))


@review_app.command("agreement")
def review_agreement(
    out: Annotated[Path | None, typer.Option(help="Also write the tables as Markdown to this file.")] = None,
    db: DbOpt = None,
) -> None:
    """Kappa and alpha per element and stance: reviewer vs reviewer, model vs reviewer, per batch."""
    from pipeline.data import ELEMENTS as ELEMENT_COLUMNS
    from pipeline.review.agreement_store import agreement_markdown, store_agreement

    results = store_agreement(_review_store(db, read_only=True))
    if not results:
        console.print("no passage has been coded by two reviewers (or by a reviewer and the model) yet")
        return
    table = Table(title="agreement (kappa / alpha)")
    for col in ("batch", "pair", "n", *ELEMENT_COLUMNS, "stance"):
        table.add_column(col)
    for batch, entry in results.items():
        rows = [(f"{p['first']} vs {p['second']}", p["result"]) for p in entry["pairs"]]
        rows += [(f"model vs {m['reviewer']}", m["result"]) for m in entry["model"]]
        for name, r in rows:
            table.add_row(batch or "workbench", name, str(r["n"]),
                          *(f"{r['elements'][el]['kappa']:.3f} / {r['elements'][el]['alpha']:.3f}" for el in ELEMENT_COLUMNS),
                          f"{r['stance']['kappa']:.3f} / {r['stance']['alpha']:.3f}")
    Console().print(table)
    if out:
        out.write_text(agreement_markdown(results), encoding="utf-8")
        console.print(f"wrote {out}")


@review_app.command("export-corrections")
def review_export(
    out: Annotated[Path, typer.Argument(help="JSONL file for `sistercity retrain --corrections`.")],
    only_corrected: Annotated[bool, typer.Option("--only-corrected", help="Leave out passages reviewers accepted as the model labelled them.")] = False,
    db: DbOpt = None,
) -> None:
    """Write the reviewed passages (not the stale ones) in the shape the retrain flow reads."""
    from pipeline.review.corrections import export_corrections

    rs = _review_store(db, read_only=True)
    result = export_corrections(rs.store, out, only_corrected=only_corrected)
    console.print(f"wrote {result['written']} reviewed passages to {out}"
                  + (f"; {result['stale']} stale reviews left out" if result["stale"] else ""))


from pipeline.exchange.cli import export_app, import_app  # noqa: E402  (REFI-QDA, Label Studio, xlsx, NER data)

app.add_typer(export_app, name="export")
app.add_typer(import_app, name="import")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


# Commands after which the console-script process ends without tearing its objects down (`exit_now`).
_ENDS_NOW: set[str] = set()


def exit_now(code: int) -> None:
    """End this process the way Python would, minus freeing every object one by one: wait for the threads
    Python waits for, run the atexit handlers (Prefect's last events, the temporary API's stop, logging's
    flush), flush the standard streams, then os._exit. After a run that loaded the models, the teardown
    skipped this way took 1.3-1.5 s of the run's wall time (issue #19). Only for a process that ends here:
    the console script, or bench/scale.py's measured process."""
    import atexit
    import threading

    try:
        shutdown = getattr(threading, "_shutdown", None)  # what Python's own exit runs first
        if shutdown is not None:
            shutdown()
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)


def main() -> None:  # pragma: no cover - console-script entry point
    try:
        app()
    except SystemExit as exc:
        if _ENDS_NOW and exc.code in (0, None):
            exit_now(0)
        raise


if __name__ == "__main__":  # pragma: no cover
    main()
