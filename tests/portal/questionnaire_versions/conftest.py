"""Two buyers: A owns ``a-own`` version 1 (the workflow questionnaire under A's key), B owns nothing."""

from dataclasses import dataclass

import pytest

from portal.accounts.models import User
from portal.catalog.models import QuestionnaireVersion
from portal.catalog.operations import publish
from portal.extensions import db
from portal.organizations.models import Organization
from questionnaires import load_text
from tests.security.test_questionnaire_visibility import OWN_DEFINITION


@dataclass
class Buyers:
    buyer_a: Organization
    admin_a: User
    buyer_b: Organization
    admin_b: User
    own: QuestionnaireVersion
    builtin: QuestionnaireVersion


@pytest.fixture
def buyers(app, make_buyer, make_version) -> Buyers:
    buyer_a, admin_a = make_buyer("Buyer A")
    buyer_b, admin_b = make_buyer("Buyer B")
    builtin = make_version()
    own, _ = publish(load_text(OWN_DEFINITION, "own.yaml"), origin="import", organization=buyer_a)
    db.session.commit()
    return Buyers(buyer_a, admin_a, buyer_b, admin_b, own, builtin)


def item_form(**changes: str) -> dict[str, str]:
    """The editor's fields for POL-02 of the workflow questionnaire, as shown, with ``changes``."""
    data = {
        "text_ja": "方針を年1回見直していますか。",
        "text_en": "Do you review it yearly?",
        "guidance_ja": "",
        "guidance_en": "",
        "tier": "T2",
        "weight": "1",
        "evidence_required": "never",
        "evidence_max_age_days": "",
        "condition": "",
    }
    data.update(changes)
    return data
