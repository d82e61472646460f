"""A database that stored the supply-chain bank 2026.1 with the METI SCS requirement numbers of the December 2025
draft is brought to the bank as shipped (the March 2026 numbers), so loading the questionnaires again finds the same
content instead of refusing it as a changed published version."""

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
BEFORE = "d8e2f4a6b0c3"


def _stored() -> tuple[str, dict]:
    row = db.session.execute(
        sa.select(QuestionnaireVersion.content_hash, QuestionnaireVersion.definition).where(
            QuestionnaireVersion.key == "supply-chain"
        )
    ).one()
    return row.content_hash, row.definition


def _meti(definition: dict, item_id: str) -> list[str]:
    (item,) = [i for s in definition["sections"] for i in s["items"] if i["id"] == item_id]
    return item["references"]["meti_scs"]


def test_the_stored_bank_gets_the_final_table_numbers_and_the_hash_of_the_shipped_bank(app):
    bank = load_file(BANK)
    publish(bank, origin="builtin")
    db.session.commit()
    with walking_migrations():
        downgrade(revision=BEFORE)  # as stored from the draft's numbers, with that content's hash
        db.session.remove()
        old_hash, old = _stored()
        assert (_meti(old, "ORG-05"), _meti(old, "ORG-08")) == (["3-2"], ["1-2-2"])
        assert "December 2025 draft table" in old["source"] and old_hash != bank.content_hash()
        upgrade()
        db.session.remove()
        new_hash, new = _stored()
        assert (_meti(new, "ORG-05"), _meti(new, "ORG-08")) == (["1-2-1", "1-4-1"], ["1-2-2", "3-2-1"])
        assert new_hash == bank.content_hash() and new == bank.to_dict()
        assert publish(bank, origin="builtin")[1] is False  # the same content: nothing to refuse
        db.session.rollback()
