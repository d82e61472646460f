"""For tests that walk the migrations down and up on the test database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask_migrate import stamp

from portal.extensions import db


@contextmanager
def walking_migrations() -> Iterator[None]:
    """Stamp the test database (built from the models) at the head, for the body to downgrade and upgrade;
    afterwards, whatever happened, the next test on this database finds the models' schema again."""
    db.session.remove()
    stamp(revision="head")
    try:
        yield
    finally:
        db.session.remove()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.drop_all()
        db.create_all()
