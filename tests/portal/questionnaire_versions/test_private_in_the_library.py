"""A supplier's answers to buyer A's private questionnaire, offered as suggestions on buyer B's request: the
supplier sees its own earlier answer; buyer B sees nothing of A's questionnaire (title, questions, numbers),
on its pages or through the API, before or after the supplier accepts and submits."""

from portal.assessments.reuse import Match, accept_suggestions, suggestions_for
from portal.catalog.operations import publish
from portal.extensions import db
from portal.suppliers.models import Supplier
from questionnaires import load_text
from tests.conftest import sign_in
from tests.portal.api.helpers import token_for
from tests.portal.assessments.test_reuse import SOURCE, TARGET, submit_codes
from tests.workflow_fixtures import only_assessment

A_TITLE = "発注元Aの非公開チェックシート"
A_QUESTION = "A社独自の基本方針を取締役会で承認していますか。"
#: Buyer A's private questionnaire, its items citing the references buyer B's built-in one cites.
PRIVATE = (
    SOURCE.replace("key: first-check", "key: a-private")
    .replace("第一の確認票", A_TITLE)
    .replace("基本方針を定めていますか。", A_QUESTION)
    .replace("id: F-0", "id: ACME-SECRET-0")
)
A_SECRETS = (A_TITLE, A_QUESTION, "ACME-SECRET-01", "a-private", "Buyer A Private Co")


def test_a_suggestion_from_a_private_questionnaire_leaks_nothing_to_the_other_buyer(
    client, make_buyer, make_supplier, make_campaign
):
    buyer_a, admin_a = make_buyer("Buyer A Private Co")
    private, _ = publish(load_text(PRIVATE, "private.yaml"), origin="import", organization=buyer_a)
    builtin, _ = publish(load_text(TARGET, "target.yaml"), origin="import")
    db.session.commit()
    supplier_a, owner = make_supplier(buyer_a)
    first = only_assessment(make_campaign(buyer_a, [supplier_a], by=admin_a, version=private, name="A秘密の依頼"))
    submit_codes(first, owner, {"ACME-SECRET-01": "yes", "ACME-SECRET-02": "no", "ACME-SECRET-03": "yes"})

    buyer_b, admin_b = make_buyer("Buyer B Co")
    record = Supplier(
        buyer=buyer_b, organization=supplier_a.organization, name="X", contact_email=owner.email, tier="T1"
    )
    db.session.add(record)
    db.session.commit()
    second = only_assessment(make_campaign(buyer_b, [record], by=admin_b, version=builtin, name="B request"))

    # The supplier is offered its own earlier answer to A's question, as it gave it.
    found = suggestions_for(second)
    assert found["S-01"].match == Match.SAME_REFERENCE and found["S-01"].entry.item.text.ja == A_QUESTION
    sign_in(client, owner.email)
    assert A_QUESTION in client.get(f"/assessments/{second.id}").get_data(as_text=True)
    client.post("/sign-out")

    accept_suggestions(second, ["S-01"], by=owner)
    submit_codes(second, owner, {"S-02": "no", "S-03": "no"})

    sign_in(client, admin_b.email)
    paths = [
        f"/review/{second.id}",
        f"/review/{second.id}/activity",
        "/campaigns/new",
        "/audits/new",
        f"/questionnaires/{private.key}/versions",
        f"/questionnaires/versions/{private.id}/changes",
    ]
    for path in paths:
        body = client.get(path).get_data(as_text=True)
        assert not [s for s in A_SECRETS if s in body], path
    headers = token_for(admin_b)
    for path in (
        f"/api/v1/assessments/{second.id}",
        "/api/v1/questionnaires",
        f"/api/v1/questionnaires/{private.key}/{private.version}",
        f"/api/v1/questionnaires/{private.key}/versions",
    ):
        body = client.get(path, headers=headers).get_data(as_text=True)
        assert not [s for s in A_SECRETS if s in body], path
    # What B does see: the supplier's answer, given to B's own item.
    detail = client.get(f"/api/v1/assessments/{second.id}", headers=headers).get_json()
    assert {i["id"]: i["answer"]["code"] for i in detail["items"] if i.get("answer")}["S-01"] == "yes"
