"""The store: documents, passages, entities and runs in SQLite (default) or PostgreSQL.

One document row per source path. Re-processing a path replaces its
passages and entities in one transaction, so a crash leaves either the old
rows or the new ones, never both and never half.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
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
    create_engine,
    delete,
    event,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker

from pipeline.data import Block, Document, Entity, PageSpan, Passage

log = logging.getLogger(__name__)


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
                                                      order_by="PassageRow.start")
    entities: Mapped[list[EntityRow]] = relationship(cascade="all, delete-orphan", order_by="EntityRow.start")


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


def default_url(path: Path | str = "sistercity.db") -> str:
    return f"sqlite:///{Path(path).resolve()}"


class Store:
    def __init__(self, url: str):
        if "://" not in url:  # a bare path means a SQLite file
            url = default_url(url)
        self.url = url
        self.engine = create_engine(url, future=True)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        Base.metadata.create_all(self.engine)
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._session() as s, s.begin():
            yield s

    # ------------------------------------------------------------------ documents
    def fingerprint(self, path: str) -> tuple[str | None, str | None, bool] | None:
        """(sha256, status, removed) of the stored document at `path`, or None."""
        with self.session() as s:
            row = s.execute(select(DocumentRow.sha256, DocumentRow.status, DocumentRow.removed)
                            .where(DocumentRow.path == path)).first()
            return tuple(row) if row else None

    def save_document(self, d: Document, model: str | None = None) -> None:
        """Insert or replace the document at d.path with its passages and entities, atomically."""
        with self.session() as s:
            row = s.execute(select(DocumentRow).where(DocumentRow.path == d.path)).scalar_one_or_none()
            if row is None:
                row = DocumentRow(path=d.path)
                s.add(row)
            else:
                s.execute(delete(PassageRow).where(PassageRow.document_id == row.id))
                s.execute(delete(EntityRow).where(EntityRow.document_id == row.id))
            row.doc, row.source, row.case, row.type = d.doc, d.source, d.case, d.type
            row.sha256, row.status, row.error, row.text = d.sha256, d.status, d.error, d.text
            row.pages = [{"page": p.page, "start": p.start, "end": p.end, "ocr_confidence": p.ocr_confidence} for p in d.pages]
            row.blocks = [{"start": b.start, "end": b.end, "kind": b.kind, "section": b.section, "speaker": b.speaker} for b in d.blocks]
            row.warnings, row.removed, row.model, row.updated_at = list(d.warnings), False, model, _now()
            s.flush()
            s.add_all(PassageRow(document_id=row.id, doc=p.doc, page=p.page, start=p.start, end=p.end, text=p.text,
                                 case=p.case, section=p.section, speaker=p.speaker, kind=p.kind, scores=p.scores,
                                 elements=p.elements, stance=p.stance, stance_scores=p.stance_scores,
                                 obstacles=p.obstacles) for p in d.passages)
            s.add_all(EntityRow(document_id=row.id, doc=e.doc, page=e.page, start=e.start, end=e.end, text=e.text,
                                label=e.label, normalized=e.normalized) for e in d.entities)

    def mark_removed(self, under: str, present: set[str]) -> list[str]:
        """Mark documents stored under the inbox prefix `under` but not in `present` as removed."""
        with self.session() as s:
            rows = s.execute(select(DocumentRow).where(DocumentRow.path.startswith(under),
                                                       DocumentRow.removed.is_(False))).scalars().all()
            gone = [r for r in rows if r.path not in present]
            for r in gone:
                r.removed = True
            return [r.path for r in gone]

    def documents(self, cases: list[str] | None = None, include_removed: bool = False) -> list[Document]:
        with self.session() as s:
            q = select(DocumentRow).order_by(DocumentRow.case, DocumentRow.path)
            if cases is not None:
                q = q.where(DocumentRow.case.in_(cases))
            if not include_removed:
                q = q.where(DocumentRow.removed.is_(False))
            return [_to_document(r) for r in s.execute(q).scalars().all()]

    def cases(self) -> list[str]:
        with self.session() as s:
            return sorted(c for (c,) in s.execute(select(DocumentRow.case).distinct()) if c)

    # ------------------------------------------------------------------ runs
    def start_run(self, inbox: str, models: dict) -> int:
        with self.session() as s:
            run = RunRow(inbox=inbox, models=models)
            s.add(run)
            s.flush()
            return run.id

    def finish_run(self, run_id: int, counts: dict, failures: list, seconds: dict, status: str = "ok") -> None:
        with self.session() as s:
            run = s.get(RunRow, run_id)
            run.counts, run.failures, run.seconds, run.status = counts, failures, seconds, status
            run.finished_at = _now()
            started = run.started_at if run.started_at.tzinfo else run.started_at.replace(tzinfo=UTC)
            run.duration = (run.finished_at - started).total_seconds()

    def runs(self, limit: int = 10) -> list[dict]:
        with self.session() as s:
            rows = s.execute(select(RunRow).order_by(RunRow.id.desc()).limit(limit)).scalars().all()
            return [{"id": r.id, "started_at": r.started_at, "finished_at": r.finished_at, "inbox": r.inbox,
                     "status": r.status, "counts": r.counts, "failures": r.failures, "models": r.models,
                     "seconds": r.seconds, "duration": r.duration} for r in rows]


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _to_document(r: DocumentRow) -> Document:
    d = Document(doc=r.doc, source=r.source, case=r.case, type=r.type, text=r.text, status=r.status, error=r.error,
                 path=r.path, sha256=r.sha256, warnings=list(r.warnings or []))
    d.pages = [PageSpan(p["page"], p["start"], p["end"], p.get("ocr_confidence")) for p in r.pages or []]
    d.blocks = [Block(**b) for b in r.blocks or []]
    d.passages = [Passage(doc=p.doc, page=p.page, start=p.start, end=p.end, text=p.text, case=p.case,
                          section=p.section, speaker=p.speaker, kind=p.kind, scores=dict(p.scores or {}),
                          elements=list(p.elements or []), stance=p.stance, stance_scores=dict(p.stance_scores or {}),
                          obstacles=list(p.obstacles or [])) for p in r.passages]
    d.entities = [Entity(doc=e.doc, page=e.page, start=e.start, end=e.end, text=e.text, label=e.label,
                         normalized=e.normalized) for e in r.entities]
    return d
