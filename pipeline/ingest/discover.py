"""Find the documents under an inbox and the case each belongs to.

A case is a folder with a `case.toml`; a document belongs to the nearest such
folder above it. Hidden files and folders are skipped.

The inbox is a local folder or any fsspec URL (`s3://bucket/inbox` with s3fs
installed, `memory://inbox` in tests, ...). A local inbox yields `Path`s; a
remote one yields URL strings, which `read_url` fetches (whole, into memory:
the extractors take bytes) when a document has to be hashed or processed.
"""

from __future__ import annotations

import logging
import os
import posixpath
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.data import Case
from pipeline.ingest.cases import CaseFileError, load_case
from pipeline.ingest.errors import IngestError, TransientIngestError

log = logging.getLogger(__name__)


class InboxError(ValueError):
    """The inbox itself is unusable: the whole run is pointless."""


@dataclass(slots=True)
class Found:
    path: Path | str  # a Path in a local inbox, a URL string in a remote one
    case: str | None
    relpath: str
    refused: str | None = None  # why this file is not read (a link out of the inbox, its case.toml is invalid)


def store_key(path: Path | str) -> str:
    """The store's key (document path) for a file: a URL as it is; a local file's absolute path with its
    folders resolved but not the file itself, so a symbolic link is stored (and removed) as the link."""
    if is_url(path):
        return str(path)
    p = _local(path)
    return str(p.parent.resolve() / p.name)


def _link_refusal(path: Path, root: Path, rel: Path) -> str | None:
    """Why a symbolic link under the inbox is not followed (None for a link that stays inside it)."""
    try:
        target = path.resolve(strict=True)
    except (FileNotFoundError, RuntimeError, OSError) as exc:
        reason = "a loop" if isinstance(exc, RuntimeError) else "missing"
        return f"broken_link: {rel}: a symbolic link whose target is {reason} ({os.readlink(path)})"
    if not target.is_relative_to(root):
        return f"outside_inbox: {rel}: a symbolic link to {target}, outside the inbox; only links inside it are followed"
    return None


def is_url(inbox: Path | str) -> bool:
    """True for an fsspec URL other than a local file:// one."""
    text = str(inbox)
    return "://" in text and not text.startswith("file://")


def _local(inbox: Path | str) -> Path:
    text = str(inbox)
    return Path(text[len("file://"):]) if text.startswith("file://") else Path(inbox)


def inbox_key(inbox: Path | str) -> str:
    """The prefix of the store keys (document paths) of an inbox's files."""
    if not is_url(inbox):
        return str(_local(inbox).resolve())
    import fsspec

    fs, root = fsspec.core.url_to_fs(str(inbox))
    return fs.unstrip_protocol(root.rstrip("/"))


def discover(inbox: Path | str) -> tuple[list[Case], Iterator[Found]]:
    if is_url(inbox):
        return _discover_remote(str(inbox))
    inbox = _local(inbox)
    if not inbox.exists():
        raise InboxError(f"inbox {inbox} does not exist: create it, or give the folder of documents to process")
    if not inbox.is_dir():
        raise InboxError(f"inbox {inbox} is not a folder")
    root = inbox.resolve()
    cases: dict[Path, Case] = {}
    bad: dict[Path, str] = {}  # folder -> why its case.toml was refused
    for toml in sorted(inbox.rglob("case.toml")):
        if any(part.startswith(".") for part in toml.relative_to(inbox).parts):
            continue
        try:
            cases[toml.parent] = load_case(toml)
        except CaseFileError as exc:  # this case's documents fail with the reason; the other cases go on
            log.warning("%s", exc)
            bad[toml.parent] = str(exc)

    def files() -> Iterator[Found]:
        for path in sorted(inbox.rglob("*")):
            rel = path.relative_to(inbox)
            if any(p.startswith((".", "~$")) for p in rel.parts):
                continue
            if path.name == "case.toml":
                if path.parent in bad:  # recorded as a failed file, so the run's failures name it
                    yield Found(path=path, case=None, relpath=str(rel), refused=f"invalid_case: {bad[path.parent]}")
                continue
            refused = _link_refusal(path, root, rel) if path.is_symlink() else None
            if refused is None and not path.is_file():
                continue
            folder = next((p for p in path.parents if p in cases or p in bad), None)
            if folder in bad and refused is None:
                refused = f"invalid_case: {rel}: not read, its case file is invalid: {bad[folder]}"
            owner = cases.get(folder) if folder is not None else None
            yield Found(path=path, case=owner.slug if owner else None, relpath=str(rel), refused=refused)

    return list(cases.values()), files()


def _filesystem(url: str):
    import fsspec

    try:
        return fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:  # e.g. s3:// without s3fs installed
        raise InboxError(f"inbox {url}: cannot open this kind of URL ({exc})") from exc


def _discover_remote(url: str) -> tuple[list[Case], Iterator[Found]]:
    fs, root = _filesystem(url)
    root = root.rstrip("/")
    try:
        if not fs.exists(root):
            raise InboxError(f"inbox {url} does not exist: create it, or give the folder of documents to process")
        if not fs.isdir(root):
            raise InboxError(f"inbox {url} is not a folder")
        listing = sorted(fs.find(root))
    except OSError as exc:
        raise InboxError(f"inbox {url}: cannot list it ({exc})") from exc

    def rel(p: str) -> str:
        return p[len(root):].lstrip("/")

    def hidden(p: str) -> bool:
        return any(part.startswith((".", "~$")) for part in rel(p).split("/"))

    cases: dict[str, Case] = {}
    for p in listing:
        if posixpath.basename(p) == "case.toml" and not hidden(p):
            cases[posixpath.dirname(p)] = _remote_case(fs, p)

    def owner(p: str) -> Case | None:
        folder = posixpath.dirname(p)
        while folder.startswith(root):
            if folder in cases:
                return cases[folder]
            if folder == root:
                break
            folder = posixpath.dirname(folder)
        return None

    def files() -> Iterator[Found]:
        for p in listing:
            if posixpath.basename(p) == "case.toml" or hidden(p):
                continue
            case = owner(p)
            yield Found(path=fs.unstrip_protocol(p), case=case.slug if case else None, relpath=rel(p))

    return list(cases.values()), files()


def _remote_case(fs, path: str) -> Case:
    """load_case reads a file: fetch the case.toml into a temporary one; errors name the URL."""
    url = fs.unstrip_protocol(path)
    try:
        data = fs.cat_file(path)
    except OSError as exc:
        raise CaseFileError(f"{url}: cannot read case file ({exc})") from exc
    with tempfile.TemporaryDirectory(prefix="sistercity-case-") as tmp:
        local = Path(tmp) / posixpath.basename(posixpath.dirname(path)) / "case.toml"
        local.parent.mkdir()
        local.write_bytes(data)
        try:
            case = load_case(local)
        except CaseFileError as exc:
            raise CaseFileError(str(exc).replace(str(local), url)) from exc
    case.folder = None
    return case


def read_url(url: str, max_bytes: int | None = None) -> bytes:
    """The bytes of a remote document. Missing or too large: IngestError; other I/O errors are transient."""
    name = posixpath.basename(url)
    fs, path = _filesystem(url)
    try:
        if max_bytes is not None:
            size = fs.size(path) or 0
            if size > max_bytes:
                raise IngestError("too_large", f"{name}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit (--max-mb)")
        return fs.cat_file(path)
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise IngestError("unreadable", f"{url}: {exc}") from exc
    except OSError as exc:  # network filesystems: worth a retry
        raise TransientIngestError("io", f"{url}: {exc}") from exc
