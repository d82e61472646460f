"""The demo of answering once (issue 20): さくら精機, shared by two buyers, answers the second buyer's different
questionnaire mostly by accepting suggestions from its answers to the first, and has an ISMS certificate that
expires in 20 days, of which the reminder job has told its owner (the mail is in the outbox)."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import sqlalchemy as sa

from portal.accounts.models import User
from portal.assessments.models import OPEN_STATES, Assessment
from portal.assessments.operations import (
    AnswerInput,
    attach_evidence,
    missing_items,
    questionnaire_for,
    save_answer,
    submit_assessment,
)
from portal.assessments.reuse import accept_suggestions, suggestions_for
from portal.assessments.rules import NA_CODE
from portal.campaigns.models import Campaign
from portal.campaigns.reminders import send_evidence_reminders
from portal.evidence.dates import FileFacts
from portal.evidence.models import Evidence
from portal.evidence.operations import describe_evidence, store_evidence
from portal.extensions import db
from portal.organizations.models import Organization
from portal.suppliers.models import Supplier

#: The certificate's valid-until date is this many days ahead: inside the 30-day reminder, before the 7-day one.
CERTIFICATE_DAYS_LEFT = 20
CERTIFICATE_NAME = "ISMS認証登録証.pdf"
CERTIFICATE_PDF = b"%PDF-1.4\n% ISMS certificate (demo)\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
#: How many of the items offered a suggestion the owner answers by hand instead.
HAND_ANSWERED = 3
#: The answers given by hand, in turn, to what neither a suggestion nor those answered.
BY_HAND = ("partial", "yes", "no")


def seed_answer_reuse(shared_supplier: str, owner_email: str, second_buyer: str) -> Assessment | None:
    """After the demo's seeding: ``shared_supplier`` accepts every suggestion in ``second_buyer``'s request, answers
    the rest by hand and submits; its certificate expiring soon is recorded and the reminder job run.

    Returns the second buyer's assessment (None when no questionnaire was loaded, so there is no request).
    """
    owner = db.session.scalars(sa.select(User).where(User.email == owner_email)).one()
    supplier_org = db.session.scalars(sa.select(Organization).where(Organization.name == shared_supplier)).one()
    certificate = _certificate(supplier_org, owner)
    assessment = db.session.scalars(
        sa.select(Assessment)
        .join(Supplier, Supplier.id == Assessment.supplier_id)
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .join(Organization, Organization.id == Campaign.buyer_id)
        .where(
            Supplier.organization_id == supplier_org.id,
            Organization.name == second_buyer,
            Assessment.state.in_(list(OPEN_STATES)),
        )
    ).first()
    if assessment is not None:
        _answer_by_hand(assessment, owner, certificate)
        # Then as the page's "accept all": every suggestion still offered, in one go.
        accept_suggestions(assessment, list(suggestions_for(assessment)), by=owner)
        _answer_the_rest(assessment, owner, certificate)
        submit_assessment(assessment, by=owner)
    send_evidence_reminders(date.today())
    return assessment


def _certificate(organization: Organization, owner: User) -> Evidence:
    """The supplier's ISMS certificate, issued almost three years ago and expiring in 20 days."""
    certificate = store_evidence(organization, BytesIO(CERTIFICATE_PDF), CERTIFICATE_NAME, by=owner)
    today = date.today()
    until = today + timedelta(days=CERTIFICATE_DAYS_LEFT)
    facts = FileFacts(document_date=until - timedelta(days=3 * 365), valid_until=until, kind="certificate")
    describe_evidence(certificate, facts, by=owner)
    return certificate


def _answer_by_hand(assessment: Assessment, owner: User, certificate: Evidence) -> None:
    """The last few items offered are answered by hand, otherwise than before (things changed since); the first
    of them with the certificate as its evidence (flagged there once it expires)."""
    questionnaire = questionnaire_for(assessment)
    offered = suggestions_for(assessment)
    for number, item_id in enumerate(list(offered)[-HAND_ANSWERED:]):
        codes = [choice.code for choice in questionnaire.scale_of(questionnaire.item(item_id)).choices]
        others = [code for code in codes if code not in (offered[item_id].entry.code, NA_CODE)]
        if others:
            answer = AnswerInput(item_id, others[0], "前回の回答から体制を見直しました。", None, 0)
            save_answer(assessment, answer, by=owner)
            if number == 0:
                attach_evidence(assessment, item_id, certificate, by=owner)


def _answer_the_rest(assessment: Assessment, owner: User, certificate: Evidence) -> None:
    """What no suggestion answered, answered by hand (a few answers in turn); evidence still missing is the
    certificate."""
    questionnaire = questionnaire_for(assessment)
    number = 0
    # An answer can show a follow-up item (a condition): look again until nothing is left unanswered.
    while unanswered := [m.item_id for m in missing_items(assessment) if m.reason == "unanswered"]:
        for item_id in unanswered:
            item = questionnaire.item(item_id)
            codes = [choice.code for choice in questionnaire.scale_of(item).choices]
            if not codes:  # a free-text item
                answer = AnswerInput(item_id, None, "全社の情報セキュリティ規程に従って運用しています。", None, 0)
            else:
                wanted = BY_HAND[number % len(BY_HAND)]
                answer = AnswerInput(item_id, wanted if wanted in codes else codes[0], None, None, 0)
            save_answer(assessment, answer, by=owner)
            number += 1
    for missing in missing_items(assessment):
        if missing.reason == "evidence":
            attach_evidence(assessment, missing.item_id, certificate, by=owner)
