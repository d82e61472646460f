"""Reminders by each campaign's plan (e.g. 7, 3 and 1 days before, then once when overdue), for
corrective actions that fall due, and for evidence files whose valid-until date comes near (30 and 7 days
before). Each step goes out at most once; a missed run catches up with the
latest step reached, never with a burst of old ones.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from portal.actions.models import ActionState, CorrectiveAction
from portal.assessments.models import OPEN_STATES, Assessment, ReminderSent
from portal.campaigns.models import Campaign, CampaignState
from portal.db import utcnow
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.notifications import events, notify

logger = logging.getLogger(__name__)

ACTION_REMINDER_DAYS = 3


def reminder_step(campaign: Campaign, today: date) -> str | None:
    """The step reached today: ``before-N`` for the nearest planned N ≥ days left, ``overdue`` after."""
    days_left = (campaign.due_date - today).days
    if days_left < 0:
        return "overdue" if campaign.remind_when_overdue else None
    reached = [days for days in campaign.reminder_days if days >= days_left]
    return f"before-{min(reached)}" if reached and days_left > 0 else None


def _steps_sent(subject: InstrumentedAttribute[int | None], ids: list[int]) -> set[tuple[int | None, str]]:
    """(subject id, step) of the reminders already sent for these assessments or corrective actions."""
    rows = db.session.execute(sa.select(subject, ReminderSent.step).where(subject.in_(ids)))
    return {(subject_id, step) for subject_id, step in rows}


def send_assessment_reminders(today: date, *, now: datetime | None = None) -> int:
    """Queue today's reminders for every unsubmitted assessment of a launched campaign; returns how many.

    Who is told, and how a contact who has not joined yet gets in: ``portal.notifications.handlers``.
    """
    now = now or utcnow()
    assessments = db.session.scalars(
        sa.select(Assessment)
        .join(Assessment.campaign)
        .where(Campaign.state == CampaignState.LAUNCHED, Assessment.state.in_(list(OPEN_STATES)))
        .options(sa.orm.contains_eager(Assessment.campaign), sa.orm.joinedload(Assessment.supplier))
    ).all()
    already = _steps_sent(ReminderSent.assessment_id, [a.id for a in assessments])
    queued = 0
    for assessment in assessments:
        step = reminder_step(assessment.campaign, today)
        if step is None or (assessment.id, step) in already:
            continue
        db.session.add(ReminderSent(assessment_id=assessment.id, step=step))
        days = (assessment.campaign.due_date - today).days
        notify(events.ReminderDue(assessment, overdue=step == "overdue", days_left=days, now=now))
        queued += 1
    db.session.flush()
    if queued:
        logger.info("Queued %s assessment reminders", queued)
    return queued


def send_action_reminders(today: date) -> int:
    """Remind suppliers of corrective actions due within a few days, and once more when overdue."""
    actions = db.session.scalars(
        sa.select(CorrectiveAction)
        .where(CorrectiveAction.state != ActionState.CLOSED)
        .options(sa.orm.joinedload(CorrectiveAction.supplier))
    ).all()
    already = _steps_sent(ReminderSent.action_id, [a.id for a in actions])
    queued = 0
    for action in actions:
        days_left = (action.due_date - today).days
        step = (
            "overdue"
            if days_left < 0
            else (f"before-{ACTION_REMINDER_DAYS}" if days_left <= ACTION_REMINDER_DAYS else None)
        )
        if step is None or (action.id, step) in already:
            continue
        db.session.add(ReminderSent(action_id=action.id, step=step))
        notify(events.ActionDue(action))
        queued += 1
    db.session.flush()
    return queued


#: Days before a file's valid-until date at which its organisation is reminded.
EVIDENCE_REMINDER_DAYS = (30, 7)


def evidence_step(valid_until: date, today: date) -> str | None:
    """The step reached today: ``expires-N`` for the nearest N ≥ days left; none once expired."""
    days_left = (valid_until - today).days
    reached = [days for days in EVIDENCE_REMINDER_DAYS if days >= days_left]
    return f"expires-{min(reached)}" if reached and days_left >= 0 else None


def send_evidence_reminders(today: date) -> int:
    """Remind each organisation of its files expiring within 30, then 7 days; returns how many."""
    files = db.session.scalars(
        sa.select(Evidence).where(
            Evidence.valid_until.between(today, today + timedelta(days=max(EVIDENCE_REMINDER_DAYS)))
        )
    ).all()
    already = _steps_sent(ReminderSent.evidence_id, [e.id for e in files])
    queued = 0
    for evidence in files:
        assert evidence.valid_until is not None
        step = evidence_step(evidence.valid_until, today)
        if step is None or (evidence.id, step) in already:
            continue
        db.session.add(ReminderSent(evidence_id=evidence.id, step=step))
        notify(events.EvidenceExpiring(evidence, days_left=(evidence.valid_until - today).days))
        queued += 1
    db.session.flush()
    return queued
