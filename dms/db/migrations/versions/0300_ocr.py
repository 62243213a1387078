"""scan station tables (OCR archive copies, scan inbox files)

Revision ID: 0300_ocr
Revises: 0001_core
Create Date: 2026-11-26 10:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dms.db.types

revision: str = "0300_ocr"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ocr_document_archives",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version_no", sa.Integer(), nullable=False),
        sa.Column("archive_sha256", sa.String(length=64), nullable=True),
        sa.Column("conformance", sa.String(length=8), nullable=True),
        sa.Column("ocr_applied", sa.Boolean(), nullable=False),
        sa.Column("rotated_pass", sa.Boolean(), nullable=False),
        sa.Column("skipped_reason", sa.Text(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", dms.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"]),
        sa.PrimaryKeyConstraint("document_id"),
    )
    with op.batch_alter_table("ocr_document_archives", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ocr_document_archives_archive_sha256"), ["archive_sha256"], unique=False)
    op.create_table(
        "ocr_scan_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("folder", sa.Text(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("document_ids", sa.JSON(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("created_at", dms.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ocr_scan_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ocr_scan_files_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ocr_scan_files_sha256"), ["sha256"], unique=False)


def downgrade() -> None:
    op.drop_table("ocr_scan_files")
    op.drop_table("ocr_document_archives")
