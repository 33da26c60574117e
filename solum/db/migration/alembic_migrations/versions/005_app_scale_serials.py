"""apps.scale_requested, apps.scale_applied: scale requests in order

Revision ID: 005
Revises: 004
"""

import sqlalchemy as sa
from alembic import op

revision = '005'
down_revision = '004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('apps') as batch_op:
        batch_op.add_column(sa.Column('scale_requested', sa.Integer(),
                                      nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('scale_applied', sa.Integer(),
                                      nullable=False, server_default='0'))
