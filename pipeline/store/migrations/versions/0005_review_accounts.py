"""Review accounts: each reviewer's last login, and failed logins kept in the store.

The failed-login counter used to live in the server's memory, so a restart forgot it
and two server processes each counted separately. One row per login name now holds
the times of its recent failures.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("reviewers") as batch:
        batch.add_column(sa.Column("last_login_at", _TS, nullable=True))
    op.create_table(
        "review_login_failures",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("failed_at", sa.JSON(), nullable=False),
        sa.Column("last_at", _TS, nullable=False),
    )
    op.create_index("ix_review_login_failures_last_at", "review_login_failures", ["last_at"])


def downgrade() -> None:
    op.drop_index("ix_review_login_failures_last_at", table_name="review_login_failures")
    op.drop_table("review_login_failures")
    with op.batch_alter_table("reviewers") as batch:
        batch.drop_column("last_login_at")
