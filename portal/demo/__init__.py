"""``flask portal seed-demo``: a buyer with staff and three suppliers, ready to sign in; a second buyer of one of
those suppliers, and a three-level chain (the buyer → a supplier that also buys → its subcontractor)."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from portal.accounts.models import Invitation, User
from portal.accounts.operations import accept_invitation, create_user
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
from portal.campaigns.flow_down import pass_down
from portal.campaigns.operations import CampaignInput, create_campaign, launch_campaign
from portal.catalog.models import QuestionnaireVersion
from portal.demo.checksheet import seed_buyer_checksheet
from portal.demo.meti import seed_meti_request
from portal.demo.questionnaire_versions import seed_second_version
from portal.demo.registration import seed_registration_answer
from portal.demo.reuse import seed_answer_reuse
from portal.evidence.operations import store_evidence
from portal.extensions import db
from portal.mail.links import link_to
from portal.organizations.models import Organization, Role, Side
from portal.organizations.operations import add_member, create_organization, enable_side
from portal.relationships.operations import accept
from portal.scoring.dispatch import enqueue_scoring
from portal.suppliers.models import Supplier, Tier
from portal.suppliers.operations import add_supplier

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
#: A second buyer of さくら精機 (the first supplier): one supplier organisation, one login, two buyers' requests.
SECOND_BUYER = ("デモ電機株式会社", "admin@denki.example.com", "電機 次郎")
#: The tier-1 supplier that also buys: its owner administers its buyer side too and passes the request down.
TIER1 = SUPPLIERS[2]
#: つばさシステム's own subcontractor, the chain's third level; it has answered and submitted.
TIER2 = ("株式会社ひかり電子", "owner@hikari.example.com", "光 明")


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
        versions = _demo_versions()
        received = _launch_demo_campaign(buyer, users[Role.BUYER_ADMIN], versions)
        _seed_second_buyer(versions)
        _seed_chain(received.get(TIER1[0]))
        seed_registration_answer(buyer, users[Role.BUYER_ADMIN], users[Role.REVIEWER])
        seed_answer_reuse(SUPPLIERS[0][0], SUPPLIERS[0][1], SECOND_BUYER[0])
        seed_buyer_checksheet(BUYER_NAME)
        seed_second_version(BUYER_NAME)
        seed_meti_request(buyer, users[Role.BUYER_ADMIN])
    rows.append((OPERATOR[0], "operator", "—"))
    for email, _, role in BUYER_STAFF:
        rows.append((email, str(role), BUYER_NAME))
    for org_name, email, _, _ in SUPPLIERS:
        roles = f"{Role.SUPPLIER_OWNER}+{Role.BUYER_ADMIN}" if org_name == TIER1[0] else str(Role.SUPPLIER_OWNER)
        rows.append((email, roles, org_name))
    rows.append((SECOND_BUYER[1], str(Role.BUYER_ADMIN), SECOND_BUYER[0]))
    rows.append((TIER2[1], str(Role.SUPPLIER_OWNER), f"{TIER2[0]} ({TIER1[0]}の再委託先)"))
    return rows


def _demo_versions() -> list[QuestionnaireVersion]:
    """The built-in questionnaires of DEMO_QUESTIONNAIRES that `flask portal init` has loaded, in that order."""
    loaded = db.session.scalars(
        sa.select(QuestionnaireVersion)
        .where(QuestionnaireVersion.key.in_(DEMO_QUESTIONNAIRES))
        .order_by(QuestionnaireVersion.id.desc())
    ).all()
    newest = {version.key: version for version in reversed(loaded)}
    return [newest[key] for key in DEMO_QUESTIONNAIRES if key in newest]


def _launch_demo_campaign(
    buyer: Organization, admin: User, versions: list[QuestionnaireVersion]
) -> dict[str, Assessment]:
    """A launched campaign of the main built-in questionnaire; its assessments by supplier name."""
    if not versions:
        return {}
    suppliers = db.session.scalars(sa.select(Supplier).where(Supplier.buyer_id == buyer.id)).all()
    data = CampaignInput(
        name="2026年度 取引先セキュリティ確認",
        questionnaire_version_id=versions[0].id,
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
                questionnaire_version_id=versions[0].id,
                planned_date=date.today() + timedelta(days=7),
                mode="on_site",
                participants="監査 一郎、桜井 健",
            ),
            by=auditor or admin,
            today=date.today(),
        )
    return {assessment.supplier.name: assessment for assessment in assessments}


def _seed_second_buyer(versions: list[QuestionnaireVersion]) -> None:
    """デモ電機 buys from さくら精機 too and sends its own request (the other built-in questionnaire when loaded):
    さくら精機's one login finds both buyers' requests in its inbox, each labelled with its buyer."""
    name, email, admin_name = SECOND_BUYER
    buyer = create_organization(name, by=None)
    admin = create_user(email=email, name=admin_name, password=DEMO_PASSWORD)
    add_member(buyer, admin, Role.BUYER_ADMIN, by=None)
    sakura_name, sakura_email, _, tier = SUPPLIERS[0]
    # The contact already runs さくら精機 on the portal: the buyer's record is a request its owner accepts.
    request = add_supplier(buyer, name=sakura_name, contact_email=sakura_email, tier=tier, by=admin)
    accept(request, by=_user(sakura_email))
    if versions:
        data = CampaignInput(
            name="委託先セキュリティ点検 2026",
            questionnaire_version_id=versions[-1].id,
            due_date=date.today() + timedelta(days=21),
            supplier_ids=[request.id],
        )
        launch_campaign(create_campaign(buyer, data, by=admin, today=date.today()), by=admin)


def _seed_chain(received: Assessment | None) -> None:
    """つばさシステム also buys: its owner starts its buyer side, adds ひかり電子 (whose owner joins through the
    invitation) and passes the prime's request down to it (same questionnaire, same tier); ひかり電子 has
    answered and submitted, so once scored its grade is the chain's weakest."""
    tier1 = db.session.scalars(sa.select(Organization).where(Organization.name == TIER1[0])).one()
    owner = _user(TIER1[1])
    enable_side(tier1, Side.BUYER, by=owner)
    name, email, owner_name = TIER2
    tier = received.tier if received is not None else TIER1[3]
    subcontractor = add_supplier(tier1, name=name, contact_email=email, tier=tier, by=owner)
    invitation = db.session.scalars(
        sa.select(Invitation).where(
            Invitation.organization_id == subcontractor.organization_id, Invitation.accepted_at.is_(None)
        )
    ).one()
    accept_invitation(invitation, create_user(email=email, name=owner_name, password=DEMO_PASSWORD))
    if received is None:
        return
    campaign = pass_down(
        received,
        by=owner,
        name=f"{received.campaign.name}（再委託先への展開）",
        due_date=date.today() + timedelta(days=14),
        supplier_ids=[subcontractor.id],
        today=date.today(),
    )
    (passed_down,) = launch_campaign(campaign, by=owner)
    _answer_and_submit(passed_down, _user(email), pattern=("yes", "partial", "yes", "no"))


def _user(email: str) -> User:
    return db.session.scalars(sa.select(User).where(User.email == email)).one()


def _answer_and_submit(
    assessment: Assessment, owner: User, pattern: tuple[str, ...] = ("yes", "yes", "yes", "partial")
) -> None:
    """Answer every item as a small supplier would (by default mostly done, some partly; ``pattern`` repeats
    over the items, where the scale has the answer), attach a policy file, submit."""
    questionnaire = questionnaire_for(assessment)
    for number, item in enumerate(questionnaire.items_for_tier(assessment.tier)):
        codes = [choice.code for choice in questionnaire.scale_of(item).choices]
        if not codes:  # a free-text item
            save_answer(assessment, AnswerInput(item.id, None, "デモ回答です。", None, 0), by=owner)
            continue
        wanted = pattern[number % len(pattern)]
        code = wanted if wanted in codes else ("yes" if "yes" in codes else codes[0])
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
        click.echo(f"  {email:<26} {role:<27} {organization}")
