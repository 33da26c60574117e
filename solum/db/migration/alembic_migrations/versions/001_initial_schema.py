"""initial schema

Revision ID: 001
Revises:
Create Date: 2026-11-23 18:32:53.952269
"""

import sqlalchemy as sa
from alembic import op

# SQLite only auto-increments INTEGER PRIMARY KEY, not BIGINT.
BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


revision = "001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "apps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("languagepack", sa.String(length=100), nullable=True),
        sa.Column("source", sa.JSON(), nullable=False),
        sa.Column("private_ssh_key", sa.Text(), nullable=True),
        sa.Column("workflow_config", sa.JSON(), nullable=False),
        sa.Column("trigger_uuid", sa.String(length=36), nullable=True),
        sa.Column("trigger_actions", sa.JSON(), nullable=False),
        sa.Column("ports", sa.JSON(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("raw_content", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=36), nullable=False),
        sa.Column("app_url", sa.String(length=255), nullable=True),
        sa.Column("last_wf_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "project_id", "name", name="uniq_apps_project_name"
        ),
        sa.UniqueConstraint("trigger_uuid"),
        sa.UniqueConstraint("uuid"),
    )
    with op.batch_alter_table("apps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_apps_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "language_packs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("source_uri", sa.String(length=1024), nullable=False),
        sa.Column("lp_metadata", sa.JSON(), nullable=False),
        sa.Column("lp_params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("image_ref", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "project_id", "name", name="uniq_language_packs_project_name"
        ),
        sa.UniqueConstraint("uuid"),
    )
    with op.batch_alter_table("language_packs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_language_packs_project_id"),
            ["project_id"],
            unique=False,
        )

    op.create_table(
        "log_lines",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("resource_uuid", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("log_lines", schema=None) as batch_op:
        batch_op.create_index(
            "log_lines_resource_idx", ["resource_uuid", "id"], unique=False
        )

    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uuid"),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plans_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "workflows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("wf_id", sa.Integer(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("du_id", sa.String(length=255), nullable=True),
        sa.Column("scale_target", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("source", sa.JSON(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["app_id"], ["apps.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("app_id", "wf_id", name="uniq_workflows_app_wf"),
        sa.UniqueConstraint("uuid"),
    )
    with op.batch_alter_table("workflows", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workflows_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index("workflows_status_idx", ["status"], unique=False)

    op.create_table(
        "workflow_transitions",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=36), nullable=True),
        sa.Column("to_status", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workflow_id"], ["workflows.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("workflow_transitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workflow_transitions_workflow_id"),
            ["workflow_id"],
            unique=False,
        )
