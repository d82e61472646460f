"""Campaign pages name the questionnaire in the reader's language, like the other pages."""

from tests.conftest import sign_in
from tests.portal.campaigns.helpers import text

ENGLISH, JAPANESE = "Supplier security check", "取引先セキュリティ確認"


def test_campaign_pages_show_the_questionnaire_title_in_the_users_language(
    client, make_buyer, make_supplier, make_campaign
):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer)
    sent = make_campaign(buyer, [supplier], by=admin)
    draft = make_campaign(buyer, [supplier], by=admin, launch=False, name="下書き")
    pages = ("/campaigns/", f"/campaigns/{sent.id}", f"/campaigns/{draft.id}", "/campaigns/new")

    sign_in(client, admin.email)
    for path in pages:
        page = text(client.get(path))
        assert JAPANESE in page and ENGLISH not in page, path

    assert client.post("/settings", data={"locale": "en"}).status_code == 302
    for path in pages:
        page = text(client.get(path))
        assert ENGLISH in page and JAPANESE not in page, path
