"""apps.trust_id: the Keystone trust builds and deploys act through

Revision ID: 003
Revises: 002
"""

import sqlalchemy as sa
from alembic import op

revision = '003'
down_revision = '002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('apps') as batch_op:
        batch_op.add_column(sa.Column('trust_id', sa.String(64),
                                      nullable=True))
