"""Recurring campaigns: the next round is a draft for the same suppliers, seeded from their answers on launch."""

from datetime import date, timedelta

import sqlalchemy as sa

from portal.assessments.models import Answer, Assessment, AssessmentState
from portal.assessments.operations import AnswerInput, save_answer
from portal.campaigns.models import Campaign, CampaignState
from portal.extensions import db
from portal.mail.models import OutboxMessage
from tests.conftest import path_of
from tests.portal.campaigns.helpers import count_rows, sign_in_english, text


def test_next_round_copies_the_campaign_and_seeds_the_answers(client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    first, first_owner = make_supplier(buyer, name="一社目")
    second, _ = make_supplier(buyer, name="二社目")
    withdrawn, _ = make_supplier(buyer, name="辞退した社")
    previous = make_campaign(buyer, [first, second, withdrawn], by=admin, name="2025年度", reminder_days=[5])
    by_supplier = {a.supplier_id: a for a in previous.assessments}
    save_answer(by_supplier[first.id], AnswerInput("POL-01", "yes", "規程あり", None, 0), by=first_owner)
    save_answer(by_supplier[first.id], AnswerInput("STF-01", "na", None, "従業員なし", 0), by=first_owner)
    by_supplier[withdrawn.id].state = AssessmentState.WITHDRAWN
    db.session.commit()
    sign_in_english(client, admin)

    detail = text(client.get(f"/campaigns/{previous.id}"))
    assert f"/campaigns/{previous.id}/next-round" in detail
    form = text(client.get(f"/campaigns/{previous.id}/next-round"))
    assert 'value="2025年度"' in form

    due = (date.today() + timedelta(days=200)).isoformat()
    response = client.post(f"/campaigns/{previous.id}/next-round", data={"name": "2026年度", "due_date": due})
    assert response.status_code == 302
    draft = db.session.scalar(sa.select(Campaign).where(Campaign.name == "2026年度"))
    assert path_of(response.headers["Location"]) == f"/campaigns/{draft.id}"
    assert draft.state == CampaignState.DRAFT and draft.previous_id == previous.id
    assert {a.supplier_id for a in draft.assessments} == {first.id, second.id}
    assert (draft.reminder_days, draft.due_date.isoformat()) == ([5], due)
    assert "一社目" in text(client.get(f"/campaigns/{draft.id}"))  # the preview

    mails_before = count_rows(OutboxMessage)
    assert client.post(f"/campaigns/{draft.id}/launch").status_code == 302
    assert count_rows(OutboxMessage) == mails_before + 2
    seeded = db.session.scalar(
        sa.select(Assessment).where(Assessment.campaign_id == draft.id, Assessment.supplier_id == first.id)
    )
    answers = {
        a.item_id: (a.code, a.comment, a.na_reason)
        for a in db.session.scalars(sa.select(Answer).where(Answer.assessment_id == seeded.id))
    }
    assert answers == {"POL-01": ("yes", "規程あり", None), "STF-01": ("na", None, "従業員なし")}
    assert "2 / 3" in text(client.get(f"/campaigns/{draft.id}"))


def test_next_round_refuses_bad_input(client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer)
    previous = make_campaign(buyer, [supplier], by=admin)
    sign_in_english(client, admin)
    url = f"/campaigns/{previous.id}/next-round"
    for data in (
        {"name": "x", "due_date": date.today().isoformat()},
        {"name": "x", "due_date": "tomorrow"},
        {"name": "", "due_date": (date.today() + timedelta(days=9)).isoformat()},
        {"name": " ", "due_date": (date.today() + timedelta(days=9)).isoformat()},
    ):
        response = client.post(url, data=data)
        assert response.status_code == 200 and 'role="alert"' in text(response)
    assert "The due date must be in the future." in text(client.post(url, data={"name": "x", "due_date": "2000-01-01"}))
    assert count_rows(Campaign) == 1


def test_next_round_carries_the_evidence_links_forward_without_copying_files(
    app, make_buyer, make_supplier, make_campaign
):
    from portal.assessments.models import AnswerEvidence
    from portal.assessments.operations import evidence_of, missing_items, submit_assessment
    from portal.campaigns.operations import launch_campaign, start_next_round
    from portal.evidence.models import Evidence
    from tests.workflow_fixtures import only_assessment, pdf_file, submit_answers

    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    other, _ = make_supplier(buyer)
    previous = make_campaign(buyer, [supplier], by=admin)
    before = only_assessment(previous)
    submit_answers(before, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "yes"})  # a policy file on POL-01
    (policy,) = evidence_of(before)["POL-01"]
    # A link to another organisation's file (which the pages never allow) is not carried forward.
    foreign = pdf_file(other.organization_id, "他社.pdf")
    db.session.add(AnswerEvidence(assessment_id=before.id, item_id="STF-01", evidence_id=foreign.id))
    db.session.commit()
    files = count_rows(Evidence)

    draft = start_next_round(
        previous, name="次年度", due_date=date.today() + timedelta(days=60), by=admin, today=date.today()
    )
    launch_campaign(draft, by=admin)
    db.session.commit()

    seeded = only_assessment(draft)
    assert {item: [e.id for e in files] for item, files in evidence_of(seeded).items()} == {"POL-01": [policy.id]}
    assert count_rows(Evidence) == files  # linked, not copied
    assert evidence_of(before)["POL-01"] == [policy]  # the earlier round keeps its link
    assert missing_items(seeded) == []
    submit_assessment(seeded, by=owner)
    db.session.commit()
    assert seeded.state == AssessmentState.SUBMITTED
