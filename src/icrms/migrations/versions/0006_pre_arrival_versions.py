"""pre-arrival data: every version kept, and the keys the live mirror match looks up

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLE = "exchange_pre_arrival"


def upgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_container", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("consignee_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("exporter_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint("uq_exchange_pre_arrival_issuer", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_exchange_pre_arrival_issuer"),
            ["issuer", "export_declaration_id", "object_version"],
        )
        batch_op.create_index(
            batch_op.f("ix_exchange_pre_arrival_first_container"), ["first_container"]
        )
        batch_op.create_index(batch_op.f("ix_exchange_pre_arrival_consignee_id"), ["consignee_id"])
    table = sa.table(
        TABLE,
        sa.column("id", sa.Integer()),
        sa.column("payload", sa.JSON()),
        sa.column("first_container", sa.String()),
        sa.column("consignee_id", sa.String()),
        sa.column("exporter_id", sa.String()),
    )
    conn = op.get_bind()
    for row_id, payload in conn.execute(sa.select(table.c.id, table.c.payload)).all():
        containers = payload.get("containers") or [None]
        conn.execute(
            table.update()
            .where(table.c.id == row_id)
            .values(
                first_container=containers[0],
                consignee_id=payload.get("consignee_id"),
                exporter_id=payload.get("exporter_id"),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_pre_arrival_consignee_id"))
        batch_op.drop_index(batch_op.f("ix_exchange_pre_arrival_first_container"))
        batch_op.drop_constraint("uq_exchange_pre_arrival_issuer", type_="unique")
        batch_op.drop_column("superseded_at")
        batch_op.drop_column("exporter_id")
        batch_op.drop_column("consignee_id")
        batch_op.drop_column("first_container")
    op.execute(
        f"DELETE FROM {TABLE} WHERE id NOT IN (SELECT max(id) FROM {TABLE} GROUP BY issuer, export_declaration_id)"
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_exchange_pre_arrival_issuer"), ["issuer", "export_declaration_id"]
        )
