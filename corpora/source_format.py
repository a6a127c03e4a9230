"""The corpus's source format (corpora/README.md): where the sources and the rendered demo live, the
label sets, one source file parsed into its header, text and inline entity markup, and the case folders.
Shared by build.py (check, annotations) and render.py (the demo documents), so neither imports the other's
command-line module. No dependency on the `pipeline` package.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SOURCES = HERE / "sources"
DEMO = HERE / "demo"
ANNOTATIONS = ROOT / "annotations"

TYPES = {"mou", "visit_report", "interview", "minutes", "action_plan", "news", "paper", "other"}
FORMATS = {"pdf", "pdf-2col", "scan", "docx", "txt", "txt-cp1252", "md"}
ELEMENTS = ("commitment", "participation", "understanding", "reciprocity", "outcomes")
STANCES = {"positive", "obstacle", "neutral"}
OBSTACLES = {
    "budget", "staff_turnover", "language", "coordination", "monitoring", "no_follow_up",
    "ceremonial", "leadership_change", "schedule_conflict", "institutional_change",
    "undefined_outcomes", "one_sided_benefit", "hr_capacity", "bureaucracy", "external_crisis",
}
LABELS = {"PERSON", "ORG", "GPE", "DATE", "MONEY", "EVENT"}
MARKUP = re.compile(r"\[\[([^\[\]|]+)\|([A-Z]+)(?:\|([^\[\]]*))?\]\]")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(/\d{4}-\d{2}-\d{2})?$")


@dataclass
class Source:
    case: str
    stem: str
    path: Path
    header: dict[str, str]
    body: str
    plain: str = ""
    entities: list[dict] = field(default_factory=list)

    @property
    def doc_key(self) -> str:
        return f"{self.case}/{self.stem}"


def parse_source(path: Path) -> Source:
    raw = path.read_text(encoding="utf-8")
    if not raw.startswith("---\n"):
        raise ValueError(f"{path}: must start with a '---' header line")
    head, sep, body = raw[4:].partition("\n---\n")
    if not sep:
        raise ValueError(f"{path}: header is not closed by a '---' line")
    header: dict[str, str] = {}
    for line in head.splitlines():
        line = line.split("  #", 1)[0].strip()
        if not line:
            continue
        key, colon, value = line.partition(":")
        if not colon:
            raise ValueError(f"{path}: header line without ':': {line!r}")
        header[key.strip()] = value.strip()
    src = Source(case=path.parent.name, stem=path.stem, path=path, header=header, body=body)
    strip_markup(src)
    return src


def strip_markup(src: Source) -> None:
    """Fill src.plain (markup removed) and src.entities (offsets into plain)."""
    out: list[str] = []
    pos = 0
    length = 0
    for m in MARKUP.finditer(src.body):
        chunk = src.body[pos : m.start()]
        out.append(chunk)
        length += len(chunk)
        text, label, norm = m.group(1), m.group(2), m.group(3)
        src.entities.append(
            {"start": length, "end": length + len(text), "text": text, "label": label,
             "normalized": norm if norm else None}
        )
        out.append(text)
        length += len(text)
        pos = m.end()
    out.append(src.body[pos:])
    src.plain = "".join(out)


def load_case(case_dir: Path) -> dict:
    with open(case_dir / "case.toml", "rb") as fh:
        return tomllib.load(fh)


def case_dirs(names: list[str]) -> list[Path]:
    dirs = sorted(p for p in SOURCES.iterdir() if p.is_dir())
    if names:
        dirs = [d for d in dirs if d.name in names]
    return dirs
