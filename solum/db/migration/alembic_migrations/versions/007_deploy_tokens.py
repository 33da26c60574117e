"""deploy_tokens: per-app tokens for the app's git remote

Revision ID: 007
Revises: 006
"""

import sqlalchemy as sa
from alembic import op

revision = '007'
down_revision = '006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'deploy_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('app_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['app_id'], ['apps.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('uuid', name='uniq_deploy_tokens_uuid'),
        sa.UniqueConstraint('digest', name='uniq_deploy_tokens_digest'),
    )
    with op.batch_alter_table('deploy_tokens') as batch_op:
        batch_op.create_index(batch_op.f('ix_deploy_tokens_app_id'),
                              ['app_id'], unique=False)
