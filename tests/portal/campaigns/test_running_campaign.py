"""Managing a running campaign: withdrawing one supplier's assessment and extending the due date."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.activity.models import ActivityEntry
from portal.assessments.models import Assessment, AssessmentState, ReminderSent
from portal.assessments.operations import (
    AnswerInput,
    assign_section,
    questionnaire_for,
    save_answer,
    submit_assessment,
)
from portal.campaigns.reminders import send_assessment_reminders
from portal.errors import Conflict
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.organizations.models import Role
from tests.conftest import PASSWORD, csrf_token, sign_in
from tests.portal.campaigns.helpers import count_rows, sign_in_english, text


def messages_to(email):
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id)
    ).all()


def assessment_of(campaign, supplier):
    return db.session.scalar(
        sa.select(Assessment).where(Assessment.campaign_id == campaign.id, Assessment.supplier_id == supplier.id)
    )


def post_and_read(client, path, data, campaign):
    """Post, then read the campaign page the view redirects to (with its flashed message)."""
    response = client.post(path, data=data)
    assert response.status_code == 302
    return text(client.get(f"/campaigns/{campaign.id}"))


def entries(action):
    return db.session.scalars(sa.select(ActivityEntry).where(ActivityEntry.action == action)).all()


# Withdrawing ---------------------------------------------------------------------------------------


def test_withdrawing_tells_the_owner_keeps_the_reason_and_stops_answers_and_reminders(
    client, make_buyer, make_supplier, make_campaign
):
    buyer, admin = make_buyer()
    leaving, leaving_owner = make_supplier(buyer, name="撤退商事")
    staying, staying_owner = make_supplier(buyer, name="継続工業")
    campaign = make_campaign(buyer, [leaving, staying], by=admin, due_in_days=10)
    withdrawn, kept = assessment_of(campaign, leaving), assessment_of(campaign, staying)
    before = len(messages_to(leaving_owner.email))
    sign_in_english(client, admin)

    page = text(client.get(f"/campaigns/{campaign.id}"))
    assert f"/campaigns/{campaign.id}/assessments/{withdrawn.id}/withdraw" in page

    response = client.post(
        f"/campaigns/{campaign.id}/assessments/{withdrawn.id}/withdraw", data={"reason": "取引を終了したため"}
    )
    assert response.status_code == 302
    db.session.refresh(withdrawn)
    db.session.refresh(kept)
    assert withdrawn.state == AssessmentState.WITHDRAWN
    assert kept.state == AssessmentState.INVITED

    (entry,) = entries("assessment.withdrawn")
    assert (entry.actor_id, entry.subject_id, entry.organization_id) == (admin.id, withdrawn.id, buyer.id)
    assert entry.details == {"state": ["invited", "withdrawn"], "reason": "取引を終了したため"}

    # The owner is told in their own language (Japanese by default), with the reason.
    mails = messages_to(leaving_owner.email)
    assert len(mails) == before + 1
    assert "取引を終了したため" in mails[-1].body and "ご担当者様" in mails[-1].body
    assert all("取引を終了したため" not in m.body for m in messages_to(staying_owner.email))

    page = text(client.get(f"/campaigns/{campaign.id}"))
    assert 'class="is-withdrawn"' in page and "Withdrawn" in page
    assert f"/assessments/{withdrawn.id}/withdraw" not in page  # no second withdrawal offered
    assert f"/assessments/{kept.id}/withdraw" in page

    # Read-only for the supplier: answering and submitting are refused.
    with pytest.raises(Conflict, match="withdrawn"):
        save_answer(withdrawn, AnswerInput("POL-01", "yes", None, None, 0), by=leaving_owner)
    with pytest.raises(Conflict, match="withdrawn"):
        submit_assessment(withdrawn, by=leaving_owner)
    section_id = questionnaire_for(withdrawn).sections[0].id
    with pytest.raises(Conflict, match="withdrawn"):  # and nobody is e-mailed an assignment
        assign_section(withdrawn, section_id, None, by=leaving_owner)
    db.session.rollback()

    # Out of reminders: only the supplier still asked is reminded.
    assert send_assessment_reminders(campaign.due_date - timedelta(days=7)) == 1
    db.session.commit()
    assert {row.assessment_id for row in db.session.scalars(sa.select(ReminderSent))} == {kept.id}
    assert len(messages_to(leaving_owner.email)) == before + 1


def test_withdrawing_needs_a_reason_and_an_undecided_assessment(client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer)
    decided, _ = make_supplier(buyer)
    campaign = make_campaign(buyer, [supplier, decided], by=admin)
    open_one, accepted = assessment_of(campaign, supplier), assessment_of(campaign, decided)
    accepted.state = AssessmentState.ACCEPTED
    db.session.commit()
    outbox = count_rows(OutboxMessage)
    sign_in_english(client, admin)

    for reason in ("", "   "):
        page = post_and_read(
            client, f"/campaigns/{campaign.id}/assessments/{open_one.id}/withdraw", {"reason": reason}, campaign
        )
        assert "Please give a reason for withdrawing the assessment." in page
    page = post_and_read(
        client, f"/campaigns/{campaign.id}/assessments/{accepted.id}/withdraw", {"reason": "不要"}, campaign
    )
    assert "Only an assessment that has not been decided yet can be withdrawn." in page
    assert f"/assessments/{accepted.id}/withdraw" not in page

    db.session.refresh(open_one)
    db.session.refresh(accepted)
    assert (open_one.state, accepted.state) == (AssessmentState.INVITED, AssessmentState.ACCEPTED)
    assert count_rows(OutboxMessage) == outbox
    assert entries("assessment.withdrawn") == []


def test_a_submitted_assessment_can_still_be_withdrawn(client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer)
    campaign = make_campaign(buyer, [supplier], by=admin)
    assessment = assessment_of(campaign, supplier)
    assessment.state = AssessmentState.UNDER_REVIEW
    db.session.commit()
    sign_in(client, admin.email)
    client.post(f"/campaigns/{campaign.id}/assessments/{assessment.id}/withdraw", data={"reason": "契約解除"})
    db.session.refresh(assessment)
    assert assessment.state == AssessmentState.WITHDRAWN


# Extending the due date ----------------------------------------------------------------------------


def test_extending_tells_only_the_suppliers_who_have_not_submitted(client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    waiting, waiting_owner = make_supplier(buyer)
    done, done_owner = make_supplier(buyer)
    campaign = make_campaign(buyer, [waiting, done], by=admin, due_in_days=10)
    assessment_of(campaign, done).state = AssessmentState.SUBMITTED
    waiting_owner.locale = "en"
    db.session.commit()
    old_due = campaign.due_date
    new_due = old_due + timedelta(days=14)
    before_waiting, before_done = len(messages_to(waiting_owner.email)), len(messages_to(done_owner.email))
    sign_in_english(client, admin)

    assert f"/campaigns/{campaign.id}/due-date" in text(client.get(f"/campaigns/{campaign.id}"))
    response = client.post(f"/campaigns/{campaign.id}/due-date", data={"due_date": new_due.isoformat()})
    assert response.status_code == 302
    db.session.refresh(campaign)
    assert campaign.due_date == new_due

    mails = messages_to(waiting_owner.email)
    assert len(mails) == before_waiting + 1
    assert mails[-1].subject.startswith("New due date")  # the owner's language: English
    assert f"/assessments/{assessment_of(campaign, waiting).id}" in mails[-1].body
    assert len(messages_to(done_owner.email)) == before_done

    (entry,) = entries("campaign.due_date_extended")
    assert (entry.actor_id, entry.subject_id) == (admin.id, campaign.id)
    assert entry.details == {"due_date": [old_due.isoformat(), new_due.isoformat()], "notified": 1}


@pytest.mark.parametrize("days", [0, -1])
def test_the_due_date_can_only_move_later(client, make_buyer, make_supplier, make_campaign, days):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer)
    campaign = make_campaign(buyer, [supplier], by=admin, due_in_days=10)
    old_due = campaign.due_date
    outbox = count_rows(OutboxMessage)
    sign_in_english(client, admin)
    page = post_and_read(
        client,
        f"/campaigns/{campaign.id}/due-date",
        {"due_date": (old_due + timedelta(days=days)).isoformat()},
        campaign,
    )
    assert "The new due date must be later than the current one." in page
    db.session.refresh(campaign)
    assert campaign.due_date == old_due
    assert count_rows(OutboxMessage) == outbox
    assert entries("campaign.due_date_extended") == []


def test_an_overdue_campaign_must_move_into_the_future(client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer)
    campaign = make_campaign(buyer, [supplier], by=admin, due_in_days=10)
    campaign.due_date = date.today() - timedelta(days=5)
    db.session.commit()
    sign_in_english(client, admin)
    page = post_and_read(client, f"/campaigns/{campaign.id}/due-date", {"due_date": date.today().isoformat()}, campaign)
    assert "The due date must be in the future." in page
    db.session.refresh(campaign)
    assert campaign.due_date == date.today() - timedelta(days=5)


def test_extending_does_not_resend_steps_already_sent_but_later_steps_still_come(
    app, make_buyer, make_supplier, make_campaign
):
    from portal.campaigns.operations import extend_due_date

    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer)
    campaign = make_campaign(buyer, [supplier], by=admin, due_in_days=10)
    assessment = assessment_of(campaign, supplier)
    old_due = campaign.due_date

    def run(day):
        count = send_assessment_reminders(day)
        db.session.commit()
        return count

    assert run(old_due - timedelta(days=7)) == 1  # before-7
    assert run(old_due - timedelta(days=3)) == 1  # before-3
    extended_on = old_due - timedelta(days=2)
    extend_due_date(campaign, old_due + timedelta(days=14), by=admin, today=extended_on)
    db.session.commit()
    new_due = campaign.due_date

    sent = {day: run(day) for day in (extended_on + timedelta(days=n) for n in range((new_due - extended_on).days + 3))}
    steps = db.session.scalars(
        sa.select(ReminderSent.step).where(ReminderSent.assessment_id == assessment.id).order_by(ReminderSent.id)
    ).all()
    assert steps == ["before-7", "before-3", "before-1", "overdue"]
    assert sent[extended_on] == 0  # no burst on the day the date moves
    assert [day for day, count in sent.items() if count] == [new_due - timedelta(days=1), new_due + timedelta(days=1)]


# Permissions ---------------------------------------------------------------------------------------


def test_only_the_buyer_admin_of_the_campaign_may_manage_it(
    client, make_buyer, make_supplier, make_campaign, make_user
):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    campaign = make_campaign(buyer, [supplier], by=admin)
    other_campaign = make_campaign(buyer, [supplier], by=admin, name="other")
    assessment = assessment_of(campaign, supplier)
    old_due = campaign.due_date
    withdraw = f"/campaigns/{campaign.id}/assessments/{assessment.id}/withdraw"
    extend = f"/campaigns/{campaign.id}/due-date"
    later = {"due_date": (old_due + timedelta(days=30)).isoformat()}

    for role in (Role.REVIEWER, Role.AUDITOR):
        user = make_user(organization=buyer, role=role)
        sign_in(client, user.email)
        page = text(client.get(f"/campaigns/{campaign.id}"))
        assert "/withdraw" not in page and "/due-date" not in page
        assert client.post(withdraw, data={"reason": "x"}).status_code == 403
        assert client.post(extend, data=later).status_code == 403
        client.post("/sign-out")

    sign_in(client, owner.email)
    assert client.post(withdraw, data={"reason": "x"}).status_code == 403
    assert client.post(extend, data=later).status_code == 403
    client.post("/sign-out")

    _, stranger = make_buyer()
    sign_in(client, stranger.email)
    assert client.post(withdraw, data={"reason": "x"}).status_code == 404
    assert client.post(extend, data=later).status_code == 404
    client.post("/sign-out")

    # The assessment must belong to the campaign in the address.
    sign_in(client, admin.email)
    assert (
        client.post(
            f"/campaigns/{other_campaign.id}/assessments/{assessment.id}/withdraw", data={"reason": "x"}
        ).status_code
        == 404
    )

    db.session.refresh(assessment)
    db.session.refresh(campaign)
    assert (assessment.state, campaign.due_date) == (AssessmentState.INVITED, old_due)


def test_a_draft_campaign_cannot_be_managed(client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer)
    draft = make_campaign(buyer, [supplier], by=admin, launch=False)
    (assessment,) = draft.assessments
    sign_in(client, admin.email)
    assert (
        client.post(f"/campaigns/{draft.id}/assessments/{assessment.id}/withdraw", data={"reason": "x"}).status_code
        == 404
    )
    assert client.post(f"/campaigns/{draft.id}/due-date", data={"due_date": "2099-01-01"}).status_code == 404


def test_both_forms_need_the_csrf_token(csrf_app, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer)
    campaign = make_campaign(buyer, [supplier], by=admin)
    assessment = assessment_of(campaign, supplier)
    old_due = campaign.due_date
    client = csrf_app.test_client()
    client.post(
        "/sign-in", data={"email": admin.email, "password": PASSWORD, "csrf_token": csrf_token(client, "/sign-in")}
    )
    withdraw = f"/campaigns/{campaign.id}/assessments/{assessment.id}/withdraw"
    extend = f"/campaigns/{campaign.id}/due-date"
    later = {"due_date": (old_due + timedelta(days=30)).isoformat()}
    assert client.post(withdraw, data={"reason": "契約解除"}).status_code == 400
    assert client.post(extend, data=later).status_code == 400
    db.session.refresh(assessment)
    db.session.refresh(campaign)
    assert (assessment.state, campaign.due_date) == (AssessmentState.INVITED, old_due)

    token = csrf_token(client, f"/campaigns/{campaign.id}")
    assert client.post(extend, data={**later, "csrf_token": token}).status_code == 302
    assert client.post(withdraw, data={"reason": "契約解除", "csrf_token": token}).status_code == 302
    db.session.refresh(assessment)
    db.session.refresh(campaign)
    assert (assessment.state, campaign.due_date) == (AssessmentState.WITHDRAWN, old_due + timedelta(days=30))
