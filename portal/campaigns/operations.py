"""Creating, previewing, launching and repeating campaigns."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.activity.operations import record
from portal.assessments import lifecycle
from portal.assessments.models import Answer, AnswerEvidence, Assessment, AssessmentState
from portal.assessments.rules import changed_item_ids
from portal.campaigns.models import DEFAULT_REMINDER_DAYS, MAX_COVER_LETTER, Campaign, CampaignState
from portal.catalog.levels import fit_tier
from portal.catalog.models import QuestionnaireVersion
from portal.catalog.operations import questionnaire_of
from portal.db import utcnow
from portal.errors import Conflict, NotFound, UserInputError
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.lookups import one_or_not_found
from portal.notifications import events, notify
from portal.organizations.models import Organization
from portal.policy.questionnaires import get_buyer_version, latest_buyer_version
from portal.suppliers.models import Supplier, Tier
from portal.suppliers.operations import require_active
from portal.text_input import clean_name, clean_text

logger = logging.getLogger(__name__)


@dataclass
class CampaignInput:
    name: str
    questionnaire_version_id: int
    due_date: date
    supplier_ids: list[int]
    #: None: each supplier is asked at the tier of its own record.
    tier: Tier | None = None
    pass_threshold: float = 80.0
    reminder_days: list[int] = field(default_factory=lambda: list(DEFAULT_REMINDER_DAYS))
    remind_when_overdue: bool = True
    show_score_to_supplier: bool = True
    cover_letter: str | None = None
    #: 3 or 4: a valid METI SCS registration of at least this level is accepted instead of answers.
    accepts_registration_level: int | None = None


def _check(data: CampaignInput, buyer: Organization, today: date) -> tuple[QuestionnaireVersion, list[Supplier]]:
    if not clean_name(data.name):
        raise UserInputError(_l("Please give the campaign a name."))
    if data.due_date <= today:
        raise UserInputError(_l("The due date must be in the future."))
    if not 0 <= data.pass_threshold <= 100:
        raise UserInputError(_l("The pass threshold must be between 0 and 100."))
    if any(day < 1 or day > 90 for day in data.reminder_days):
        raise UserInputError(_l("Reminder days must be between 1 and 90 days before the due date."))
    if data.accepts_registration_level not in (None, 3, 4):
        raise UserInputError(_l("Please choose ★3 or ★4 for the registration accepted instead of answers."))
    data.cover_letter = clean_text(data.cover_letter)
    if data.cover_letter is not None and len(data.cover_letter) > MAX_COVER_LETTER:
        raise UserInputError(_l("Please keep the cover letter under %(n)d characters.", n=MAX_COVER_LETTER))
    version = get_buyer_version(buyer, data.questionnaire_version_id)
    if version is None:
        raise UserInputError(_l("Please choose a questionnaire."))
    if data.tier is not None and data.tier not in questionnaire_of(version).level_tiers:
        raise UserInputError(_l("Please choose one of the questionnaire's levels."))
    ids = sorted(set(data.supplier_ids))
    if not ids:
        raise UserInputError(_l("Please choose at least one supplier."))
    suppliers = list(db.session.scalars(sa.select(Supplier).where(Supplier.buyer_id == buyer.id, Supplier.id.in_(ids))))
    if len(suppliers) != len(ids):
        raise NotFound(_l("One of the chosen suppliers was not found."))
    require_active(suppliers)
    return version, suppliers


def _settings(data: CampaignInput, version: QuestionnaireVersion) -> dict[str, Any]:
    """The campaign's columns as the (checked) input sets them, for a new draft or a changed one."""
    return {
        "name": data.name.strip(),
        "questionnaire_version": version,
        "tier": data.tier,
        "due_date": data.due_date,
        "pass_threshold": round(data.pass_threshold, 1),
        "reminder_days": sorted(set(data.reminder_days), reverse=True),
        "remind_when_overdue": data.remind_when_overdue,
        "show_score_to_supplier": data.show_score_to_supplier,
        "cover_letter": data.cover_letter,
        "accepts_registration_level": data.accepts_registration_level,
    }


def create_campaign(buyer: Organization, data: CampaignInput, *, by: User, today: date) -> Campaign:
    """A draft campaign with one assessment per supplier; nothing is sent until it is launched."""
    version, suppliers = _check(data, buyer, today)
    campaign = Campaign(buyer=buyer, created_by_id=by.id, **_settings(data, version))
    db.session.add(campaign)
    for supplier in suppliers:
        db.session.add(
            Assessment(campaign=campaign, supplier=supplier, tier=data.tier or fit_tier(version, supplier.tier))
        )
    db.session.flush()
    record(
        "campaign.created",
        actor=by,
        subject_type="campaign",
        subject_id=campaign.id,
        organization_id=buyer.id,
        name=campaign.name,
        suppliers=len(suppliers),
    )
    logger.info("Campaign %s created by %s for %s suppliers", campaign.id, by, len(suppliers))
    return campaign


def _draft(campaign: Campaign) -> None:
    if campaign.state != CampaignState.DRAFT:
        raise Conflict(_l("Only a draft can be changed or deleted; this campaign has been sent."))


def update_draft(campaign: Campaign, data: CampaignInput, *, by: User, today: date) -> Campaign:
    """Change a draft: its settings, cover letter and suppliers (an assessment per supplier added or removed)."""
    _draft(campaign)
    version, suppliers = _check(data, campaign.buyer, today)
    before = {"name": campaign.name, "suppliers": len(campaign.assessments)}
    for key, value in _settings(data, version).items():
        setattr(campaign, key, value)
    wanted = {supplier.id: supplier for supplier in suppliers}
    for assessment in list(campaign.assessments):
        if assessment.supplier_id in wanted:
            assessment.tier = data.tier or fit_tier(version, wanted.pop(assessment.supplier_id).tier)
        else:
            campaign.assessments.remove(assessment)
            db.session.delete(assessment)
    for supplier in wanted.values():
        db.session.add(
            Assessment(campaign=campaign, supplier=supplier, tier=data.tier or fit_tier(version, supplier.tier))
        )
    db.session.flush()
    record(
        "campaign.updated",
        actor=by,
        subject_type="campaign",
        subject_id=campaign.id,
        organization_id=campaign.buyer_id,
        name=[before["name"], campaign.name],
        suppliers=[before["suppliers"], len(suppliers)],
    )
    return campaign


def delete_draft(campaign: Campaign, *, by: User) -> None:
    """Delete a draft and its (never sent) assessments; a sent campaign stays for the record."""
    _draft(campaign)
    campaign_id, name, count = campaign.id, campaign.name, len(campaign.assessments)
    for assessment in list(campaign.assessments):
        db.session.delete(assessment)
    db.session.delete(campaign)
    db.session.flush()
    record(
        "campaign.deleted",
        actor=by,
        subject_type="campaign",
        subject_id=campaign_id,
        organization_id=campaign.buyer_id,
        name=name,
        suppliers=count,
    )
    logger.info("Draft campaign %s deleted by %s", campaign_id, by)


def list_campaigns(buyer: Organization) -> list[Campaign]:
    return list(
        db.session.scalars(
            sa.select(Campaign)
            .where(Campaign.buyer_id == buyer.id)
            .options(sa.orm.selectinload(Campaign.assessments))
            .order_by(Campaign.created_at.desc())
        )
    )


def get_campaign(buyer: Organization, campaign_id: int) -> Campaign:
    return one_or_not_found(sa.select(Campaign).where(Campaign.id == campaign_id, Campaign.buyer_id == buyer.id))


def progress(campaign: Campaign, today: date) -> Counter[str]:
    """Counts for the dashboard: each state, plus ``overdue`` (derived from the due date)."""
    counts: Counter[str] = Counter(str(a.state) for a in campaign.assessments)
    counts["overdue"] = sum(a.is_overdue(today) for a in campaign.assessments)
    counts["total"] = len(campaign.assessments)
    return counts


@dataclass(frozen=True)
class PreviewRow:
    supplier: Supplier
    tier: Tier
    item_count: int
    per_section: list[tuple[str, int]]


def preview(campaign: Campaign) -> list[PreviewRow]:
    """What each supplier will be asked: the number of items at its tier, per section."""
    questionnaire = questionnaire_of(campaign.questionnaire_version)
    rows = []
    for assessment in campaign.assessments:
        items = questionnaire.items_for_tier(assessment.tier)
        per_section = Counter(item.section_id for item in items)
        rows.append(
            PreviewRow(
                assessment.supplier,
                assessment.tier,
                len(items),
                [
                    (section.title.ja, per_section[section.id])
                    for section in questionnaire.sections
                    if per_section[section.id]
                ],
            )
        )
    return rows


def launch_campaign(campaign: Campaign, *, by: User) -> list[Assessment]:
    """Send the campaign: seed answers from the previous round and queue one e-mail per supplier."""
    if campaign.state != CampaignState.DRAFT:
        raise Conflict(_l("This campaign has already been launched."))
    require_active([assessment.supplier for assessment in campaign.assessments])
    campaign.state = CampaignState.LAUNCHED
    campaign.launched_at = utcnow()
    if campaign.previous_id is not None:
        _seed_from_previous_round(campaign)
    for assessment in campaign.assessments:
        notify(events.AssessmentRequested(assessment, by))
    db.session.flush()
    record(
        "campaign.launched",
        actor=by,
        subject_type="campaign",
        subject_id=campaign.id,
        organization_id=campaign.buyer_id,
        state=[str(CampaignState.DRAFT), str(CampaignState.LAUNCHED)],
    )
    logger.info("Campaign %s launched by %s", campaign.id, by)
    return list(campaign.assessments)


def _seed_from_previous_round(campaign: Campaign) -> None:
    previous = db.session.get(Campaign, campaign.previous_id)
    if previous is None:
        return
    old_questionnaire = questionnaire_of(previous.questionnaire_version)
    new_questionnaire = questionnaire_of(campaign.questionnaire_version)
    earlier = {a.supplier_id: a for a in previous.assessments}
    # One query for every earlier answer (not one per supplier).
    old_answers: dict[int, dict[str, Answer]] = {}
    for row in db.session.scalars(
        sa.select(Answer).where(Answer.assessment_id.in_([a.id for a in previous.assessments]))
    ):
        old_answers.setdefault(row.assessment_id, {})[row.item_id] = row
    # The evidence links too: the files stay in the supplier's library, so a link is all that is copied,
    # and items that require evidence do not block submission until every file is attached again.
    # Only files of the supplier organisation itself are linked (never another organisation's).
    # An item relying on a file whose valid-until date has passed is reopened instead: neither its answer
    # nor the expired file is carried forward (the supplier answers it again with a current file).
    old_links: dict[int, list[tuple[str, int, int | None]]] = {}
    expired: set[tuple[int, str]] = set()
    today = date.today()
    for assessment_id, item_id, evidence_id, attached_by_id, valid_until in db.session.execute(
        sa.select(
            AnswerEvidence.assessment_id,
            AnswerEvidence.item_id,
            AnswerEvidence.evidence_id,
            AnswerEvidence.attached_by_id,
            Evidence.valid_until,
        )
        .join(Evidence, Evidence.id == AnswerEvidence.evidence_id)
        .join(Assessment, Assessment.id == AnswerEvidence.assessment_id)
        .join(Supplier, Supplier.id == Assessment.supplier_id)
        .where(
            AnswerEvidence.assessment_id.in_([a.id for a in previous.assessments]),
            Evidence.organization_id == Supplier.organization_id,
        )
        .order_by(AnswerEvidence.id)
    ):
        if valid_until is not None and valid_until < today:
            expired.add((assessment_id, item_id))
        else:
            old_links.setdefault(assessment_id, []).append((item_id, evidence_id, attached_by_id))
    for assessment in campaign.assessments:
        before = earlier.get(assessment.supplier_id)
        if before is None:
            continue
        ids = [item.id for item in new_questionnaire.items_for_tier(assessment.tier)]
        answers = old_answers.get(before.id, {})
        for item_id in ids:
            old = answers.get(item_id)
            if old is not None and (old.code or old.comment) and (before.id, item_id) not in expired:
                db.session.add(
                    Answer(
                        # Answer has no ``assessment`` relationship: the id is set (the row is flushed).
                        assessment_id=assessment.id,
                        item_id=item_id,
                        code=old.code,
                        comment=old.comment,
                        na_reason=old.na_reason,
                    )
                )
        in_scope = set(ids)
        for item_id, evidence_id, attached_by_id in old_links.get(before.id, []):
            if item_id in in_scope and (before.id, item_id) not in expired:
                db.session.add(
                    AnswerEvidence(
                        assessment_id=assessment.id,
                        item_id=item_id,
                        evidence_id=evidence_id,
                        attached_by_id=attached_by_id,
                    )
                )
        assessment.changed_items = changed_item_ids(old_questionnaire, new_questionnaire, ids)


def start_next_round(previous: Campaign, *, name: str, due_date: date, by: User, today: date) -> Campaign:
    """A new draft campaign for the same suppliers; on launch it starts from their previous answers."""
    latest = latest_buyer_version(previous.buyer, previous.questionnaire_version.key)
    data = CampaignInput(
        name=name,
        questionnaire_version_id=(latest or previous.questionnaire_version).id,
        due_date=due_date,
        supplier_ids=[a.supplier_id for a in previous.assessments if a.state != AssessmentState.WITHDRAWN],
        tier=previous.tier,
        pass_threshold=previous.pass_threshold,
        reminder_days=list(previous.reminder_days),
        remind_when_overdue=previous.remind_when_overdue,
        show_score_to_supplier=previous.show_score_to_supplier,
        accepts_registration_level=previous.accepts_registration_level,
    )
    campaign = create_campaign(previous.buyer, data, by=by, today=today)
    campaign.previous_id = previous.id
    db.session.flush()
    return campaign


# Managing a running campaign ---------------------------------------------------------------------


def _running(campaign: Campaign) -> None:
    if campaign.state != CampaignState.LAUNCHED:
        raise Conflict(_l("Only a campaign that has been sent and is not closed can be changed."))


def withdraw_assessment(campaign: Campaign, assessment_id: int, reason: str | None, *, by: User) -> Assessment:
    """Stop asking one supplier: the assessment becomes read-only and leaves the reminders (see lifecycle)."""
    assessment = one_or_not_found(
        sa.select(Assessment).where(Assessment.id == assessment_id, Assessment.campaign_id == campaign.id)
    )
    _running(campaign)
    lifecycle.require_withdrawable(assessment)
    reason = clean_text(reason)
    if reason is None:
        raise UserInputError(_l("Please give a reason for withdrawing the assessment."))
    withdrawn = lifecycle.withdraw(assessment, reason, by=by)
    notify(withdrawn)
    db.session.flush()
    # The reason is kept in the activity log, the append-only record of every state change.
    lifecycle.record_transition(
        "assessment.withdrawn", withdrawn, by=by, organization_id=campaign.buyer_id, reason=reason
    )
    logger.info("Assessment %s withdrawn by %s", assessment.id, by)
    return assessment


def extend_due_date(campaign: Campaign, new_date: date, *, by: User, today: date) -> list[Assessment]:
    """Move the due date later and tell the suppliers who have not submitted; returns those assessments.

    Reminder steps already sent stay recorded (ReminderSent), so a step is never sent a second time
    for the new date; only the steps not yet reached follow the new date.
    """
    _running(campaign)
    if new_date <= campaign.due_date:
        raise UserInputError(_l("The new due date must be later than the current one."))
    if new_date <= today:
        raise UserInputError(_l("The due date must be in the future."))
    old_date = campaign.due_date
    campaign.due_date = new_date
    waiting = [a for a in campaign.assessments if lifecycle.is_open(a)]
    notify(events.DueDateExtended(campaign, old_date, tuple(waiting)))
    db.session.flush()
    record(
        "campaign.due_date_extended",
        actor=by,
        subject_type="campaign",
        subject_id=campaign.id,
        organization_id=campaign.buyer_id,
        due_date=[old_date.isoformat(), new_date.isoformat()],
        notified=len(waiting),
    )
    logger.info("Campaign %s due date moved from %s to %s by %s", campaign.id, old_date, new_date, by)
    return waiting
