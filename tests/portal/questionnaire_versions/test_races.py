"""Two clicks at once: a second draft of the same questionnaire is the first one; two versions published at the
same moment under one number are a conflict to try again, never a server error or a half-published version."""

from dataclasses import replace

import pytest
import sqlalchemy as sa

from portal.catalog import drafts, operations
from portal.catalog.models import QuestionnaireDraft, QuestionnaireVersion
from portal.errors import Conflict
from portal.extensions import db

pytestmark = pytest.mark.both_databases


def test_a_draft_started_twice_at_once_is_one_draft(buyers, monkeypatch):
    first, new = drafts.start_draft(buyers.buyer_a, buyers.own, by=buyers.admin_a)
    db.session.commit()
    assert new
    monkeypatch.setattr(drafts, "get_draft", lambda buyer, key: None)  # the second click looked before the first saved
    second, new = drafts.start_draft(buyers.buyer_a, buyers.own, by=buyers.admin_a)
    db.session.commit()
    assert second.id == first.id and not new
    assert db.session.scalar(sa.select(sa.func.count(QuestionnaireDraft.id))) == 1


def test_a_version_number_taken_at_the_same_moment_is_a_conflict(buyers, monkeypatch):
    draft, _ = drafts.start_draft(buyers.buyer_a, buyers.own, by=buyers.admin_a)
    edit = replace(drafts.edit_of(drafts.draft_questionnaire(draft).item("POL-02")), text_ja="方針を見直していますか。")
    drafts.edit_item(draft, "POL-02", edit, revision=1, by=buyers.admin_a)
    db.session.commit()
    monkeypatch.setattr(drafts, "next_version_string", lambda key: "2")
    # The other publication came in after both looked: only the database's unique key sees it.
    monkeypatch.setattr(drafts, "get_version", lambda key, version: None)
    monkeypatch.setattr(operations, "get_version", lambda key, version: None)
    db.session.add(
        QuestionnaireVersion(
            key="a-own", version="2", title_ja="x", title_en="x", scoring_model="default", definition={},
            content_hash="0" * 64, item_count=0, tier_counts={}, origin="import", organization_id=buyers.buyer_a.id,
        )
    )  # fmt: skip
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        drafts.publish_draft(draft, revision=2, by=buyers.admin_a)
    assert "same moment" in str(refused.value.message)
    db.session.rollback()
    assert db.session.get(QuestionnaireDraft, draft.id) is not None  # the draft stays to publish again
