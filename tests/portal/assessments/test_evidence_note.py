"""A written explanation instead of an evidence file: saved like a comment, enough to submit, not to pass."""

import pytest
import sqlalchemy as sa

from portal.activity.models import ActivityEntry
from portal.assessments.models import Answer
from portal.extensions import db
from tests.conftest import sign_in
from tests.portal.assessments.helpers import save, setup

pytestmark = pytest.mark.both_databases  # the answering path of the SQLite demo


def answer(item_id):
    return db.session.scalar(sa.select(Answer).where(Answer.item_id == item_id))


def test_the_explanation_is_saved_by_autosave_and_the_form_cleaned_and_versioned(
    app, client, make_buyer, make_supplier, make_campaign
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    response = save(client, assessment, "POL-01", code="yes", evidence_note="  方針は口頭で周知しています。\n ")
    assert response.status_code == 200 and response.get_json()["version"] == 1
    assert answer("POL-01").evidence_note == "方針は口頭で周知しています。"

    # A page or script without the field leaves the explanation alone; the form may clear it.
    assert save(client, assessment, "POL-01", version=1, code="partial").status_code == 200
    assert (answer("POL-01").code, answer("POL-01").evidence_note) == ("partial", "方針は口頭で周知しています。")
    response = client.post(
        f"/assessments/{assessment.id}/items/POL-01", data={"code": "yes", "evidence_note": "", "version": "2"}
    )
    assert response.status_code == 302
    assert (answer("POL-01").evidence_note, answer("POL-01").version) == (None, 3)

    # Like a comment: too long is refused and changes nothing; a stale version is a conflict.
    too_long = save(client, assessment, "POL-01", version=3, code="yes", evidence_note="あ" * 5001)
    assert too_long.status_code == 400 and answer("POL-01").version == 3
    assert save(client, assessment, "POL-01", version=1, evidence_note="古い").status_code == 409

    changes = [
        e.details.get("evidence_note")
        for e in db.session.scalars(sa.select(ActivityEntry).where(ActivityEntry.action == "answer.saved"))
    ]
    assert [None, "方針は口頭で周知しています。"] in changes and ["方針は口頭で周知しています。", None] in changes
