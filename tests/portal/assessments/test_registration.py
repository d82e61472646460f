"""Answering by a METI SCS registration: who may choose which registration, withdrawing, the reviewer's verdict,
expiry, and what the pages show of it."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from openpyxl import load_workbook

from portal.activity.models import ActivityEntry
from portal.assessments.lifecycle import InvalidTransition
from portal.assessments.models import AssessmentState
from portal.assessments.operations import AnswerInput, save_answer, submit_assessment
from portal.assessments.registration import (
    RegistrationRefused,
    accept_registration,
    choose_registration,
    offer_for,
    registration_of,
    return_comment,
    return_registration,
    withdraw_registration,
)
from portal.claims.models import Claim, ClaimKind
from portal.errors import Conflict, NotFound, PermissionDenied, UserInputError
from portal.extensions import db
from portal.organizations.models import Role
from portal.policy.evidence import may_download
from portal.reports.checksheet import build_checksheet
from portal.reports.from_assessment import checksheet_data
from portal.scoring.models import AssessmentScore
from portal.scoring.operations import assessments_needing_scores
from tests.conftest import sign_in
from tests.workflow_fixtures import only_assessment, pdf_file

pytestmark = pytest.mark.both_databases

TODAY = date.today()
NEXT_YEAR = TODAY + timedelta(days=365)


def scs(organization_id: int, level: int = 3, valid_until: date = NEXT_YEAR, number: str = "SCS3-0001") -> Claim:
    claim = Claim(
        organization_id=organization_id,
        kind=ClaimKind.METI_SCS,
        number=number,
        level=level,
        evaluator="評価機関A" if level == 4 else None,
        valid_until=valid_until,
    )
    db.session.add(claim)
    db.session.commit()
    return claim


@pytest.fixture
def world(make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    campaign = make_campaign(buyer, [supplier], by=admin, accepts_registration_level=3)
    return only_assessment(campaign), owner, admin


def actions_of(assessment) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(ActivityEntry.action)
            .where(ActivityEntry.subject_type == "assessment", ActivityEntry.subject_id == assessment.id)
            .where(ActivityEntry.action.like("registration.%"))
            .order_by(ActivityEntry.id)
        )
    )


def test_the_owner_answers_by_a_valid_registration_and_the_reviewer_accepts(world):
    assessment, owner, admin = world
    claim = scs(assessment.supplier.organization_id)
    offer = offer_for(assessment, TODAY)
    assert offer.level == 3 and [c.id for c in offer.claims] == [claim.id] and offer.reason is None

    choose_registration(assessment, claim.id, by=owner, today=TODAY)
    db.session.commit()
    assert assessment.state == AssessmentState.SUBMITTED and assessment.satisfied_by_claim_id == claim.id
    shown = registration_of(assessment, TODAY)
    assert (shown.level, shown.number, shown.accepted, shown.satisfied) == (3, "SCS3-0001", False, False)
    # Not scored from answers: nothing for the sweep to score either.
    assert db.session.scalar(sa.select(AssessmentScore).where(AssessmentScore.assessment_id == assessment.id)) is None
    assert assessment.id not in assessments_needing_scores()

    accept_registration(assessment, by=admin, today=TODAY)
    db.session.commit()
    assert assessment.state == AssessmentState.ACCEPTED and assessment.decided_by_id == admin.id
    shown = registration_of(assessment, TODAY)
    with force_locale("ja"):
        assert shown.satisfied and shown.label == f"★3 登録により充足（有効期限 {NEXT_YEAR.isoformat()}）"
    assert actions_of(assessment) == ["registration.chosen", "registration.accepted"]


def test_expiry_makes_it_no_longer_satisfied(world):
    assessment, owner, admin = world
    claim = scs(assessment.supplier.organization_id, valid_until=TODAY + timedelta(days=10))
    choose_registration(assessment, claim.id, by=owner, today=TODAY)
    accept_registration(assessment, by=admin, today=TODAY)
    db.session.commit()
    assert registration_of(assessment, TODAY).satisfied
    later = registration_of(assessment, TODAY + timedelta(days=11))
    with force_locale("ja"):
        assert not later.satisfied and not later.valid and "登録の有効期限切れ" in later.label


def test_refusals_change_nothing(world, make_supplier, make_buyer):
    assessment, owner, _ = world
    other_supplier, _ = make_supplier(make_buyer()[0])
    foreign = scs(other_supplier.organization_id, number="SCS3-9999")
    expired = scs(assessment.supplier.organization_id, valid_until=TODAY - timedelta(days=1), number="SCS3-OLD")
    declaration = Claim(
        organization_id=assessment.supplier.organization_id,
        kind=ClaimKind.SECURITY_ACTION,
        number="1234567",
        level=2,
    )
    db.session.add(declaration)
    db.session.commit()
    assert offer_for(assessment, TODAY).reason is not None  # only an expired one: says why

    with pytest.raises(NotFound):
        choose_registration(assessment, foreign.id, by=owner, today=TODAY)
    db.session.rollback()
    with pytest.raises(RegistrationRefused, match="expired"):
        choose_registration(assessment, expired.id, by=owner, today=TODAY)
    db.session.rollback()
    with pytest.raises(RegistrationRefused):
        choose_registration(assessment, declaration.id, by=owner, today=TODAY)
    db.session.rollback()
    assert assessment.state == AssessmentState.INVITED and assessment.satisfied_by_claim_id is None
    assert actions_of(assessment) == []


def test_a_level_too_low_or_a_campaign_that_does_not_accept_is_refused(
    make_buyer, make_supplier, make_campaign, make_user
):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    star4 = only_assessment(make_campaign(buyer, [supplier], by=admin, name="★4", accepts_registration_level=4))
    plain = only_assessment(make_campaign(buyer, [supplier], by=admin, name="通常"))
    claim = scs(supplier.organization_id, level=3)
    assert offer_for(plain, TODAY) is None
    assert offer_for(star4, TODAY).claims == [] and "★4" in str(offer_for(star4, TODAY).reason)
    with pytest.raises(RegistrationRefused, match="★4"):
        choose_registration(star4, claim.id, by=owner, today=TODAY)
    db.session.rollback()
    with pytest.raises(RegistrationRefused):
        choose_registration(plain, claim.id, by=owner, today=TODAY)
    db.session.rollback()
    responder = make_user(organization=supplier.organization, role=Role.SUPPLIER_RESPONDER)
    star3 = only_assessment(make_campaign(buyer, [supplier], by=admin, name="★3", accepts_registration_level=3))
    with pytest.raises(PermissionDenied):  # the owner submits, as with answers
        choose_registration(star3, claim.id, by=responder, today=TODAY)
    db.session.rollback()
    assert {a.state for a in (star4, plain, star3)} == {AssessmentState.INVITED}


def test_the_reviewer_returns_it_and_the_supplier_withdraws_and_answers(world):
    assessment, owner, admin = world
    claim = scs(assessment.supplier.organization_id)
    choose_registration(assessment, claim.id, by=owner, today=TODAY)
    db.session.commit()
    with pytest.raises(InvalidTransition):  # submitted: only the reviewer moves it now
        withdraw_registration(assessment, by=owner)
    db.session.rollback()
    with pytest.raises(UserInputError):
        return_registration(assessment, "  ", by=admin)
    db.session.rollback()
    return_registration(assessment, "登録番号が公開リストにありません。", by=admin)
    db.session.commit()
    assert assessment.state == AssessmentState.RETURNED
    assert return_comment(assessment) == "登録番号が公開リストにありません。"
    with pytest.raises(Conflict):  # the answers are submitted once the choice is withdrawn
        submit_assessment(assessment, by=owner)
    db.session.rollback()

    withdraw_registration(assessment, by=owner)
    db.session.commit()
    assert assessment.satisfied_by_claim_id is None and registration_of(assessment, TODAY) is None
    save_answer(assessment, AnswerInput("POL-01", "yes", None, None, 0), by=owner)  # every item is open again
    db.session.commit()
    assert actions_of(assessment) == ["registration.chosen", "registration.returned", "registration.withdrawn"]


def test_after_a_return_another_registration_may_be_chosen(world):
    assessment, owner, admin = world
    first = scs(assessment.supplier.organization_id)
    second = scs(assessment.supplier.organization_id, level=4, number="SCS4-0002")
    choose_registration(assessment, first.id, by=owner, today=TODAY)
    return_registration(assessment, "別の登録を", by=admin)
    choose_registration(assessment, second.id, by=owner, today=TODAY)
    db.session.commit()
    assert assessment.state == AssessmentState.SUBMITTED and registration_of(assessment, TODAY).level == 4


def test_accepting_an_assessment_not_answered_by_registration_is_refused(world):
    assessment, _, admin = world
    with pytest.raises(InvalidTransition):
        accept_registration(assessment, by=admin, today=TODAY)
    db.session.rollback()


def test_the_pages_show_it_and_the_reviewer_downloads_the_certificate(world, client, make_buyer):
    assessment, owner, admin = world
    _, other_admin = make_buyer()
    claim = scs(assessment.supplier.organization_id)
    claim.evidence = pdf_file(assessment.supplier.organization_id, "scs-certificate.pdf")
    db.session.commit()
    sign_in(client, owner.email)
    page = client.get(f"/assessments/{assessment.id}")
    assert "登録で回答する" in page.text and "SCS3-0001" in page.text
    response = client.post(f"/assessments/{assessment.id}/registration", data={"claim_id": claim.id})
    assert response.status_code == 302  # not confirmed: nothing changes
    db.session.expire_all()
    assert assessment.state == AssessmentState.INVITED
    response = client.post(f"/assessments/{assessment.id}/registration", data={"claim_id": claim.id, "confirm": "yes"})
    assert response.status_code == 302
    client.post("/sign-out")

    sign_in(client, admin.email)
    page = client.get(f"/review/{assessment.id}")
    assert "SCS評価制度 ★3 登録で回答" in page.text and "scs-certificate.pdf" in page.text
    # The certificate: the buyer may download it once answered by it (the test file has no bytes to send).
    assert may_download(admin.memberships[0], claim.evidence)
    assert not may_download(other_admin.memberships[0], claim.evidence)
    assert client.post(f"/review/{assessment.id}/registration/accept").status_code == 302
    satisfied = f"★3 登録により充足（有効期限 {NEXT_YEAR.isoformat()}）"
    assert satisfied in client.get(f"/campaigns/{assessment.campaign_id}").text
    assert satisfied in client.get(f"/suppliers/{assessment.supplier_id}").text  # instead of the scores
    home = client.get("/").text  # the portfolio lists it beside the scores
    assert "SCS評価制度の登録で承認" in home and satisfied in home
    client.post("/sign-out")
    sign_in(client, owner.email)
    assert satisfied in client.get("/assessments/").text


def test_the_excel_checksheet_says_satisfied_by_registration_and_no_score(world):
    assessment, owner, admin = world
    claim = scs(assessment.supplier.organization_id)
    choose_registration(assessment, claim.id, by=owner, today=TODAY)
    accept_registration(assessment, by=admin, today=TODAY)
    db.session.commit()
    data = checksheet_data(assessment, lang="ja", for_supplier=False)
    assert data.self_score is None and data.reviewed_score is None
    workbook = load_workbook(io.BytesIO(build_checksheet(data, "ja")))
    texts = [str(c.value) for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row if c.value]
    assert any(f"★3 登録により充足（有効期限 {NEXT_YEAR.isoformat()}）" in text for text in texts)
