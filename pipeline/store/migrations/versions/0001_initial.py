"""The schema of the first release: documents, passages, entities, runs.

Stores created before migrations existed (by `create_all`) have exactly this
schema; `pipeline.store.migrate` stamps them with this revision.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _json(name: str) -> sa.Column:
    return sa.Column(name, sa.JSON(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("path", sa.String(1024), nullable=False),
        sa.Column("doc", sa.String(64), nullable=False),
        sa.Column("source", sa.String(512), nullable=False),
        sa.Column("case", sa.String(200), nullable=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        _json("pages"),
        _json("blocks"),
        _json("warnings"),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("model", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_documents_path", "documents", ["path"], unique=True)
    op.create_index("ix_documents_doc", "documents", ["doc"])
    op.create_index("ix_documents_case", "documents", ["case"])

    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("inbox", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _json("counts"),
        _json("failures"),
        _json("models"),
        _json("seconds"),
        sa.Column("duration", sa.Float(), nullable=True),
    )

    for table, extra in (("passages", [
            sa.Column("case", sa.String(200), nullable=True),
            sa.Column("section", sa.Text(), nullable=True),
            sa.Column("speaker", sa.String(200), nullable=True),
            sa.Column("kind", sa.String(32), nullable=False),
            _json("scores"),
            _json("elements"),
            sa.Column("stance", sa.String(16), nullable=False),
            _json("stance_scores"),
            _json("obstacles"),
    ]), ("entities", [
            sa.Column("label", sa.String(16), nullable=False),
            sa.Column("normalized", sa.Text(), nullable=True),
    ])):
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
            sa.Column("doc", sa.String(64), nullable=False),
            sa.Column("page", sa.Integer(), nullable=False),
            sa.Column("start", sa.Integer(), nullable=False),
            sa.Column("end", sa.Integer(), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            *extra,
        )
        op.create_index(f"ix_{table}_document_id", table, ["document_id"])
        op.create_index(f"ix_{table}_doc", table, ["doc"])
    op.create_index("ix_passages_case", "passages", ["case"])


def downgrade() -> None:
    for table in ("passages", "entities", "runs", "documents"):
        op.drop_table(table)
