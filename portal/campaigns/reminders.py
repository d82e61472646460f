"""Reminders by each campaign's plan (e.g. 7, 3 and 1 days before, then once when overdue) and for
corrective actions that fall due. Each step goes out at most once; a missed run catches up with the
latest step reached, never with a burst of old ones.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from portal.actions.models import ActionState, CorrectiveAction
from portal.assessments.models import OPEN_STATES, Assessment, ReminderSent
from portal.campaigns.models import Campaign, CampaignState
from portal.campaigns.operations import contact_invitation
from portal.db import utcnow
from portal.extensions import db
from portal.mail import recipients
from portal.mail.links import link_to
from portal.mail.operations import queue_email

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
    """Queue today's reminders for every unsubmitted assessment of a launched campaign.

    A contact who has not joined yet cannot open the assessment, so the reminder points to the
    invitation that still works, or carries a new one (``contact_invitation``).
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
        link = link_to("assessments.detail", assessment_id=assessment.id)
        owners = recipients.owner_addresses(assessment.supplier)
        way_in = None if owners else contact_invitation(assessment.supplier, by=None, now=now)
        mail = {"assessment": assessment, "overdue": step == "overdue", "days": days, "link": link}
        if way_in is not None:
            queue_email(
                way_in.email,
                "assessment_reminder",
                locale=way_in.locale,
                invitation=way_in.invitation,
                invitation_link=way_in.link,
                **mail,
            )
            reminded = {way_in.email.lower()}
        else:
            # The owners; with none, the contact has joined in another role and the usual link works.
            addresses = owners or [recipients.contact_address(assessment.supplier)]
            for email, locale in addresses:
                queue_email(email, "assessment_reminder", locale=locale, **mail)
            reminded = {email.lower() for email, _ in addresses}
        # And the colleagues answering its sections, each once, in their own language.
        for colleague in recipients.section_assignees(assessment):
            if colleague.email.lower() not in reminded:
                reminded.add(colleague.email.lower())
                queue_email(colleague.email, "assessment_reminder", locale=colleague.locale, **mail)
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
        link = link_to("actions.detail", action_id=action.id)
        for email, locale in recipients.owners_or_contact(action.supplier):
            queue_email(email, "action_due", locale=locale, action=action, link=link)
        queued += 1
    db.session.flush()
    return queued
