"""clearance times: control start and the release of a declaration

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 10:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("control_result", schema=None) as batch_op:
        batch_op.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "release",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("declaration_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_release")),
        sa.UniqueConstraint("declaration_id", "version", name=op.f("uq_release_declaration_id")),
    )
    with op.batch_alter_table("release", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_release_declaration_id"), ["declaration_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("release", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_release_declaration_id"))
    op.drop_table("release")
    with op.batch_alter_table("control_result", schema=None) as batch_op:
        batch_op.drop_column("started_at")
