"""One typed settings object, from flags, the environment (SISTERCITY_*) and defaults.

Defaults work with no set-up: a SQLite file in the working directory, reports
under ./reports, the models shipped in the repository's models/ folder.

The environment is read here only, by `Settings.from_env`, which only the entry points call (the CLI, and
`deployment_settings` for a scheduled run); the one `Settings` object is then handed down to every stage,
which takes the values it needs as arguments and never reads the environment again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from pipeline.ingest.limits import Limits
from pipeline.paths import demo_corpus, models_dir


@dataclass(slots=True)
class Settings:
    db: str = "sistercity.db"
    reports: Path = field(default_factory=lambda: Path("reports"))
    inbox: Path | str = field(default_factory=demo_corpus)  # a folder, or an fsspec URL (kept as a string)
    models: Path = field(default_factory=models_dir)
    model_version: str | None = None
    max_mb: float = 200.0
    ocr: bool = True
    workers: int = 1  # documents processed in parallel processes (pdfium is not thread-safe)
    dask_address: str | None = None  # tcp://host:8786: send the document tasks to this Dask cluster
    lang: str = "id"  # language of summaries and report texts: id or en
    nlp_backend: str = "spacy"  # statistical NER merged with the entity rules: spacy or stanza
    # PDF tables whose cells wrap over lines: "layout" (our own pass, fast) or "pdfplumber" (read row by row; on the
    # pages that have such tables only, but it makes the demo corpus's text PDFs about 4x slower: bench/RESULTS.md)
    pdf_tables: str = "layout"
    # What one document may expand to (pipeline/ingest/limits.py): pages per PDF, megapixels of a page rendered
    # for OCR (larger pages are rendered smaller), uncompressed XML of a DOCX in MB
    max_pages: int = 1000
    max_page_mpx: float = 25.0
    max_docx_mb: float = 32.0
    # a case document's own stated verdict decides a near tie (`Thresholds.published_tiebreak`; --published-tiebreak)
    published_tiebreak: bool = False

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * 1024 * 1024)

    @property
    def ocr_workers(self) -> int | None:
        """Processes that OCR one document's pages: the `workers` setting when above one, else None (the CPU count)."""
        return self.workers if self.workers > 1 else None

    @property
    def limits(self) -> Limits:
        return Limits(max_pages=self.max_pages, max_page_mpx=self.max_page_mpx, max_docx_mb=self.max_docx_mb)

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        """Environment SISTERCITY_<FIELD> over defaults; explicit (non-None) overrides win."""
        values = {}
        for f in fields(cls):
            env = os.environ.get(f"SISTERCITY_{f.name.upper()}")
            if env is not None:
                values[f.name] = _coerce(f.name, env)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for name in ("reports", "inbox", "models"):
            if name in values and not (name == "inbox" and _is_url(values[name])):
                values[name] = Path(values[name])
        return cls(**values)


def _is_url(value) -> bool:
    """An fsspec URL (s3://, memory://, file://, ...): a Path would mangle it, so it stays a string."""
    return "://" in str(value)


def _coerce(name: str, raw: str):
    if name in {"max_mb", "max_page_mpx", "max_docx_mb"}:
        return float(raw)
    if name in {"workers", "max_pages"}:
        return int(raw)
    if name == "ocr":  # on unless switched off
        return raw.strip().lower() not in {"0", "false", "no", "off"}
    if name == "published_tiebreak":  # off unless switched on
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    return raw


def deployment_settings(**parameters) -> Settings:
    """The settings of a scheduled run (`flows.scheduled_process_inbox`): the deployment's parameters
    over the environment of the machine that runs it, as the CLI does with its flags."""
    return Settings.from_env(**parameters)
