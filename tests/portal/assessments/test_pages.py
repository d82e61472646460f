"""The supplier's inbox and answering page: what they show, and a constant number of queries."""

from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for

from portal.accounts.operations import create_user
from portal.assessments.models import Answer
from portal.extensions import db
from portal.organizations.models import Role
from portal.organizations.operations import add_member
from portal.suppliers.models import Supplier
from tests.conftest import PASSWORD, sign_in
from tests.portal.assessments.helpers import PDF, save, setup, sized, upload
from tests.queries import counted_queries
from tests.workflow_fixtures import submit_answers


def test_the_inbox_lists_assessments_from_every_buyer_with_due_date_state_and_progress(
    app, client, make_buyer, make_supplier, make_campaign
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign, name="第一回確認")
    organization = assessment.supplier.organization
    sign_in(client, owner.email)
    save(client, assessment, "POL-01", code="yes")
    with counted_queries() as one:
        page = client.get("/assessments/").get_data(as_text=True)
    assert "第一回確認" in page and assessment.campaign.buyer.name in page
    assert "1 / 3" in page  # T1: POL-01, STF-01, STF-02

    for n in range(2):  # two more buyers, each with its own questionnaire version, one overdue
        other_buyer, other_admin = make_buyer()
        record = Supplier(
            buyer=other_buyer, organization=organization, name=organization.name, contact_email=owner.email, tier="T1"
        )
        db.session.add(record)
        db.session.commit()
        campaign = make_campaign(other_buyer, [record], by=other_admin, name=f"別の依頼{n}")
        if n:
            campaign.due_date = date.today() - timedelta(days=3)
            db.session.commit()
    with counted_queries() as three:
        response = client.get("/assessments/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "別の依頼0" in page and "別の依頼1" in page
    assert page.count('class="error"') == 1  # the overdue one is marked
    assert len(one) == len(three), (one, three)


def test_the_answering_page_shows_sections_items_guidance_and_who_answered(
    app, client, make_buyer, make_supplier, make_campaign
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, owner.email)
    save(client, assessment, "STF-01", code="yes")
    upload(client, assessment, "POL-01", (PDF, "方針.pdf"))  # so the page offers it to the other items
    response = client.get(f"/assessments/{assessment.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="csrf-token"' in page and "answering.js" in page
    assert "情報セキュリティの基本方針を定めていますか。" in page and "方針の文書を添付してください。" in page
    assert 'id="item-POL-01"' in page and 'id="item-POL-02"' not in page  # T2 item not in a T1 assessment
    assert 'href="#s-policy"' in page and 'href="#s-staff"' in page
    assert "1/2" in page  # staff section: one of two answered
    assert owner.name in page
    assert "<script>" not in page and " style=" not in page and "onclick" not in page
    # The per-item addresses the page builds from one url_for are the routes' own.
    with app.test_request_context():
        for endpoint in ("assessments.save", "assessments.upload", "assessments.attach"):
            assert f'"{url_for(endpoint, assessment_id=assessment.id, item_id="STF-01")}"' in page, endpoint


def test_english_speakers_get_the_english_questionnaire(app, client, make_buyer, make_supplier, make_campaign):
    assessment, _, _ = setup(make_buyer, make_supplier, make_campaign)
    english = create_user(email="en@example.com", name="Emma", password=PASSWORD, locale="en")
    add_member(assessment.supplier.organization, english, Role.SUPPLIER_RESPONDER, by=None)
    db.session.commit()
    sign_in(client, english.email)
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "Do you have a security policy?" in page and "Attach the policy document." in page


def test_the_page_for_150_items_runs_as_many_queries_as_for_10(
    app, client, make_buyer, make_supplier, make_campaign, make_version
):
    counts = []
    for size in (10, 150):
        assessment, _, owner = sized(make_buyer, make_supplier, make_campaign, make_version, size)
        for n in range(0, size, 3):
            db.session.add(Answer(assessment_id=assessment.id, item_id=f"Q{n:03d}", code="yes", updated_by_id=owner.id))
        db.session.commit()
        sign_in(client, owner.email)
        for n in range(0, size, 7):  # evidence on many items too
            upload(client, assessment, f"Q{n:03d}", (PDF + str(n % 3).encode(), f"e{n}.pdf"))
        with counted_queries() as statements:
            page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
        assert f'id="item-Q{size - 1:03d}"' in page
        counts.append(len(statements))
        client.post("/sign-out")
    assert counts[0] == counts[1], counts


def test_other_organisations_get_404_and_buyers_cannot_use_the_supplier_pages(
    app, client, make_buyer, make_supplier, make_campaign
):
    assessment, admin, _ = setup(make_buyer, make_supplier, make_campaign)
    _, stranger = make_supplier(admin and make_buyer()[0])
    sign_in(client, stranger.email)
    for path in ("", "/submit", "/activity"):
        assert client.get(f"/assessments/{assessment.id}{path}").status_code == 404
    assert save(client, assessment, "POL-01", code="yes").status_code == 404
    client.post("/sign-out")
    sign_in(client, admin.email)
    assert client.get(f"/assessments/{assessment.id}").status_code in (403, 404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0


def test_the_answering_page_reads_the_score_once(app, client, make_buyer, make_supplier, make_campaign):
    """The score shown comes from the sheet the items come from, not from a second read of it."""
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "no", "STF-02": "yes"})
    sign_in(client, owner.email)
    with counted_queries() as statements:
        assert client.get(f"/assessments/{assessment.id}").status_code == 200
    assert len([s for s in statements if "FROM assessment_scores" in s]) == 1, statements
