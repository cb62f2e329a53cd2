import sqlalchemy as sa
from sqlalchemy import orm

BASE = orm.declarative_base()


class Instance(BASE):
    __tablename__ = 'instances'

    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    host = sa.Column(sa.String(255))
    cleaned = sa.Column(sa.Integer, default=0)
