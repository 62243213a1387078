"""web UI saved searches (from JSON files) and the stored retention plan behind /records/due

Revision ID: 0600_ui_saved_searches_plan
Revises: 0001_core
Create Date: 2026-11-26 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dms.db.types

revision: str = "0600_ui_saved_searches_plan"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ui_saved_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("query", sa.String(length=2000), nullable=False),
        sa.Column("created_at", dms.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "name"),
    )
    op.create_index("ix_ui_saved_searches_user_id", "ui_saved_searches", ["user_id"], unique=False)
    op.create_table(
        "retention_plan_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("computed_at", dms.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", dms.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("audit_head", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_retention_plan_runs_as_of", "retention_plan_runs", ["as_of"], unique=False)
    op.create_table(
        "retention_plan_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.Column("class_id", sa.String(length=64), nullable=False),
        sa.Column("keep_until", sa.Date(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_retention_plan_items_run_order", "retention_plan_items", ["run_id", "held", "document_id"],
                    unique=True)


def downgrade() -> None:
    op.drop_index("ix_retention_plan_items_run_order", table_name="retention_plan_items")
    op.drop_table("retention_plan_items")
    op.drop_index("ix_retention_plan_runs_as_of", table_name="retention_plan_runs")
    op.drop_table("retention_plan_runs")
    op.drop_index("ix_ui_saved_searches_user_id", table_name="ui_saved_searches")
    op.drop_table("ui_saved_searches")
