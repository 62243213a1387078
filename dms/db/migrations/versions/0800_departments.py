"""departments as records: code, readable name, active flag; seeded from the codes already in use

Revision ID: 0800_departments
Revises: 0001_core
Create Date: 2026-11-26 16:30:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import dms.db.types

revision: str = "0800_departments"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
# No depends_on "0100_invoices": it would hide that head from alembic_version (``doctor`` compares the
# stored revisions with the script heads). A table of another branch that does not exist yet holds no codes.
depends_on: str | Sequence[str] | None = None

#: (table, column) pairs holding department codes when this revision was written
_USED_IN = (
    ("users", "department"),
    ("fileplan_nodes", "department"),
    ("akten", "department"),
    ("documents", "department"),
    ("inv_routing_rules", "department"),
    ("inv_approval_chains", "department"),
    ("inv_invoices", "department"),
)
_DEFAULT_CHAIN_KEY = "*"  # inv_approval_chains: the default chain, not a unit


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", dms.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", dms.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    bind = op.get_bind()
    present = set(sa.inspect(bind).get_table_names())
    codes: set[str] = set()
    for table, column in _USED_IN:
        if table not in present:
            continue
        c = sa.column(column, sa.String())
        rows = bind.execute(sa.select(c).select_from(sa.table(table, c)).where(c.is_not(None)).distinct())
        codes.update(str(code) for (code,) in rows if str(code).strip() and code != _DEFAULT_CHAIN_KEY)
    if codes:
        now = datetime.now(UTC)
        departments = sa.table(
            "departments",
            sa.column("code", sa.String()),
            sa.column("name", sa.String()),
            sa.column("active", sa.Boolean()),
            sa.column("created_at", dms.db.types.UTCDateTime(timezone=True)),
            sa.column("updated_at", dms.db.types.UTCDateTime(timezone=True)),
        )
        op.bulk_insert(
            departments,
            [
                {"code": code, "name": code, "active": True, "created_at": now, "updated_at": now}
                for code in sorted(codes)
            ],
        )


def downgrade() -> None:
    op.drop_table("departments")
