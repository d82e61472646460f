"""The demo's buyer-owned checksheet (issue 22): read from a workbook by the upload page's engine, published for
the first buyer alone, with follow-up questions and mixed answer types; safe to seed again."""

import sqlalchemy as sa

from portal.catalog.models import QuestionnaireVersion
from portal.catalog.operations import questionnaire_of
from portal.demo.checksheet import KEY, seed_buyer_checksheet
from portal.extensions import db
from portal.policy.questionnaires import list_buyer_versions
from tests.conftest import sign_in


def test_the_demo_checksheet_is_the_first_buyers_own(client, make_buyer):
    buyer, admin = make_buyer("デモ自動車部品株式会社")
    other, _ = make_buyer("デモ電機株式会社")
    stored = seed_buyer_checksheet(buyer.name)
    db.session.commit()
    assert seed_buyer_checksheet(buyer.name).id == stored.id  # seeding again changes nothing
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionnaireVersion)) == 1

    assert (stored.organization_id, stored.origin, stored.item_count) == (buyer.id, "import", 8)
    questionnaire = questionnaire_of(stored)
    assert [section.title.ja for section in questionnaire.sections] == ["管理体制", "技術的対策"]
    assert {item.id: item.scale for item in questionnaire.items}["2.1.1"] == "text"
    assert [item.id for item in questionnaire.items if item.condition is not None] == ["1.1", "2.1", "2.1.1"]
    assert KEY in [v.key for v in list_buyer_versions(buyer)] and list_buyer_versions(other) == []
    sign_in(client, admin.email)
    assert "取引先セキュリティチェックシート" in client.get("/questionnaires/").get_data(as_text=True)
