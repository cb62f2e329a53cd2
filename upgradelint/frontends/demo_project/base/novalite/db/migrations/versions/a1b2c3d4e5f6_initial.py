"""Initial schema

Revision ID: a1b2c3d4e5f6
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = 'a1b2c3d4e5f6'
down_revision = None


def upgrade():
    op.create_table(
        'instances',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('cleaned', sa.Integer, default=0),
    )
