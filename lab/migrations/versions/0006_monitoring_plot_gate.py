"""monitoring: what the disclosure gate did to each plot of a run

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 14:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('monitoring_runs', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('plot_gate', sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table('monitoring_runs', schema=None) as batch_op:
        batch_op.drop_column('plot_gate')
