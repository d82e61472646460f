"""Factories for the assessment workflow: a published questionnaire, suppliers with owners, campaigns."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from portal.accounts.models import User
from portal.accounts.operations import create_user
from portal.actions.models import CorrectiveAction
from portal.assessments.models import Assessment, Decision, ReviewDecision
from portal.assessments.operations import AnswerInput, attach_evidence, save_answer, submit_assessment
from portal.audits.models import Audit, AuditMode
from portal.campaigns.models import Campaign
from portal.campaigns.operations import CampaignInput, create_campaign, launch_campaign
from portal.catalog.models import QuestionnaireVersion
from portal.catalog.operations import publish
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.organizations.models import Organization, Role
from portal.organizations.operations import add_member, create_organization
from portal.suppliers.models import Supplier, Tier
from questionnaires import load_text
from tests.conftest import PASSWORD

_numbers = itertools.count(1)

WORKFLOW_DEFINITION = """\
format: 1
key: workflow-check
version: "1"
title: {ja: 取引先セキュリティ確認, en: Supplier security check}
source: "Written by the project for tests"
licence: "Apache-2.0"
scales:
  implementation:
    choices:
      - {code: "yes", label: {ja: 実施している, en: Implemented}, value: 1.0}
      - {code: partial, label: {ja: 一部実施している, en: Partially implemented}, value: 0.5}
      - {code: "no", label: {ja: 実施していない, en: Not implemented}, value: 0.0}
      - {code: unknown, label: {ja: わからない, en: "Don't know"}, value: 0.0}
      - {code: na, label: {ja: 該当しない, en: Not applicable}, value: null}
sections:
  - id: policy
    title: {ja: 方針, en: Policy}
    items:
      - id: POL-01
        tier: T1
        text: {ja: 情報セキュリティの基本方針を定めていますか。, en: "Do you have a security policy?"}
        guidance: {ja: 方針の文書を添付してください。, en: Attach the policy document.}
        scale: implementation
        critical: true
        evidence: {required: if_implemented, kinds: [policy]}
      - id: POL-02
        tier: T2
        text: {ja: 方針を年1回見直していますか。, en: "Do you review it yearly?"}
        scale: implementation
  - id: staff
    title: {ja: 従業員, en: Staff}
    items:
      - id: STF-01
        tier: T1
        text: {ja: 従業員に教育をしていますか。, en: "Do you train your staff?"}
        scale: implementation
      - id: STF-02
        tier: T1
        text: {ja: 退職時にアカウントを削除していますか。, en: "Do you remove leavers' accounts?"}
        scale: implementation
"""


def generated_definition(items: int) -> str:
    """A valid definition with ``items`` T1 items in sections of ten (for size tests)."""
    lines = [WORKFLOW_DEFINITION.split("sections:")[0].replace("workflow-check", f"big-{items}") + "sections:"]
    for section in range((items + 9) // 10):
        lines.append(f"  - id: S{section:02d}\n    title: {{ja: 分類{section}, en: Section {section}}}\n    items:")
        for n in range(section * 10, min(items, section * 10 + 10)):
            lines.append(
                f"      - id: Q{n:03d}\n        tier: T1\n        text: {{ja: 質問{n}, en: Question {n}}}\n"
                "        scale: implementation"
            )
    return "\n".join(lines) + "\n"


@pytest.fixture
def make_version(app: Any) -> Callable[..., QuestionnaireVersion]:
    def make(text: str = WORKFLOW_DEFINITION) -> QuestionnaireVersion:
        stored, _ = publish(load_text(text, "test.yaml"), origin="import")
        db.session.commit()
        return stored

    return make


@pytest.fixture
def make_buyer(app: Any) -> Callable[..., tuple[Organization, User]]:
    """A buyer organisation and its admin; extra roles via ``staff={"reviewer": email}``."""

    def make(name: str | None = None, admin_email: str | None = None) -> tuple[Organization, User]:
        n = next(_numbers)
        buyer = create_organization(name or f"Buyer {n}", by=None)
        admin = create_user(email=admin_email or f"buyer-admin{n}@example.com", name=f"Admin {n}", password=PASSWORD)
        add_member(buyer, admin, Role.BUYER_ADMIN, by=None)
        db.session.commit()
        return buyer, admin

    return make


@pytest.fixture
def make_supplier(app: Any) -> Callable[..., tuple[Supplier, User]]:
    """A supplier record of ``buyer`` whose owner has already joined."""

    def make(buyer: Organization, name: str | None = None, tier: Tier = Tier.T1) -> tuple[Supplier, User]:
        n = next(_numbers)
        organization = create_organization(name or f"Supplier {n}", by=None)
        owner = create_user(email=f"supplier-owner{n}@example.com", name=f"Owner {n}", password=PASSWORD)
        add_member(organization, owner, Role.SUPPLIER_OWNER, by=None)
        supplier = Supplier(
            buyer=buyer, organization=organization, name=organization.name, contact_email=owner.email, tier=tier
        )
        db.session.add(supplier)
        db.session.commit()
        return supplier, owner

    return make


@pytest.fixture
def make_campaign(app: Any, make_version: Any) -> Callable[..., Campaign]:
    def make(
        buyer: Organization,
        suppliers: list[Supplier],
        *,
        by: User,
        version: QuestionnaireVersion | None = None,
        tier: Tier | None = None,
        launch: bool = True,
        due_in_days: int = 30,
        **options: Any,
    ) -> Campaign:
        version = version or make_version()
        data = CampaignInput(
            name=options.pop("name", "2026年度 取引先確認"),
            questionnaire_version_id=version.id,
            due_date=date.today() + timedelta(days=due_in_days),
            supplier_ids=[s.id for s in suppliers],
            tier=tier,
            **options,
        )
        campaign = create_campaign(buyer, data, by=by, today=date.today())
        if launch:
            launch_campaign(campaign, by=by)
        db.session.commit()
        return campaign

    return make


def only_assessment(campaign: Campaign) -> Assessment:
    (assessment,) = campaign.assessments
    return assessment


def submit_answers(assessment: Assessment, owner: User, codes: dict[str, str], comment: str | None = None) -> None:
    """Answer as ``owner``, attach a policy document to POL-01 (its evidence rule), submit and commit."""
    for item_id, code in codes.items():
        save_answer(assessment, AnswerInput(item_id, code, comment, None, 0), by=owner)
    evidence = pdf_file(assessment.supplier.organization_id, "規程.pdf", fill="b")
    attach_evidence(assessment, "POL-01", evidence, by=owner)
    submit_assessment(assessment, by=owner)
    db.session.commit()


def submitted_assessment(
    make_buyer: Any, make_supplier: Any, make_campaign: Any, codes: dict[str, str]
) -> tuple[Assessment, User]:
    """A new buyer's campaign to one new supplier whose owner answered ``codes`` and submitted (as
    ``submit_answers``): the assessment and the buyer's admin."""
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    submit_answers(assessment, owner, codes)
    return assessment, admin


def pdf_file(organization_id: int, filename: str, *, fill: str = "c", size: int = 3) -> Evidence:
    """A stored PDF's row of the organisation (no test reads its bytes), added and flushed."""
    evidence = Evidence(
        organization_id=organization_id,
        sha256=fill * 64,
        size=size,
        filename=filename,
        content_type="application/pdf",
    )
    db.session.add(evidence)
    db.session.flush()
    return evidence


def corrective_action(
    assessment: Assessment, *, title: str = "t", owner: str = "o", due_date: date | None = None
) -> CorrectiveAction:
    """An open corrective action on the assessment's STF-01, due in five days unless said, added to the session."""
    action = CorrectiveAction(
        supplier_id=assessment.supplier_id,
        assessment_id=assessment.id,
        item_id="STF-01",
        title=title,
        owner=owner,
        due_date=due_date or date.today() + timedelta(days=5),
    )
    db.session.add(action)
    return action


def planned_audit(campaign: Campaign, supplier: Supplier, **fields: Any) -> Audit:
    """An on-site audit of ``supplier`` on the campaign's questionnaire in three days, added to the session."""
    audit = Audit(
        buyer_id=campaign.buyer_id,
        supplier=supplier,
        questionnaire_version_id=campaign.questionnaire_version_id,
        tier=supplier.tier,
        mode=AuditMode.ON_SITE,
        planned_date=date.today() + timedelta(days=3),
        **fields,
    )
    db.session.add(audit)
    return audit


def internal_note(assessment: Assessment, item_id: str, comment: str) -> ReviewDecision:
    """A reviewer's request for clarification that the supplier is not shown, added to the session."""
    note = ReviewDecision(
        assessment_id=assessment.id,
        item_id=item_id,
        decision=Decision.CLARIFICATION,
        comment=comment,
        visible_to_supplier=False,
    )
    db.session.add(note)
    return note
