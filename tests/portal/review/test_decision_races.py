"""Reviewers deciding one item at the same moment: one decision is saved, the others get 409 with it."""

import pytest
import sqlalchemy as sa

from portal.assessments.models import Decision, ReviewDecision
from portal.extensions import db
from portal.organizations.models import Role
from portal.review.operations import decide_item
from tests.conftest import sign_in
from tests.parallel import at_once
from tests.workflow_fixtures import only_assessment, submit_answers

pytestmark = pytest.mark.both_databases  # the dialects differ here (locks, unique keys under load)

PARALLEL = 12


@pytest.mark.parametrize("first", [True, False], ids=["first decision", "changed decision"])
def test_parallel_decisions_on_one_item_one_wins_and_the_rest_get_409(
    app, make_buyer, make_supplier, make_campaign, make_user, first
):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "no"})
    version = 0
    if not first:
        decide_item(assessment, "STF-01", Decision.ACCEPTED, comment=None, visible_to_supplier=True, by=admin)
        db.session.commit()
        version = 1
    clients = []
    for _ in range(PARALLEL):
        client = app.test_client()
        sign_in(client, make_user(organization=buyer, role=Role.REVIEWER).email)
        clients.append(client)

    def deciding(n):
        body = {"decision": "clarification", "comment": f"質問{n}", "visible_to_supplier": True, "version": version}
        return lambda: clients[n].post(f"/review/{assessment.id}/items/STF-01", json=body)

    responses = at_once(app, [deciding(n) for n in range(PARALLEL)])

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [409] * (PARALLEL - 1)
    (winner,) = [n for n, response in enumerate(responses) if response.status_code == 200]
    for response in responses:
        if response.status_code == 409:
            assert response.get_json()["current"]["comment"] == f"質問{winner}"
    stored = db.session.scalar(sa.select(ReviewDecision).where(ReviewDecision.item_id == "STF-01"))
    assert (stored.comment, stored.version) == (f"質問{winner}", version + 1)
