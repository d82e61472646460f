"""The demo's second version of the first buyer's checksheet (issue 22): made through a draft with two items
changed; its changes page shows both, and only the reworded one is asked again in the next round."""

from portal.demo.questionnaire_versions import MADE_CRITICAL, REWORDED, seed_second_version
from portal.extensions import db
from tests.conftest import sign_in


def test_the_demo_checksheet_has_a_second_version_with_two_changes(client, make_buyer):
    buyer, admin = make_buyer("デモ自動車部品株式会社")
    second = seed_second_version(buyer.name)
    db.session.commit()
    assert seed_second_version(buyer.name).id == second.id  # seeding again changes nothing
    assert (second.version, second.organization_id) == ("2", buyer.id)

    sign_in(client, admin.email)
    page = client.get(f"/questionnaires/versions/{second.id}/changes").get_data(as_text=True)
    assert REWORDED[1] in page and f'id="changed-{MADE_CRITICAL}"' in page
    assert page.count('class="change"') == 2 and page.count("badge asks-again") == 1
