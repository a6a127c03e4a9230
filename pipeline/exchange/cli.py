"""`sistercity export ...` and `sistercity import ...`: thin commands over pipeline/exchange/ (added to
the main app in pipeline/cli.py). Heavy imports happen inside the commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pipeline.config import Settings

console = Console(stderr=True)
export_app = typer.Typer(help="Write the store for other tools: REFI-QDA (qdpx, qdc), Label Studio, Excel, NER data.",
                         no_args_is_help=True)
import_app = typer.Typer(help="Bring codings back from other tools as reviews (audited, conflicts reported).",
                         no_args_is_help=True)

DbOpt = Annotated[str | None, typer.Option("--db", help="Store: a SQLite file or a SQLAlchemy URL (env SISTERCITY_DB).")]
CaseOpt = Annotated[list[str] | None, typer.Option("--case", help="Only the documents filed under this case (repeatable).")]
MapOpt = Annotated[Path | None, typer.Option("--map", help="TOML/JSON file of lines \"their code\" = \"our code\".")]


def _store(db: str | None):
    from pipeline.store.db import Store

    return Store(Settings.from_env(db=db).db)


def _fail(exc: Exception) -> None:
    console.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(2)


def _errors():
    from pipeline.exchange.codebook import CodebookError
    from pipeline.exchange.labelstudio import LabelStudioError
    from pipeline.exchange.qdpx import QdpxError

    return (CodebookError, QdpxError, LabelStudioError, ImportError, OSError)


def _counts(what: str, counts: dict) -> None:
    console.print(f"{what}: " + ", ".join(f"{k} {v}" for k, v in counts.items() if k not in ("path", "config")))


def _report(report) -> None:
    """Print an import's outcome; exit 1 when something was not saved because of a conflict."""
    _counts("imported", report.counts())
    for a in report.accounts:
        console.print(f"new reviewer account (inactive until an admin activates it): {a}")
    for p in report.problems:
        console.print(f"[yellow]skipped[/yellow] {p}")
    for c in report.conflicts:
        console.print(f"[red]conflict[/red] {c}")
    if report.conflicts:
        raise typer.Exit(1)


@export_app.command("qdpx")
def export_qdpx(out: Annotated[Path, typer.Argument(help="The .qdpx file to write.")], case: CaseOpt = None,
                db: DbOpt = None) -> None:
    """A REFI-QDA project (NVivo, ATLAS.ti, MAXQDA, QualCoder): codebook, documents, coded passages, reviews, cases, verdicts."""
    from pipeline.exchange.qdpx import write_qdpx

    try:
        _counts(f"wrote {out}", write_qdpx(_store(db), out, cases=case))
    except _errors() as exc:
        _fail(exc)


@export_app.command("qdc")
def export_qdc(out: Annotated[Path, typer.Argument(help="The .qdc file to write.")]) -> None:
    """The codebook alone as a REFI-QDA codebook (.qdc): elements, stances, obstacle codes with their definitions."""
    from pipeline.exchange.qdc import write_qdc

    try:
        _counts(f"wrote {out}", write_qdc(out))
    except _errors() as exc:
        _fail(exc)


@export_app.command("labelstudio")
def export_labelstudio(out: Annotated[Path, typer.Argument(help="Folder for tasks.json and config.xml.")],
                       case: CaseOpt = None,
                       evidence_only: Annotated[bool, typer.Option("--evidence-only", help="Leave out passages the model coded neutral.")] = False,
                       db: DbOpt = None) -> None:
    """Label Studio tasks (passages with the model's labels as predictions) and the labelling config."""
    from pipeline.exchange.labelstudio import write_labelstudio

    try:
        _counts(f"wrote {out}", write_labelstudio(_store(db), out, cases=case, evidence_only=evidence_only))
    except _errors() as exc:
        _fail(exc)


@export_app.command("xlsx")
def export_xlsx(out: Annotated[Path, typer.Argument(help="The .xlsx workbook to write.")], case: CaseOpt = None,
                db: DbOpt = None) -> None:
    """One workbook: passages, evidence, obstacles, timeline, verdicts and the coloured case x element matrix."""
    from pipeline.exchange.xlsx import write_xlsx

    try:
        _counts(f"wrote {out}", write_xlsx(_store(db), out, cases=case))
    except _errors() as exc:
        _fail(exc)


@export_app.command("ner")
def export_ner(out: Annotated[Path, typer.Argument(help="Folder for entities.spacy, doccano.jsonl and prodigy.jsonl.")],
               case: CaseOpt = None, db: DbOpt = None) -> None:
    """The entities as a spaCy DocBin and as doccano / Prodigy JSONL (one record per passage)."""
    from pipeline.exchange.nerdata import write_ner

    try:
        _counts(f"wrote {out}", write_ner(_store(db), out, cases=case))
    except _errors() as exc:
        _fail(exc)


@import_app.command("qdpx")
def import_qdpx_cmd(src: Annotated[Path, typer.Argument(help="A .qdpx project (from a QDA tool).")],
                    as_annotations: Annotated[Path | None, typer.Option("--as-annotations", help="Write its codings as training annotations (passages.jsonl fields) to this file instead of reviews.")] = None,
                    map_file: MapOpt = None, db: DbOpt = None) -> None:
    """Codings made or changed in a QDA tool come back as reviews by their coders; conflicts are listed, not saved (exit 1)."""
    import json

    from pipeline.exchange.codebook import read_mapping
    from pipeline.exchange.qdpx import annotation_rows, import_qdpx

    try:
        mapping = read_mapping(map_file) if map_file else None
        if as_annotations is not None:
            rows, problems = annotation_rows(src, mapping=mapping)
            as_annotations.parent.mkdir(parents=True, exist_ok=True)
            as_annotations.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
            console.print(f"wrote {len(rows)} annotation rows to {as_annotations}")
            for p in problems:
                console.print(f"[yellow]skipped[/yellow] {p}")
            return
        report = import_qdpx(_store(db), src, mapping=mapping)
    except _errors() as exc:
        _fail(exc)
    _report(report)


@import_app.command("labelstudio")
def import_labelstudio_cmd(src: Annotated[Path, typer.Argument(help="A Label Studio JSON export of a project made from `export labelstudio`.")],
                           annotator: Annotated[list[str] | None, typer.Option("--annotator", help="ID=NAME: the reviewer name for a Label Studio user id (repeatable).")] = None,
                           db: DbOpt = None) -> None:
    """Annotations from Label Studio come back as reviews by their annotators; conflicts are listed, not saved (exit 1)."""
    from pipeline.exchange.labelstudio import import_labelstudio

    users = {}
    for pair in annotator or []:
        uid, sep, name = pair.partition("=")
        if not sep or not uid.strip() or not name.strip():
            _fail(ValueError(f"--annotator {pair!r}: write it as ID=NAME, e.g. --annotator 1=budi"))
        users[uid.strip()] = name.strip()
    try:
        report = import_labelstudio(_store(db), src, users=users)
    except _errors() as exc:
        _fail(exc)
    _report(report)


@import_app.command("qdc")
def import_qdc_cmd(src: Annotated[Path, typer.Argument(help="A REFI-QDA codebook (.qdc), or a .qdpx whose codebook to read.")],
                   map_file: MapOpt = None) -> None:
    """Check another codebook against ours: which codes map (and how), which have no counterpart, which of ours are missing."""
    from pipeline.exchange.codebook import read_mapping
    from pipeline.exchange.qdc import compare_qdc

    try:
        result = compare_qdc(src, mapping=read_mapping(map_file) if map_file else None)
    except _errors() as exc:
        _fail(exc)
    table = Table(title=f"codebook of {src.name} against sistercity's")
    for col in ("their code", "our code", "kind", "matched by"):
        table.add_column(col)
    for row in result["matched"]:
        table.add_row(row["theirs"], row["ours"], row["kind"], row["how"])
    for name in result["unknown"]:
        table.add_row(name, "[red]none[/red]", "", "")
    Console().print(table)
    if result["missing"]:
        console.print("ours with no counterpart: " + ", ".join(result["missing"]))
    if result["unknown"]:
        console.print(f"[red]{len(result['unknown'])} of their codes do not map[/red]: add them to a --map file "
                      "(\"their code\" = \"our code\") before importing codings made with this codebook")
        raise typer.Exit(1)
