"""A database that stored the supply-chain bank 2026.1 before its 委託先管理 section declared
``cites_subassessments`` is brought to the bank as shipped, so loading the questionnaires again finds the
same content (instead of refusing it as a changed published version)."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.catalog.models import QuestionnaireVersion
from portal.catalog.operations import publish
from portal.extensions import db
from questionnaires import load_file
from tests.migration_helpers import walking_migrations

pytestmark = pytest.mark.both_databases

BANK = Path(__file__).resolve().parents[2] / "questionnaires/definitions/supply-chain/2026.1.yaml"
BEFORE = "e6c2a9d4f8b1"


def _stored() -> tuple[str, dict]:
    row = db.session.execute(
        sa.select(QuestionnaireVersion.content_hash, QuestionnaireVersion.definition).where(
            QuestionnaireVersion.key == "supply-chain"
        )
    ).one()
    return row.content_hash, row.definition


def _flag(definition: dict) -> object:
    (section,) = [s for s in definition["sections"] if s["id"] == "subcontractors"]
    return section.get("cites_subassessments")


def test_the_stored_bank_gets_the_flag_and_the_hash_of_the_shipped_bank(app):
    bank = load_file(BANK)
    publish(bank, origin="builtin")
    db.session.commit()
    with walking_migrations():
        downgrade(revision=BEFORE)  # as stored before the flag: without it, with that content's hash
        db.session.remove()
        old_hash, old = _stored()
        assert _flag(old) is None and old_hash != bank.content_hash()
        upgrade()
        db.session.remove()
        new_hash, new = _stored()
        assert _flag(new) is True and new_hash == bank.content_hash()
        assert publish(bank, origin="builtin")[1] is False  # the same content: nothing to refuse
        db.session.rollback()
