"""Items shown by conditions: autosave tells the page which to show, and progress counts only shown items."""

import re

import sqlalchemy as sa

from portal.assessments.models import Answer
from portal.assessments.rules import Progress, conditional_visibility, gating_item_ids, progress
from portal.extensions import db
from portal.suppliers.models import Supplier
from questionnaires import load_text
from tests.conftest import sign_in
from tests.portal.assessments.helpers import CONDITIONAL_DEFINITION, save, setup
from tests.queries import counted_queries

CLOUD_ITEMS = ["CLD-02", "CLD-03", "STF-02"]  # shown while CLD-01 is "yes"; CLD-04 while it is "no"


def stored_answers():
    return {a.item_id: (a.code, a.comment) for a in db.session.scalars(sa.select(Answer).order_by(Answer.item_id))}


def section_count(page, section_id):
    return re.search(rf'data-section="{section_id}">([^<]*)<', page).group(1)


def test_progress_counts_only_the_items_the_answers_leave_in_scope():
    questionnaire = load_text(CONDITIONAL_DEFINITION, "conditional.yaml")
    assert gating_item_ids(questionnaire) == {"CLD-01"}
    assert progress(questionnaire, "T1", {}, set()) == Progress(0, 2)  # CLD-01 and STF-01; 6 items in the tier

    # STF-01 has only a comment (no answer chosen); STF-02 is a text item with its text; CLD-04 was answered
    # while it was shown and is hidden now: its answer counts nowhere.
    codes = {"CLD-01": "yes", "CLD-02": "yes", "CLD-04": "no", "STF-01": None, "STF-02": None}
    assert progress(questionnaire, "T1", codes, {"STF-01", "STF-02"}) == Progress(3, 5)
    assert conditional_visibility(questionnaire, "T1", codes) == {
        "CLD-02": True,
        "CLD-03": True,
        "CLD-04": False,
        "STF-02": True,
    }
    codes["CLD-01"] = "no"
    assert progress(questionnaire, "T1", codes, {"STF-01", "STF-02"}) == Progress(2, 3)
    assert conditional_visibility(questionnaire, "T1", codes) == {
        "CLD-02": False,
        "CLD-03": False,
        "CLD-04": True,
        "STF-02": False,
    }


def test_autosaving_a_gating_answer_says_which_items_are_shown_and_keeps_hidden_answers(
    app, client, make_buyer, make_supplier, make_campaign, make_version
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign, version=make_version(CONDITIONAL_DEFINITION))
    sign_in(client, owner.email)
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert 'class="item is-hidden is-editable" id="item-CLD-02"' in page  # nothing answered: hidden

    response = save(client, assessment, "CLD-01", code="yes")
    assert response.status_code == 200
    assert response.get_json()["visible"] == CLOUD_ITEMS and response.get_json()["hidden"] == ["CLD-04"]
    # An answer no condition reads changes no item's visibility: nothing to follow.
    assert set(save(client, assessment, "CLD-02", code="yes").get_json()) == {"version", "saved_at"}
    assert save(client, assessment, "STF-02", comment="承認済みのサービスのみ").status_code == 200

    response = save(client, assessment, "CLD-01", version=1, code="no")
    assert response.get_json()["visible"] == ["CLD-04"] and response.get_json()["hidden"] == CLOUD_ITEMS
    # The hidden items keep their answers; the page renders them hidden, CLD-04 shown.
    assert stored_answers() == {
        "CLD-01": ("no", None),
        "CLD-02": ("yes", None),
        "STF-02": (None, "承認済みのサービスのみ"),
    }
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert 'class="item is-hidden is-editable" id="item-CLD-02"' in page
    assert 'class="item is-editable" id="item-CLD-04"' in page
    assert "承認済みのサービスのみ" in page  # still in the (hidden) form, shown again with its item

    # Without JavaScript: the plain form saves and redirects; the next page shows the items again.
    response = client.post(f"/assessments/{assessment.id}/items/CLD-01", data={"code": "yes", "version": "2"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#item-CLD-01")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="item is-editable" id="item-CLD-02"' in page
    assert 'class="item is-hidden is-editable" id="item-CLD-04"' in page


def test_a_refused_gating_save_says_nothing_about_visibility(
    app, client, make_buyer, make_supplier, make_campaign, make_version
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign, version=make_version(CONDITIONAL_DEFINITION))
    sign_in(client, owner.email)
    assert save(client, assessment, "CLD-01", code="yes").status_code == 200
    conflict = save(client, assessment, "CLD-01", version=0, code="no")  # stale version
    assert conflict.status_code == 409 and "visible" not in conflict.get_json()
    refused = save(client, assessment, "CLD-01", version=1, code="partial")  # not on the yes/no scale
    assert refused.status_code == 400 and "visible" not in refused.get_json()
    assert stored_answers() == {"CLD-01": ("yes", None)}


def test_inbox_sections_and_campaign_count_only_shown_items(
    app, client, make_buyer, make_supplier, make_campaign, make_version
):
    assessment, admin, owner = setup(
        make_buyer, make_supplier, make_campaign, version=make_version(CONDITIONAL_DEFINITION)
    )
    sign_in(client, owner.email)
    assert "0 / 2" in client.get("/assessments/").get_data(as_text=True)  # not "0 / 6"

    save(client, assessment, "CLD-01", code="yes")
    save(client, assessment, "CLD-02", code="yes")
    save(client, assessment, "STF-01", comment="検討中")  # a comment without an answer is not an answer
    save(client, assessment, "STF-02", comment="承認済みのサービスのみ")
    inbox = client.get("/assessments/").get_data(as_text=True)
    assert "3 / 5" in inbox and '<progress max="5" value="3">' in inbox
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert (section_count(page, "cloud"), section_count(page, "staff")) == ("2/3", "1/2")

    save(client, assessment, "CLD-01", version=1, code="no")  # hides CLD-02, CLD-03, STF-02; shows CLD-04
    assert "1 / 3" in client.get("/assessments/").get_data(as_text=True)
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert (section_count(page, "cloud"), section_count(page, "staff")) == ("1/2", "0/1")

    save(client, assessment, "CLD-01", version=2, code="yes")  # the kept answers count again
    assert "3 / 5" in client.get("/assessments/").get_data(as_text=True)

    client.post("/sign-out")
    sign_in(client, admin.email)
    campaign_page = client.get(f"/campaigns/{assessment.campaign_id}").get_data(as_text=True)
    assert "3 / 5" in campaign_page and "/ 6" not in campaign_page


def test_the_inbox_counts_shown_items_in_the_same_number_of_queries_for_any_number_of_assessments(
    app, client, make_buyer, make_supplier, make_campaign, make_version
):
    version = make_version(CONDITIONAL_DEFINITION)
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign, version=version)
    organization = assessment.supplier.organization
    sign_in(client, owner.email)
    save(client, assessment, "CLD-01", code="no")
    with counted_queries() as one:
        assert "1 / 3" in client.get("/assessments/").get_data(as_text=True)

    for n in range(3):
        other_buyer, other_admin = make_buyer()
        record = Supplier(
            buyer=other_buyer, organization=organization, name=organization.name, contact_email=owner.email, tier="T1"
        )
        db.session.add(record)
        db.session.commit()
        other = make_campaign(other_buyer, [record], by=other_admin, version=version, name=f"別の依頼{n}")
        save(client, other.assessments[0], "CLD-01", code="yes")
        save(client, other.assessments[0], "CLD-03", code="no")
    with counted_queries() as four:
        inbox = client.get("/assessments/").get_data(as_text=True)
    assert inbox.count("2 / 5") == 3 and inbox.count("1 / 3") == 1
    assert len(one) == len(four), (one, four)
