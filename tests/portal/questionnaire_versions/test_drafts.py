"""The draft editor: a buyer administrator makes the next version of its questionnaire, item by item."""

import sqlalchemy as sa

from portal.catalog.models import QuestionnaireDraft, QuestionnaireVersion
from portal.catalog.operations import questionnaire_of
from portal.extensions import db
from tests.conftest import sign_in
from tests.portal.questionnaire_versions.conftest import item_form


def _start(client, buyers):
    sign_in(client, buyers.admin_a.email)
    response = client.post(f"/questionnaires/versions/{buyers.own.id}/draft")
    assert response.status_code == 302
    return db.session.scalar(sa.select(QuestionnaireDraft))


def test_an_edit_is_saved_and_publishing_makes_the_next_version(client, buyers):
    draft = _start(client, buyers)
    assert draft.key == "a-own" and draft.organization_id == buyers.buyer_a.id
    page = client.get(f"/questionnaires/drafts/{draft.id}").get_data(as_text=True)
    assert "方針を年1回見直していますか。" in page

    form = item_form(text_ja="方針を半年に1回見直していますか。", weight="2", critical="y", revision="1")
    saved = client.post(f"/questionnaires/drafts/{draft.id}/items/POL-02", data=form)
    assert saved.status_code == 302
    db.session.refresh(draft)
    assert draft.revision == 2
    item = next(i for s in draft.definition["sections"] for i in s["items"] if i["id"] == "POL-02")
    assert item["text"]["ja"] == "方針を半年に1回見直していますか。" and item["weight"] == 2 and item["critical"]

    published = client.post(f"/questionnaires/drafts/{draft.id}/publish", data={"revision": "2"})
    assert published.status_code == 302
    new = db.session.scalar(sa.select(QuestionnaireVersion).where(QuestionnaireVersion.version == "2"))
    assert new.key == "a-own" and new.organization_id == buyers.buyer_a.id and new.origin == "import"
    assert questionnaire_of(new).item("POL-02").weight == 2
    assert db.session.scalar(sa.select(QuestionnaireDraft)) is None  # the draft is gone once published
    changes = client.get(published.headers["Location"]).get_data(as_text=True)
    assert "POL-02" in changes and "方針を半年に1回見直していますか。" in changes and "POL-01" not in changes


def test_a_refused_edit_says_why_by_its_field_and_stores_nothing(client, buyers):
    draft = _start(client, buyers)
    typed = "方針を見直していますか（新しい文言）"
    bad = item_form(text_ja=typed, condition="NOPE == yes", revision="1")
    refused = client.post(f"/questionnaires/drafts/{draft.id}/items/POL-02", data=bad)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert typed in page  # what was typed is kept
    assert 'id="condition"' in page and "NOPE" in page.split('id="condition"')[1].split("</div>")[0]
    db.session.refresh(draft)
    assert draft.revision == 1 and typed not in str(draft.definition)

    zero = client.post(f"/questionnaires/drafts/{draft.id}/items/POL-02", data=item_form(weight="0", revision="1"))
    assert zero.status_code == 400 and "has-error" in zero.get_data(as_text=True)
    stale = client.post(f"/questionnaires/drafts/{draft.id}/items/POL-02", data=item_form(revision="0"))
    assert stale.status_code == 409 and "他の人が下書きを保存しました" in stale.get_data(as_text=True)


def test_items_are_added_and_removed_and_an_unchanged_draft_is_not_published(client, buyers):
    draft = _start(client, buyers)
    refused = client.post(f"/questionnaires/drafts/{draft.id}/publish", data={"revision": "1"})
    assert refused.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(QuestionnaireVersion.id))) == 2

    added = client.post(
        f"/questionnaires/drafts/{draft.id}/items", data={"section_id": "staff", "item_id": "STF-03", "revision": "1"}
    )
    assert added.status_code == 302 and added.headers["Location"].endswith("/items/STF-03")
    duplicate = client.post(
        f"/questionnaires/drafts/{draft.id}/items", data={"section_id": "staff", "item_id": "STF-01", "revision": "2"}
    )
    assert duplicate.status_code == 400 and "番号 STF-01 はこの質問票で既に使われています" in duplicate.get_data(
        as_text=True
    )
    removed = client.post(f"/questionnaires/drafts/{draft.id}/items/POL-02/remove", data={"revision": "2"})
    assert removed.status_code == 302
    db.session.refresh(draft)
    ids = [i["id"] for s in draft.definition["sections"] for i in s["items"]]
    assert ids == ["POL-01", "STF-01", "STF-02", "STF-03"]


def test_an_empty_questionnaire_starts_with_one_question(client, buyers):
    sign_in(client, buyers.admin_a.email)
    taken = client.post("/questionnaires/drafts/new", data={"key": "a-own", "title_ja": "x"})
    assert taken.status_code == 400 and "既に使われています" in taken.get_data(as_text=True)
    created = client.post("/questionnaires/drafts/new", data={"key": "a-second", "title_ja": "第二の質問票"})
    assert created.status_code == 302
    draft = db.session.scalar(sa.select(QuestionnaireDraft).where(QuestionnaireDraft.key == "a-second"))
    assert f"/questionnaires/drafts/{draft.id}" in client.get("/questionnaires/drafts/new").get_data(as_text=True)
    published = client.post(f"/questionnaires/drafts/{draft.id}/publish", data={"revision": "1"})
    assert published.status_code == 302
    first = db.session.scalar(sa.select(QuestionnaireVersion).where(QuestionnaireVersion.key == "a-second"))
    assert first.version == "1" and first.organization_id == buyers.buyer_a.id


def test_another_buyer_sees_nothing_of_a_draft_or_an_own_version(client, buyers):
    draft = _start(client, buyers)
    client.post("/sign-out")
    sign_in(client, buyers.admin_b.email)
    paths = [
        "/questionnaires/a-own/versions",
        f"/questionnaires/versions/{buyers.own.id}/changes",
        f"/questionnaires/versions/{buyers.own.id}/yaml",
        f"/questionnaires/versions/{buyers.own.id}/template.xlsx",
        f"/questionnaires/drafts/{draft.id}",
        f"/questionnaires/drafts/{draft.id}/items/POL-02",
    ]
    for path in paths:
        assert client.get(path).status_code == 404, path
    for path in (
        f"/questionnaires/versions/{buyers.own.id}/draft",
        f"/questionnaires/drafts/{draft.id}/publish",
        f"/questionnaires/drafts/{draft.id}/discard",
        f"/questionnaires/drafts/{draft.id}/items/POL-02/remove",
    ):
        assert client.post(path, data={"revision": "1"}).status_code == 404, path
    assert db.session.scalar(sa.select(sa.func.count(QuestionnaireDraft.id))) == 1
    # The built-in is every buyer's.
    assert client.get("/questionnaires/workflow-check/versions").status_code == 200
