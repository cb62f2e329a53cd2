"""Drop instances.cleaned

Revision ID: c3d4e5f6a7b8
Revises: b2c3d4e5f6a7
"""
from alembic import op

revision = 'c3d4e5f6a7b8'
down_revision = 'b2c3d4e5f6a7'


def upgrade():
    op.drop_column('instances', 'cleaned')
