"""The demo of answering by a registration (issue 20): 株式会社つばさシステム has recorded its METI SCS ★3
registration with the certificate; the first buyer's campaign accepts ★3 instead of answers, つばさシステム answered
by its registration and the reviewer verified it: the campaign page reads "★3 登録により充足（有効期限 …）"."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import sqlalchemy as sa

from portal.accounts.models import User
from portal.assessments.models import Assessment
from portal.assessments.registration import accept_registration, choose_registration
from portal.campaigns.models import Campaign
from portal.campaigns.operations import CampaignInput, create_campaign, launch_campaign
from portal.catalog.models import QuestionnaireVersion
from portal.claims.models import ClaimKind
from portal.claims.operations import ClaimFields, record_claim
from portal.evidence.operations import store_evidence
from portal.extensions import db
from portal.organizations.models import Organization
from portal.suppliers.models import Supplier

METI_KEY = "meti-scs"
REGISTERED_SUPPLIER = "株式会社つばさシステム"
CAMPAIGN_NAME = "2026年度 SCS★3 登録確認"
REGISTRATION_NUMBER = "SCS3-2026-00815"
#: The registration is valid for this many days from the demo's day.
VALID_DAYS = 540
CERTIFICATE_NAME = "SCS評価制度★3登録証.pdf"
CERTIFICATE_PDF = b"%PDF-1.4\n% SCS registration certificate (demo)\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def seed_registration_answer(buyer: Organization, admin: User, reviewer: User) -> Assessment | None:
    """つばさシステム's ★3 registration, and the buyer's campaign accepting ★3 that it answered by it and the
    reviewer accepted; None when the supplier is not the buyer's, no questionnaire is loaded, or it is there."""
    supplier = db.session.scalars(
        sa.select(Supplier).where(Supplier.buyer_id == buyer.id, Supplier.name == REGISTERED_SUPPLIER)
    ).first()
    version = db.session.scalars(
        sa.select(QuestionnaireVersion)
        .where(QuestionnaireVersion.organization_id.is_(None))
        # METI's own criteria when loaded: the request a ★3 registration stands in for.
        .order_by((QuestionnaireVersion.key == METI_KEY).desc(), QuestionnaireVersion.id.desc())
    ).first()
    done = db.session.scalar(
        sa.select(Campaign.id).where(Campaign.buyer_id == buyer.id, Campaign.name == CAMPAIGN_NAME)
    )
    if supplier is None or version is None or done is not None:
        return None
    owner = db.session.scalars(sa.select(User).where(User.email == supplier.contact_email)).one()
    organization = db.session.get_one(Organization, supplier.organization_id)
    today = date.today()
    certificate = store_evidence(organization, BytesIO(CERTIFICATE_PDF), CERTIFICATE_NAME, by=owner)
    claim = record_claim(
        organization,
        ClaimKind.METI_SCS,
        ClaimFields(number=REGISTRATION_NUMBER, level=3, valid_until=today + timedelta(days=VALID_DAYS)),
        by=owner,
        today=today,
    )
    claim.evidence = certificate
    data = CampaignInput(
        name=CAMPAIGN_NAME,
        questionnaire_version_id=version.id,
        due_date=today + timedelta(days=30),
        supplier_ids=[supplier.id],
        accepts_registration_level=3,
    )
    (assessment,) = launch_campaign(create_campaign(buyer, data, by=admin, today=today), by=admin)
    choose_registration(assessment, claim.id, by=owner, today=today)
    accept_registration(assessment, by=reviewer, today=today)
    db.session.flush()
    return assessment
