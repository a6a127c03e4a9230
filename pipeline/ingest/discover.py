"""Find the documents under an inbox and the case each belongs to.

A case is a folder with a `case.toml`; a document belongs to the nearest such
folder above it. Hidden files and folders are skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.ingest.cases import Case, load_case

log = logging.getLogger(__name__)


class InboxError(ValueError):
    """The inbox itself is unusable: the whole run is pointless."""


@dataclass(slots=True)
class Found:
    path: Path
    case: str | None
    relpath: str


def discover(inbox: Path) -> tuple[list[Case], Iterator[Found]]:
    inbox = Path(inbox)
    if not inbox.exists():
        raise InboxError(f"inbox {inbox} does not exist: create it, or give the folder of documents to process")
    if not inbox.is_dir():
        raise InboxError(f"inbox {inbox} is not a folder")
    cases: dict[Path, Case] = {}
    for toml in sorted(inbox.rglob("case.toml")):
        if any(part.startswith(".") for part in toml.relative_to(inbox).parts):
            continue
        cases[toml.parent] = load_case(toml)

    def files() -> Iterator[Found]:
        for path in sorted(inbox.rglob("*")):
            rel = path.relative_to(inbox)
            if not path.is_file() or path.name == "case.toml" or any(p.startswith((".", "~$")) for p in rel.parts):
                continue
            owner = next((cases[p] for p in path.parents if p in cases), None)
            yield Found(path=path, case=owner.slug if owner else None, relpath=str(rel))

    return list(cases.values()), files()
