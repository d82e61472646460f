"""one_or_not_found: the row a lookup names, or NotFound for a missing one and another organisation's alike."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.errors import NotFound
from portal.lookups import one_or_not_found
from portal.organizations.models import Organization
from portal.organizations.operations import create_organization


def test_gives_the_row_the_statement_selects(app: Flask) -> None:
    mine = create_organization("Lookup A", by=None)
    create_organization("Lookup B", by=None)
    found = one_or_not_found(sa.select(Organization).where(Organization.id == mine.id))
    assert found is mine


def test_a_missing_row_and_one_filtered_out_are_both_not_found(app: Flask) -> None:
    mine = create_organization("Lookup A", by=None)
    other = create_organization("Lookup B", by=None)
    with pytest.raises(NotFound):
        one_or_not_found(sa.select(Organization).where(Organization.id == other.id + 1000))
    # The other organisation's row exists, but the filter of whose it may be leaves it out.
    with pytest.raises(NotFound):
        one_or_not_found(sa.select(Organization).where(Organization.id == other.id, Organization.id == mine.id))
