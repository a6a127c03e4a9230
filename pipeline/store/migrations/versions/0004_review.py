"""The review workbench: reviewers, sessions, reviewed passages, codings, verdict overrides, audit log.

The audit log is append-only: besides the code never updating or deleting it,
database triggers refuse UPDATE and DELETE on it (SQLite and PostgreSQL).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reviewers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "review_sessions",
        sa.Column("token_sha", sa.String(64), primary_key=True),
        sa.Column("reviewer_id", sa.Integer(), sa.ForeignKey("reviewers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
    )
    op.create_index("ix_review_sessions_reviewer_id", "review_sessions", ["reviewer_id"])
    op.create_table(
        "review_settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "passage_reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("doc_key", sa.String(1024), nullable=False),
        sa.Column("doc", sa.String(64), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("text_sha", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("elements", sa.JSON(), nullable=False),
        sa.Column("stance", sa.String(16), nullable=False),
        sa.Column("obstacles", sa.JSON(), nullable=False),
        sa.Column("case", sa.String(200), nullable=True),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("model", sa.JSON(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), sa.ForeignKey("reviewers.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.UniqueConstraint("doc_key", "start", "end", "text_sha", name="uq_passage_reviews_key"),
    )
    op.create_index("ix_passage_reviews_doc_key", "passage_reviews", ["doc_key"])
    op.create_table(
        "codings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit", sa.String(1200), nullable=False),
        sa.Column("doc_key", sa.String(1024), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("text_sha", sa.String(64), nullable=False),
        sa.Column("batch", sa.String(64), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), sa.ForeignKey("reviewers.id"), nullable=False),
        sa.Column("elements", sa.JSON(), nullable=False),
        sa.Column("stance", sa.String(16), nullable=False),
        sa.Column("obstacles", sa.JSON(), nullable=False),
        sa.Column("case", sa.String(200), nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.UniqueConstraint("unit", "batch", "reviewer_id", name="uq_codings_unit"),
    )
    op.create_index("ix_codings_unit", "codings", ["unit"])
    op.create_index("ix_codings_reviewer_id", "codings", ["reviewer_id"])
    op.create_table(
        "verdict_overrides",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case", sa.String(200), nullable=False),
        sa.Column("element", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("replaced_status", sa.String(32), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), sa.ForeignKey("reviewers.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.UniqueConstraint("case", "element", name="uq_verdict_overrides_key"),
    )
    op.create_table(
        "review_audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", _TS, nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("reviewer", sa.String(100), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("old", sa.JSON(), nullable=True),
        sa.Column("new", sa.JSON(), nullable=True),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION review_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN RAISE EXCEPTION 'review_audit is append-only'; END $$")
        op.execute("CREATE TRIGGER review_audit_no_change BEFORE UPDATE OR DELETE ON review_audit "
                   "FOR EACH ROW EXECUTE FUNCTION review_audit_append_only()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER review_audit_no_{verb.lower()} BEFORE {verb} ON review_audit "
                       "BEGIN SELECT RAISE(ABORT, 'review_audit is append-only'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS review_audit_no_change ON review_audit")
        op.execute("DROP FUNCTION IF EXISTS review_audit_append_only()")
    for table in ("review_audit", "verdict_overrides", "codings", "passage_reviews", "review_settings",
                  "review_sessions", "reviewers"):
        op.drop_table(table)
