"""``flask portal seed-demo``: a buyer with staff and three suppliers, ready to sign in."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from portal.accounts.models import User
from portal.accounts.operations import create_user
from portal.assessments.models import Assessment, AssessmentState
from portal.assessments.operations import (
    AnswerInput,
    attach_evidence,
    missing_items,
    questionnaire_for,
    save_answer,
    submit_assessment,
)
from portal.audits.operations import AuditPlan, plan_audit
from portal.campaigns.operations import CampaignInput, create_campaign, launch_campaign
from portal.catalog.models import QuestionnaireVersion
from portal.evidence.operations import store_evidence
from portal.extensions import db
from portal.mail.links import link_to
from portal.organizations.models import Organization, Role
from portal.organizations.operations import add_member, create_organization
from portal.scoring.dispatch import enqueue_scoring
from portal.suppliers.models import Supplier, Tier

DEMO_PASSWORD = "demo-pass-2026"
DEMO_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
#: The demo campaign uses the first of these that `flask portal init` has loaded.
DEMO_QUESTIONNAIRES = ("supply-chain", "ipa-self-check")
BUYER_NAME = "デモ自動車部品株式会社"
OPERATOR = ("operator@demo.example.com", "運用 担当")
BUYER_STAFF = [
    ("admin@demo.example.com", "発注 太郎", Role.BUYER_ADMIN),
    ("reviewer@demo.example.com", "審査 花子", Role.REVIEWER),
    ("auditor@demo.example.com", "監査 一郎", Role.AUDITOR),
]
SUPPLIERS = [
    ("有限会社さくら精機", "owner@sakura.example.com", "桜井 健", Tier.T1),
    ("株式会社みなと製作所", "owner@minato.example.com", "港 由美", Tier.T2),
    ("株式会社つばさシステム", "owner@tsubasa.example.com", "翼 大輔", Tier.T3),
]


def seed_demo() -> list[tuple[str, str, str]]:
    """Create the demo data unless it exists; return (e-mail, role, organisation) rows to print."""
    rows: list[tuple[str, str, str]] = []
    buyer = db.session.scalar(sa.select(Organization).where(Organization.name == BUYER_NAME))
    if buyer is None:
        buyer = create_organization(BUYER_NAME, by=None)
        # An operator too, so the outbox (and the links in it) can be read without the command line.
        create_user(email=OPERATOR[0], name=OPERATOR[1], password=DEMO_PASSWORD, is_operator=True)
        users = {}
        for email, name, role in BUYER_STAFF:
            users[role] = create_user(email=email, name=name, password=DEMO_PASSWORD)
            add_member(buyer, users[role], role, by=None)
        for org_name, email, owner_name, tier in SUPPLIERS:
            organization = create_organization(org_name, by=users[Role.BUYER_ADMIN])
            owner = create_user(email=email, name=owner_name, password=DEMO_PASSWORD)
            add_member(organization, owner, Role.SUPPLIER_OWNER, by=None)
            db.session.add(
                Supplier(
                    buyer=buyer,
                    organization=organization,
                    name=org_name,
                    contact_email=email,
                    tier=tier,
                    created_by_id=users[Role.BUYER_ADMIN].id,
                )
            )
        db.session.flush()
        _launch_demo_campaign(buyer, users[Role.BUYER_ADMIN])
    rows.append((OPERATOR[0], "operator", "—"))
    for email, _, role in BUYER_STAFF:
        rows.append((email, str(role), BUYER_NAME))
    for org_name, email, _, _ in SUPPLIERS:
        rows.append((email, str(Role.SUPPLIER_OWNER), org_name))
    return rows


def _launch_demo_campaign(buyer: Organization, admin: User) -> None:
    """A launched campaign of the main built-in questionnaire, when `flask portal init` has loaded it."""
    loaded = db.session.scalars(
        sa.select(QuestionnaireVersion)
        .where(QuestionnaireVersion.key.in_(DEMO_QUESTIONNAIRES))
        .order_by(QuestionnaireVersion.id.desc())
    ).all()
    version = min(loaded, key=lambda v: DEMO_QUESTIONNAIRES.index(v.key), default=None)
    if version is None:
        return
    suppliers = db.session.scalars(sa.select(Supplier).where(Supplier.buyer_id == buyer.id)).all()
    data = CampaignInput(
        name="2026年度 取引先セキュリティ確認",
        questionnaire_version_id=version.id,
        due_date=date.today() + timedelta(days=30),
        supplier_ids=[s.id for s in suppliers],
    )
    assessments = launch_campaign(create_campaign(buyer, data, by=admin, today=date.today()), by=admin)
    # The first supplier has already answered, so there is something to review and to audit.
    first = assessments[0]
    owner = db.session.scalar(sa.select(User).where(User.email == first.supplier.contact_email))
    if owner is not None:
        _answer_and_submit(first, owner)
        auditor = db.session.scalar(sa.select(User).where(User.email == BUYER_STAFF[2][0]))
        plan_audit(
            buyer,
            AuditPlan(
                supplier_id=first.supplier_id,
                questionnaire_version_id=version.id,
                planned_date=date.today() + timedelta(days=7),
                mode="on_site",
                participants="監査 一郎、桜井 健",
            ),
            by=auditor or admin,
            today=date.today(),
        )


def _answer_and_submit(assessment: Assessment, owner: User) -> None:
    """Answer every item as a small supplier would (mostly done, some partly), attach a policy file, submit."""
    questionnaire = questionnaire_for(assessment)
    for number, item in enumerate(questionnaire.items_for_tier(assessment.tier)):
        codes = [choice.code for choice in questionnaire.scale_of(item).choices]
        if not codes:  # a free-text item
            save_answer(assessment, AnswerInput(item.id, None, "デモ回答です。", None, 0), by=owner)
            continue
        code = "partial" if number % 4 == 3 and "partial" in codes else ("yes" if "yes" in codes else codes[0])
        save_answer(assessment, AnswerInput(item.id, code, None, None, 0), by=owner)
    policy = store_evidence(
        assessment.supplier.organization, BytesIO(DEMO_PDF), "情報セキュリティ基本方針.pdf", by=owner
    )
    for missing in missing_items(assessment):
        if missing.reason == "evidence":
            attach_evidence(assessment, missing.item_id, policy, by=owner)
    submit_assessment(assessment, by=owner)


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load demo organisations and users (development only) and print how to sign in."""
    if current_app.config["PORTAL_ENV"] != "development":
        raise click.ClickException("Demo data is only for development installs (PORTAL_ENV=development).")
    existed = db.session.scalar(sa.select(User).where(User.email == BUYER_STAFF[0][0])) is not None
    rows = seed_demo()
    db.session.commit()
    # Commit, then queue: the demo's submitted answers are scored like any other submission.
    submitted = sa.select(Assessment.id).where(Assessment.state == AssessmentState.SUBMITTED)
    for assessment_id in db.session.scalars(submitted).all():
        enqueue_scoring(assessment_id)
    click.echo("Demo data " + ("was already loaded." if existed else "loaded."))
    click.echo(f"Sign in at {link_to('accounts.sign_in')} with password {DEMO_PASSWORD!r} as:")
    for email, role, organization in rows:
        click.echo(f"  {email:<26} {role:<20} {organization}")
