"""The workflow through its operations: launch, answer, conflict, submit, return, fix, decide, follow up."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.actions.models import ActionState
from portal.actions.operations import close_action, submit_plan
from portal.assessments.models import AssessmentState, Decision
from portal.assessments.operations import (
    AnswerConflict,
    AnswerInput,
    RuleViolation,
    attach_evidence,
    save_answer,
    submit_assessment,
    supplier_inbox,
)
from portal.errors import Conflict, UserInputError
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.review.operations import ActionInput, decide_item, decide_outcome, return_for_clarification
from tests.portal.actions.steps import ready_to_verify
from tests.workflow_fixtures import only_assessment

pytestmark = pytest.mark.both_databases  # the dialects differ here (locks, upserts, SKIP LOCKED)


def answer(assessment, item_id, code, *, by, base=None, **kw):
    from portal.assessments.models import Answer

    current = db.session.scalar(
        sa.select(Answer).where(Answer.assessment_id == assessment.id, Answer.item_id == item_id)
    )
    version = base if base is not None else (current.version if current else 0)
    saved = save_answer(assessment, AnswerInput(item_id, code, kw.get("comment"), kw.get("na_reason"), version), by=by)
    db.session.commit()
    return saved


def evidence_for(supplier, owner, name="policy.pdf"):
    evidence = Evidence(
        organization_id=supplier.organization_id,
        sha256="a" * 64,
        size=10,
        filename=name,
        content_type="application/pdf",
        uploaded_by_id=owner.id,
    )
    db.session.add(evidence)
    db.session.commit()
    return evidence


def test_the_whole_workflow(app, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    campaign = make_campaign(buyer, [supplier], by=admin)
    assessment = only_assessment(campaign)
    assert supplier_inbox(supplier.organization) == [assessment]
    mails = db.session.scalars(sa.select(OutboxMessage.recipient)).all()
    assert owner.email in mails

    answer(assessment, "POL-01", "yes", by=owner)
    answer(assessment, "STF-01", "na", by=owner, na_reason="社員はいません")
    assert assessment.state == AssessmentState.IN_PROGRESS
    with pytest.raises(RuleViolation) as gaps:
        submit_assessment(assessment, by=owner)
    assert {(m.item_id, m.reason) for m in gaps.value.missing} == {("POL-01", "evidence"), ("STF-02", "unanswered")}
    db.session.rollback()
    assert "POL-02" not in {m.item_id for m in gaps.value.missing}  # a T2 item is not asked at T1

    attach_evidence(assessment, "POL-01", evidence_for(supplier, owner), by=owner)
    answer(assessment, "STF-02", "no", by=owner)
    submit_assessment(assessment, by=owner)
    db.session.commit()
    assert assessment.state == AssessmentState.SUBMITTED
    with pytest.raises(Conflict):
        answer(assessment, "STF-02", "yes", by=owner)
    db.session.rollback()

    decide_item(assessment, "POL-01", Decision.ACCEPTED, comment=None, visible_to_supplier=True, by=admin)
    decide_item(
        assessment,
        "STF-02",
        Decision.CLARIFICATION,
        comment="削除の手順を教えてください",
        visible_to_supplier=True,
        by=admin,
    )
    assert return_for_clarification(assessment, by=admin) == ["STF-02"]
    db.session.commit()
    assert assessment.state == AssessmentState.RETURNED
    with pytest.raises(Conflict):
        answer(assessment, "POL-01", "no", by=owner)
    db.session.rollback()
    answer(assessment, "STF-02", "partial", by=owner, comment="手順書を作成中")
    submit_assessment(assessment, by=owner)
    db.session.commit()

    decide_item(
        assessment, "STF-02", Decision.NONCONFORMING, comment="手順書が必要です", visible_to_supplier=True, by=admin
    )
    db.session.commit()
    with pytest.raises(UserInputError):
        decide_outcome(assessment, "accept", comment=None, actions=[], by=admin, today=date.today())
    db.session.rollback()
    due = date.today() + timedelta(days=30)
    (action,) = decide_outcome(
        assessment,
        "accept_with_conditions",
        comment="条件付きで承認",
        actions=[ActionInput("STF-02", "桜井", due)],
        by=admin,
        today=date.today(),
    )
    db.session.commit()
    assert assessment.state == AssessmentState.ACCEPTED_WITH_CONDITIONS
    assert (action.item_id, action.owner, action.due_date, action.state) == ("STF-02", "桜井", due, ActionState.OPEN)

    with pytest.raises(Conflict):
        close_action(action, "ok", by=admin)
    db.session.rollback()
    submit_plan(action, "来月までに手順書を作成します", by=owner)
    with pytest.raises(Conflict):  # a plan alone closes nothing: the fix is verified first
        close_action(action, "確認しました", by=admin)
    db.session.rollback()
    ready_to_verify(action, supplier_user=owner, buyer_user=admin)
    close_action(action, "確認しました", by=admin)
    db.session.commit()
    assert action.state == ActionState.CLOSED


def test_two_people_editing_one_item_get_a_conflict_and_nothing_is_lost(app, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    first = answer(assessment, "STF-01", "yes", by=owner, comment="A")
    started_from = first.version
    answer(assessment, "STF-01", "partial", by=owner, base=started_from, comment="colleague")
    with pytest.raises(AnswerConflict) as conflict:
        answer(assessment, "STF-01", "no", by=owner, base=started_from, comment="mine")
    db.session.rollback()
    assert (conflict.value.current.code, conflict.value.current.comment) == ("partial", "colleague")


def test_bad_answers_are_refused(app, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    with pytest.raises(UserInputError):
        answer(assessment, "STF-01", "maybe", by=owner)
    db.session.rollback()
    with pytest.raises(Conflict):
        answer(assessment, "POL-02", "yes", by=owner)  # T2 item, not in a T1 assessment
    db.session.rollback()


def test_draft_campaigns_are_not_in_the_inbox(app, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer)
    make_campaign(buyer, [supplier], by=admin, launch=False)
    assert supplier_inbox(supplier.organization) == []
