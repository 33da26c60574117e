"""apps.revision: bumped by every change, keys cached renderings

Revision ID: 004
Revises: 003
"""

import sqlalchemy as sa
from alembic import op

revision = '004'
down_revision = '003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('apps') as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(),
                                      nullable=False, server_default='1'))
