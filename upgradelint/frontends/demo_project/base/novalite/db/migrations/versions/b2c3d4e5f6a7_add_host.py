"""Add instances.host

Revision ID: b2c3d4e5f6a7
Revises: a1b2c3d4e5f6
"""
from alembic import op
import sqlalchemy as sa

revision = 'b2c3d4e5f6a7'
down_revision = 'a1b2c3d4e5f6'


def upgrade():
    op.add_column('instances', sa.Column('host', sa.String(255), nullable=True))
