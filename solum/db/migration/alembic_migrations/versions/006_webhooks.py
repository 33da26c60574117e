"""apps.webhook_secret and webhook_deliveries: signed webhook deliveries,
each received once

Revision ID: 006
Revises: 005
"""

import sqlalchemy as sa
from alembic import op

revision = '006'
down_revision = '005'
branch_labels = None
depends_on = None

BigIntPK = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    with op.batch_alter_table('apps') as batch_op:
        batch_op.add_column(sa.Column('webhook_secret', sa.Text(),
                                      nullable=True))
    op.create_table(
        'webhook_deliveries',
        sa.Column('id', BigIntPK, autoincrement=True, nullable=False),
        sa.Column('app_id', sa.Integer(), nullable=False),
        sa.Column('delivery_id', sa.String(length=128), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['app_id'], ['apps.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('app_id', 'delivery_id',
                            name='uniq_webhook_deliveries_app_delivery'),
    )
    with op.batch_alter_table('webhook_deliveries') as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_received_at'),
                              ['received_at'], unique=False)
