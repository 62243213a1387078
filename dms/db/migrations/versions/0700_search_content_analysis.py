"""search: the content's analysis, computed once when the text is extracted (issue 4)

Revision ID: 0700_search_content_analysis
Revises: 0001_core
Create Date: 2026-11-26 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0700_search_content_analysis"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("document_texts") as batch:
        batch.add_column(sa.Column("analysis", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("document_texts") as batch:
        batch.drop_column("analysis")
