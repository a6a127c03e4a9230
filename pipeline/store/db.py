"""The store: documents, passages, entities and runs in SQLite (default) or PostgreSQL.

One document row per source path. Re-processing a path replaces its
passages and entities in one transaction, so a crash leaves either the old
rows or the new ones, never both and never half.

Several runs may share a store. A run claims a document (a row in `claims`)
before processing it and drops the claim in the same transaction that saves
the document, so no document is processed by two runs at once. A claim whose
owner died (same host, process gone) or that outlived `claim_ttl` is stale
and may be taken over. Runs record their owner and a heartbeat, so a run that
was killed shows as `interrupted` rather than `running` forever.

The schema is managed by Alembic (`pipeline/store/migrations/`); opening a
store upgrades it to the newest revision (`pipeline.store.migrate`).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker

from pipeline.data import Block, Document, Entity, PageSpan, Passage
from pipeline.store.faults import fault

log = logging.getLogger(__name__)

# A claim or a run with no sign of life for this long is taken as dead, even on another host.
CLAIM_TTL = timedelta(hours=2)


class Base(DeclarativeBase):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


class DocumentRow(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(1024), unique=True, index=True)
    doc: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(512))
    case: Mapped[str | None] = mapped_column(String(200), index=True)
    type: Mapped[str] = mapped_column(String(32), default="other")
    sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="ok")
    error: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, default="")
    pages: Mapped[list] = mapped_column(JSON, default=list)
    blocks: Mapped[list] = mapped_column(JSON, default=list)
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    model: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    passages: Mapped[list[PassageRow]] = relationship(back_populates="document", cascade="all, delete-orphan",
                                                      order_by="(PassageRow.start, PassageRow.id)")
    entities: Mapped[list[EntityRow]] = relationship(cascade="all, delete-orphan",
                                                     order_by="(EntityRow.start, EntityRow.id)")


class PassageRow(Base):
    __tablename__ = "passages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    doc: Mapped[str] = mapped_column(String(64), index=True)
    page: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    case: Mapped[str | None] = mapped_column(String(200), index=True)
    section: Mapped[str | None] = mapped_column(Text)
    speaker: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="paragraph")
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    elements: Mapped[list] = mapped_column(JSON, default=list)
    stance: Mapped[str] = mapped_column(String(16), default="neutral")
    stance_scores: Mapped[dict] = mapped_column(JSON, default=dict)
    obstacles: Mapped[list] = mapped_column(JSON, default=list)
    explanation: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    document: Mapped[DocumentRow] = relationship(back_populates="passages")


class EntityRow(Base):
    __tablename__ = "entities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    doc: Mapped[str] = mapped_column(String(64), index=True)
    page: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(16))
    normalized: Mapped[str | None] = mapped_column(Text)


class RunRow(Base):
    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    inbox: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="running")
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    failures: Mapped[list] = mapped_column(JSON, default=list)
    models: Mapped[dict] = mapped_column(JSON, default=dict)
    seconds: Mapped[dict] = mapped_column(JSON, default=dict)
    duration: Mapped[float | None] = mapped_column(Float)
    owner: Mapped[str | None] = mapped_column(String(200))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ClaimRow(Base):
    """A document some run is processing right now; deleted when its result is saved."""

    __tablename__ = "claims"
    path: Mapped[str] = mapped_column(String(1024), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    run_id: Mapped[int | None] = mapped_column(Integer)
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# ---------------------------------------------------------------------- review workbench (0004)
# Reviews are keyed by document path + passage offsets + a hash of the passage text, not by
# passages.id: passage rows are replaced whenever a document is re-processed.


class ReviewerRow(Base):
    __tablename__ = "reviewers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16), default="reviewer")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)  # 0005


class ReviewSessionRow(Base):
    __tablename__ = "review_sessions"
    token_sha: Mapped[str] = mapped_column(String(64), primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("reviewers.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReviewSettingRow(Base):
    __tablename__ = "review_settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class PassageReviewRow(Base):
    """The current reviewed labels of a passage: they take precedence over the model's."""

    __tablename__ = "passage_reviews"
    __table_args__ = (UniqueConstraint("doc_key", "start", "end", "text_sha", name="uq_passage_reviews_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doc_key: Mapped[str] = mapped_column(String(1024), index=True)  # the document's path
    doc: Mapped[str] = mapped_column(String(64))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text_sha: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # accepted | corrected
    elements: Mapped[list] = mapped_column(JSON, default=list)
    stance: Mapped[str] = mapped_column(String(16))
    obstacles: Mapped[list] = mapped_column(JSON, default=list)
    case: Mapped[str | None] = mapped_column(String(200))
    memo: Mapped[str] = mapped_column(Text, default="")
    model: Mapped[dict] = mapped_column(JSON, default=dict)  # the model's labels when reviewed
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("reviewers.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class CodingRow(Base):
    """One reviewer's labels for one passage (for agreement); `batch` groups imported double-coding rounds."""

    __tablename__ = "codings"
    __table_args__ = (UniqueConstraint("unit", "batch", "reviewer_id", name="uq_codings_unit"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit: Mapped[str] = mapped_column(String(1200), index=True)  # doc_key:start-end:text_sha
    doc_key: Mapped[str] = mapped_column(String(1024))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text_sha: Mapped[str] = mapped_column(String(64))
    batch: Mapped[str] = mapped_column(String(64), default="")
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("reviewers.id"), index=True)
    elements: Mapped[list] = mapped_column(JSON, default=list)
    stance: Mapped[str] = mapped_column(String(16))
    obstacles: Mapped[list] = mapped_column(JSON, default=list)
    case: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class VerdictOverrideRow(Base):
    __tablename__ = "verdict_overrides"
    __table_args__ = (UniqueConstraint("case", "element", name="uq_verdict_overrides_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case: Mapped[str] = mapped_column(String(200))
    element: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    replaced_status: Mapped[str | None] = mapped_column(String(32))  # the aggregator's status when overridden
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("reviewers.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class AuditRow(Base):
    """Append-only: the code never updates or deletes a row, and database triggers refuse it."""

    __tablename__ = "review_audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    reviewer_id: Mapped[int | None] = mapped_column(Integer)
    reviewer: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(Text)
    old: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    new: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class LoginFailureRow(Base):
    """Recent failed logins for one login name (0005), shared by every workbench process on the store.
    `failed_at` holds the POSIX times of the failures still inside the lock-out window."""

    __tablename__ = "review_login_failures"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    failed_at: Mapped[list] = mapped_column(JSON, default=list)
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


def _inside(path: str, under: str) -> bool:
    """`path` is `under` itself or below it, component by component (a local path or a URL)."""
    return path == under or (path.startswith(under) and path[len(under)] in {"/", os.sep})


def default_url(path: Path | str = "sistercity.db") -> str:
    return f"sqlite:///{Path(path).resolve()}"


def store_url(db: str) -> str:
    """A SQLAlchemy URL for `--db`: URLs pass through, a bare path means a SQLite file."""
    return db if "://" in db else default_url(db)


def new_owner() -> str:
    """A token naming this process: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_is_dead(owner: str | None) -> bool:
    """True only when we can tell: the owner ran on this host and its process is gone."""
    host, _, rest = (owner or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def _aware(t: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; everything stored is UTC."""
    return t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t


def _clean(value: str | None) -> str | None:
    """PostgreSQL text cannot hold NUL; U+FFFD keeps every offset where it was, on both databases."""
    return value.replace("\x00", "\ufffd") if value and "\x00" in value else value


class Store:
    def __init__(self, url: str, *, upgrade: bool = True, claim_ttl: timedelta = CLAIM_TTL):
        self.url = url = store_url(url)
        self.claim_ttl = claim_ttl
        try:
            self.engine = create_engine(url, future=True)
        except ImportError as exc:
            if url.startswith("postgresql"):
                raise ImportError(f"a PostgreSQL store needs psycopg: pip install 'sistercity[postgres]' ({exc})") from exc
            raise
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        if upgrade:
            from pipeline.store.migrate import upgrade as upgrade_schema

            upgrade_schema(self.engine)
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        self._redoable = sessionmaker(self.engine.execution_options(sqlite_synchronous="NORMAL"), expire_on_commit=False)
        self._read = sessionmaker(self.engine.execution_options(sqlite_begin="DEFERRED"), expire_on_commit=False)

    @contextmanager
    def session(self, *, redoable: bool = False) -> Iterator[Session]:
        """A write transaction (on SQLite it takes the write lock at once: no lock upgrade can fail later).

        `redoable`: what it writes, a run redoes when it is missing (a processed document, a claim, a heartbeat),
        so on SQLite its commit does not wait for the disk (synchronous=NORMAL in WAL mode: an application crash
        or kill loses nothing, a power cut or OS crash may lose the last such commits, never corrupts the file).
        The next ordinary commit (reviews, users, a run's start and end) syncs them too."""
        with (self._redoable if redoable else self._session)() as s, s.begin():
            yield s

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only transaction: a consistent snapshot that blocks no writer."""
        with self._read() as s, s.begin():
            yield s

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ documents
    def fingerprint(self, path: str) -> tuple[str | None, str | None, bool] | None:
        """(sha256, status, removed) of the stored document at `path`, or None."""
        with self.reading() as s:
            row = s.execute(select(DocumentRow.sha256, DocumentRow.status, DocumentRow.removed)
                            .where(DocumentRow.path == path)).first()
            return tuple(row) if row else None

    def save_document(self, d: Document, model: str | None = None, owner: str | None = None) -> None:
        """Insert or replace the document at d.path with its passages and entities, atomically.

        With `owner`, the owner's claim on the path is dropped in the same transaction.
        """
        with self.session(redoable=True) as s:
            row = s.execute(select(DocumentRow).where(DocumentRow.path == d.path)).scalar_one_or_none()
            if row is None:
                row = DocumentRow(path=d.path)
                s.add(row)
            else:
                s.execute(delete(PassageRow).where(PassageRow.document_id == row.id))
                s.execute(delete(EntityRow).where(EntityRow.document_id == row.id))
            row.doc, row.source, row.case, row.type = d.doc, d.source, d.case, d.type
            row.sha256, row.status, row.error, row.text = d.sha256, d.status, _clean(d.error), _clean(d.text)
            row.pages = [{"page": p.page, "start": p.start, "end": p.end, "ocr_confidence": p.ocr_confidence} for p in d.pages]
            row.blocks = [{"start": b.start, "end": b.end, "kind": b.kind, "section": _clean(b.section),
                           "speaker": _clean(b.speaker)} for b in d.blocks]
            row.warnings, row.removed, row.model, row.updated_at = list(d.warnings), False, model, _now()
            s.flush()
            # one executemany per table (the same rows, ids and JSON as adding ORM objects, without their bookkeeping)
            if d.passages:
                s.execute(insert(PassageRow.__table__), [
                    {"document_id": row.id, "doc": p.doc, "page": p.page, "start": p.start, "end": p.end,
                     "text": _clean(p.text), "case": p.case, "section": _clean(p.section), "speaker": _clean(p.speaker),
                     "kind": p.kind, "scores": p.scores, "elements": p.elements, "stance": p.stance,
                     "stance_scores": p.stance_scores, "obstacles": p.obstacles, "explanation": p.explanation or None}
                    for p in d.passages])
            if d.entities:
                s.execute(insert(EntityRow.__table__), [
                    {"document_id": row.id, "doc": e.doc, "page": e.page, "start": e.start, "end": e.end,
                     "text": _clean(e.text), "label": e.label, "normalized": _clean(e.normalized)} for e in d.entities])
            if owner is not None:
                gone = s.execute(delete(ClaimRow).where(ClaimRow.path == d.path, ClaimRow.owner == owner)).rowcount
                if not gone:
                    log.warning("%s: saved, but its claim had been taken over (processing outlived claim_ttl?)", d.path)
            s.flush()
            fault("save:rows")

    def mark_removed(self, under: str, present: set[str]) -> list[str]:
        """Mark documents stored under the inbox `under` (a folder or a URL) but not in `present` as removed.
        "Under" goes by path components: the inbox /d/pre holds /d/pre/a.pdf, not /d/pre2/a.pdf."""
        under = under.rstrip("/" + os.sep) or under
        with self.session() as s:
            rows = s.execute(select(DocumentRow).where(DocumentRow.path.startswith(under, autoescape=True),
                                                       DocumentRow.removed.is_(False))).scalars().all()
            gone = [r for r in rows if r.path not in present and _inside(r.path, under)]
            for r in gone:
                r.removed = True
            return [r.path for r in gone]

    def documents(self, cases: list[str] | None = None, include_removed: bool = False) -> list[Document]:
        """Every stored document, read in one transaction (`iter_documents` reads them a batch at a time)."""
        with self.reading() as s:
            q = self._filtered(select(DocumentRow), cases, include_removed)
            return [_to_document(r) for r in s.execute(q).scalars().all()]

    def document(self, row_id: int) -> Document | None:
        """One stored document by its row id (None when there is none or it was removed)."""
        with self.reading() as s:
            row = s.get(DocumentRow, row_id)
            return None if row is None or row.removed else _to_document(row)

    # Streaming reads: what aggregating and reporting over a large store needs without holding every
    # document at once. Same order as `documents()` (case, nulls first, then path).
    def _ordered(self, q):
        return q.order_by(DocumentRow.case.asc().nulls_first(), DocumentRow.path)

    def _filtered(self, q, cases: list[str] | None, include_removed: bool):
        """`q` in `documents()` order, limited to `cases` and, unless `include_removed`, to present documents."""
        q = self._ordered(q)
        if cases is not None:
            q = q.where(DocumentRow.case.in_(cases))
        return q if include_removed else q.where(DocumentRow.removed.is_(False))

    def document_ids(self, cases: list[str] | None = None, include_removed: bool = False, *,
                     docs: set[str] | None = None, status: str | None = None) -> list[int]:
        """Row ids of the stored documents in `documents()` order; `docs` keeps only these document
        ids (content hashes), `status` only documents with that status."""
        q = self._filtered(select(DocumentRow.id), cases, include_removed)
        if status is not None:
            q = q.where(DocumentRow.status == status)
        with self.reading() as s:
            if docs is None:
                return list(s.execute(q).scalars())
            wanted = sorted(docs)
            out: set[int] = set()
            for i in range(0, len(wanted), 500):  # bounded IN lists
                out.update(s.execute(select(DocumentRow.id).where(DocumentRow.doc.in_(wanted[i:i + 500]))).scalars())
            return [rid for rid in s.execute(q).scalars() if rid in out]

    def iter_rows(self, ids: list[int], *, text: bool = True, passages: bool = True, entities: bool = True,
                  explanations: bool = True, batch: int = 25) -> Iterator[tuple[int, Document]]:
        """(row id, Document) for the given row ids, in that order, loaded `batch` at a time: only one
        batch of documents is in memory at once. `text`/`passages`/`entities`/`explanations`=False leave
        those empty (lighter). A row deleted meanwhile is skipped."""
        docs, passage_t, entity_t = DocumentRow.__table__, PassageRow.__table__, EntityRow.__table__
        # plain rows, not ORM objects (the same values through the same column types; ~2x faster to build)
        doc_cols = [c for c in docs.c if c.name != "text" or text]
        passage_cols = [c for c in passage_t.c if c.name != "explanation" or explanations]
        for i in range(0, len(ids), batch):
            chunk = ids[i:i + batch]
            with self.reading() as s:
                rows = {r.id: r for r in s.execute(select(*doc_cols).where(docs.c.id.in_(chunk)))}
                found = list(rows)
                # each document's passages and entities in the relationships' order: (start, id)
                parts_of: dict[str, dict[int, list]] = {"passages": {}, "entities": {}}
                for name, table, cols, wanted in (("passages", passage_t, passage_cols, passages),
                                                  ("entities", entity_t, list(entity_t.c), entities)):
                    if wanted and found:
                        for r in s.execute(select(*cols).where(table.c.document_id.in_(found))
                                           .order_by(table.c.document_id, table.c.start, table.c.id)):
                            parts_of[name].setdefault(r.document_id, []).append(r)
                loaded = [(rid, _to_document(rows[rid], text=text, passages=passages, entities=entities,
                                             explanations=explanations,
                                             passage_rows=parts_of["passages"].get(rid, []),
                                             entity_rows=parts_of["entities"].get(rid, [])))
                          for rid in chunk if rid in rows]
            yield from loaded

    def iter_documents(self, cases: list[str] | None = None, include_removed: bool = False, *,
                       batch: int = 25, **parts) -> Iterator[Document]:
        """The documents of `documents()` one at a time (read `batch` at a time), with their passages and
        entities unless `passages=False` / `entities=False` / `text=False` say otherwise."""
        for _, d in self.iter_rows(self.document_ids(cases, include_removed), batch=batch, **parts):
            yield d

    def document_models(self) -> list[tuple[str, str | None]]:
        """(document id, passage classifier) of every readable, not removed document, in `documents()` order."""
        with self.reading() as s:
            return [tuple(r) for r in s.execute(self._ordered(
                select(DocumentRow.doc, DocumentRow.model).where(DocumentRow.removed.is_(False),
                                                                 DocumentRow.status == "ok")))]

    def docs_with_passages_of(self, case: str) -> set[str]:
        """Document ids (content hashes) of the not removed documents with a passage attributed to `case`."""
        with self.reading() as s:
            return set(s.execute(select(DocumentRow.doc).distinct().join(PassageRow, PassageRow.document_id == DocumentRow.id)
                                 .where(PassageRow.case == case, DocumentRow.removed.is_(False))).scalars())

    def docs_at(self, paths: set[str]) -> set[str]:
        """Document ids of the not removed documents stored at these paths."""
        wanted, out = sorted(paths), set()
        with self.reading() as s:
            for i in range(0, len(wanted), 500):
                out.update(s.execute(select(DocumentRow.doc).where(DocumentRow.path.in_(wanted[i:i + 500]),
                                                                   DocumentRow.removed.is_(False))).scalars())
        return out

    def cases(self, include_removed: bool = True) -> list[str]:
        q = select(DocumentRow.case).distinct()
        if not include_removed:
            q = q.where(DocumentRow.removed.is_(False))
        with self.reading() as s:
            return sorted(c for (c,) in s.execute(q) if c)

    def passage_cases(self) -> set[str]:
        """The cases the passages of the not removed documents are attributed to (a paper can discuss
        a case that has no folder of its own)."""
        with self.reading() as s:
            return set(s.execute(select(PassageRow.case).distinct().join(DocumentRow, PassageRow.document_id == DocumentRow.id)
                                 .where(PassageRow.case.is_not(None), DocumentRow.removed.is_(False))).scalars())

    def present_ids(self, by: str = "path") -> dict[str, int]:
        """Row id of every not removed document, keyed by its `path` (store key) or its `doc` (content id)."""
        if by not in {"path", "doc"}:
            raise ValueError(f"by: {by!r}; valid values: path, doc")
        key = DocumentRow.path if by == "path" else DocumentRow.doc
        with self.reading() as s:
            return {k: i for i, k in s.execute(select(DocumentRow.id, key).where(DocumentRow.removed.is_(False)))}

    def source_of(self, row_id: int) -> tuple[str, str | None] | None:
        """(path, sha256) of the file a stored document was read from; None when there is no such row."""
        with self.reading() as s:
            row = s.get(DocumentRow, row_id)
            return (row.path, row.sha256) if row else None

    def change_marks(self, skip: frozenset[str] = frozenset({"runs", "claims", "review_sessions",
                                                                   "review_login_failures"})) -> list:
        """What changes whenever the store's content does: every table but the bookkeeping ones in `skip`,
        by row count and latest change (`updated_at`, the largest and the summed `id`), and the number of
        removed documents. Cheap: no document is loaded (the reports' input fingerprint)."""
        from sqlalchemy import func

        parts: list = []
        with self.reading() as s:
            for name, table in sorted(Base.metadata.tables.items()):
                if name in skip:
                    continue
                cols = [func.count()]
                if "updated_at" in table.c:
                    cols.append(func.max(table.c.updated_at))
                if "id" in table.c:
                    cols += [func.max(table.c.id), func.sum(table.c.id)]
                parts.append([name, *map(str, s.execute(select(*cols).select_from(table)).one())])
            parts.append(s.execute(select(func.count()).where(DocumentRow.removed.is_(True))).scalar_one())
        return parts

    # ------------------------------------------------------------------ claims
    def claim(self, path: str, owner: str, run_id: int | None = None) -> bool:
        """Claim `path` for `owner`; False while another live owner holds it. A stale claim is taken over."""
        now = _now()
        try:
            with self.session(redoable=True) as s:
                held = s.execute(select(ClaimRow).where(ClaimRow.path == path).with_for_update()).scalar_one_or_none()
                if held is not None:
                    if held.owner == owner:
                        held.expires_at = now + self.claim_ttl
                        return True
                    if not self._stale(held.owner, _aware(held.expires_at), now):
                        return False
                    log.warning("%s: taking over the stale claim of %s (run %s)", path, held.owner, held.run_id)
                    s.delete(held)
                    s.flush()
                s.add(ClaimRow(path=path, owner=owner, run_id=run_id, claimed_at=now, expires_at=now + self.claim_ttl))
        except IntegrityError:  # PostgreSQL: another run inserted the same claim a moment earlier
            return False
        return True

    def release(self, path: str, owner: str) -> None:
        with self.session(redoable=True) as s:
            s.execute(delete(ClaimRow).where(ClaimRow.path == path, ClaimRow.owner == owner))

    def claims(self) -> list[dict]:
        with self.reading() as s:
            return [{"path": c.path, "owner": c.owner, "run_id": c.run_id, "claimed_at": _aware(c.claimed_at),
                     "expires_at": _aware(c.expires_at)}
                    for c in s.execute(select(ClaimRow).order_by(ClaimRow.path)).scalars()]

    @staticmethod
    def _stale(owner: str | None, expires_at: datetime | None, now: datetime) -> bool:
        return owner_is_dead(owner) or expires_at is None or expires_at < now

    # ------------------------------------------------------------------ runs
    def start_run(self, inbox: str, models: dict, owner: str | None = None) -> int:
        """Record a new run (status `running`); first marks runs whose process died as `interrupted`."""
        self.reap_runs()
        with self.session() as s:
            now = _now()
            run = RunRow(inbox=inbox, models=models, owner=owner or new_owner(), started_at=now, heartbeat_at=now)
            s.add(run)
            s.flush()
            return run.id

    def heartbeat(self, run_id: int, counts: dict | None = None, failures: list | None = None,
                  seconds: dict | None = None) -> None:
        """A sign of life, with what the run has done so far (kept if the run is killed)."""
        values: dict = {"heartbeat_at": _now()}
        for name, value in (("counts", counts), ("failures", failures), ("seconds", seconds)):
            if value is not None:
                values[name] = value
        with self.session(redoable=True) as s:
            s.execute(update(RunRow).where(RunRow.id == run_id).values(**values))

    def finish_run(self, run_id: int, counts: dict, failures: list, seconds: dict, status: str = "ok") -> None:
        with self.session() as s:
            run = s.get(RunRow, run_id)
            run.counts, run.failures, run.seconds, run.status = counts, failures, seconds, status
            run.finished_at = run.heartbeat_at = _now()
            run.duration = (run.finished_at - _aware(run.started_at)).total_seconds()

    def reap_runs(self) -> list[int]:
        """Mark `running` runs whose owner is dead (or silent for claim_ttl) as `interrupted`."""
        now = _now()
        with self.session() as s:
            rows = s.execute(select(RunRow).where(RunRow.status == "running")).scalars().all()
            dead = [r for r in rows if self._stale(r.owner, _aware(r.heartbeat_at or r.started_at) + self.claim_ttl, now)]
            for r in dead:
                log.warning("run %d (%s) died without finishing: marked interrupted", r.id, r.owner)
                r.status = "interrupted"
            return [r.id for r in dead]

    def runs(self, limit: int = 10) -> list[dict]:
        """The last runs, newest first; a run whose process died shows as `interrupted`."""
        self.reap_runs()
        with self.reading() as s:
            rows = s.execute(select(RunRow).order_by(RunRow.id.desc()).limit(limit)).scalars().all()
            return [{"id": r.id, "started_at": _aware(r.started_at), "finished_at": _aware(r.finished_at), "inbox": r.inbox,
                     "status": r.status, "counts": r.counts, "failures": r.failures, "models": r.models,
                     "seconds": r.seconds, "duration": r.duration, "owner": r.owner,
                     "heartbeat_at": _aware(r.heartbeat_at)} for r in rows]


def _sqlite_connect(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (_sqlite_begin)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=60000")
    _wal(cur)
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _wal(cur, wait: float = 60.0) -> None:
    """Switch the file to WAL (it stays so). Switching needs the file to itself and SQLite does not wait
    for it (busy_timeout is not consulted), so two runs opening a new store at once retry here rather
    than fail with "database is locked"."""
    import sqlite3

    deadline = time.monotonic() + wait
    delay = 0.01
    while True:
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def _sqlite_begin(conn) -> None:
    """BEGIN IMMEDIATE for writes: a deferred transaction that later writes can fail at once with
    SQLITE_BUSY when another process committed in between; an immediate one waits its turn. Each
    transaction sets how its commit syncs (FULL unless the session is `redoable`; SQLite takes the
    setting only outside a transaction)."""
    options = conn.get_execution_options()
    conn.exec_driver_sql(f"PRAGMA synchronous={options.get('sqlite_synchronous', 'FULL')}")
    conn.exec_driver_sql(f"BEGIN {options.get('sqlite_begin', 'IMMEDIATE')}")


def _to_document(r: DocumentRow, *, text: bool = True, passages: bool = True, entities: bool = True,
                 explanations: bool = True, passage_rows: list | None = None, entity_rows: list | None = None) -> Document:
    """A stored document as a Document; `passage_rows`/`entity_rows` (rows with the tables' columns, in the
    relationships' order) stand for r.passages/r.entities when `r` is a plain row rather than an ORM object."""
    if passages and passage_rows is None:
        passage_rows = r.passages
    if entities and entity_rows is None:
        entity_rows = r.entities
    d = Document(doc=r.doc, source=r.source, case=r.case, type=r.type, text=r.text if text else "", status=r.status,
                 error=r.error, path=r.path, sha256=r.sha256, warnings=list(r.warnings or []), model=r.model)
    d.pages = [PageSpan(p["page"], p["start"], p["end"], p.get("ocr_confidence")) for p in r.pages or []]
    d.blocks = [Block(**b) for b in r.blocks or []]
    if not passages:
        d.entities = [] if not entities else [Entity(doc=e.doc, page=e.page, start=e.start, end=e.end, text=e.text,
                                                     label=e.label, normalized=e.normalized) for e in entity_rows]
        return d
    d.passages = [Passage(doc=p.doc, page=p.page, start=p.start, end=p.end, text=p.text, case=p.case,
                          section=p.section, speaker=p.speaker, kind=p.kind, scores=dict(p.scores or {}),
                          elements=list(p.elements or []), stance=p.stance, stance_scores=dict(p.stance_scores or {}),
                          obstacles=list(p.obstacles or []),
                          explanation=dict(p.explanation or {}) if explanations else {}) for p in passage_rows]
    if not entities:
        return d
    d.entities = [Entity(doc=e.doc, page=e.page, start=e.start, end=e.end, text=e.text, label=e.label,
                         normalized=e.normalized) for e in entity_rows]
    return d
