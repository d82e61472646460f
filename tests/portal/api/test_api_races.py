"""Parallel API requests at one version: one save wins, the others get the API's 409 conflict, never a 500."""

import pytest
import sqlalchemy as sa

from portal.assessments.models import Answer
from portal.extensions import db
from tests.conftest import sign_in
from tests.parallel import at_once
from tests.portal.api.helpers import token_for
from tests.portal.assessments.helpers import save, setup

pytestmark = pytest.mark.both_databases  # the dialects differ here (locks, upserts, SKIP LOCKED)

PARALLEL = 40


@pytest.mark.parametrize("first", [True, False], ids=["first answer", "changed answer"])
def test_parallel_saves_of_one_item_at_one_version_one_wins_and_the_rest_get_409(
    app, make_buyer, make_supplier, make_campaign, first
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    version = 0
    if not first:
        client = app.test_client()
        sign_in(client, owner.email)
        version = save(client, assessment, "STF-01", code="no").get_json()["version"]
    headers = token_for(owner)
    url = f"/api/v1/assessments/{assessment.id}/answers"

    def saving(n):
        body = {"answers": [{"item": "STF-01", "code": "yes", "comment": f"回答{n}", "version": version}]}
        return lambda: app.test_client().put(url, json=body, headers=headers)

    responses = at_once(app, [saving(n) for n in range(PARALLEL)])

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [409] * (PARALLEL - 1)
    (winner,) = [n for n, response in enumerate(responses) if response.status_code == 200]
    for response in responses:
        if response.status_code == 409:
            assert response.get_json()["error"]["code"] == "conflict"
            assert response.get_json()["error"]["message"].startswith("STF-01: ")
    stored = db.session.scalar(sa.select(Answer).where(Answer.item_id == "STF-01"))
    assert (stored.comment, stored.version) == (f"回答{winner}", version + 1)
    assert responses[winner].get_json()["answers"]["STF-01"]["version"] == version + 1
