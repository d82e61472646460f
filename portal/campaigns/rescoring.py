"""Changing a campaign's pass threshold rescores every submitted assessment in a background job."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.activity.operations import record
from portal.assessments.models import Assessment
from portal.background.models import BackgroundJob, JobState
from portal.campaigns.models import Campaign
from portal.db import utcnow
from portal.errors import UserInputError
from portal.extensions import db
from portal.jobs import runs_job
from portal.lookups import one_or_not_found
from portal.organizations.models import Organization
from portal.scoring.operations import SCORED_STATES, compute_scores
from portal.scoring.requests import request_scoring

logger = logging.getLogger(__name__)

KIND = "campaign.rescore"
#: Assessments scored per round trip set and progress commit: four statements serve the whole batch.
RESCORE_BATCH = 100
#: The submitted assessments scored from answers: not those answered by a registration.
_SCORED = (Assessment.state.in_(list(SCORED_STATES)), Assessment.satisfied_by_claim_id.is_(None))


def change_pass_threshold(campaign: Campaign, threshold: float, *, by: User) -> BackgroundJob:
    """Set the threshold and queue a rescore of the campaign's submitted assessments (caller commits, enqueues)."""
    if not 0 <= threshold <= 100:
        raise UserInputError(_l("The pass threshold must be between 0 and 100."))
    threshold = round(threshold, 1)
    before = campaign.pass_threshold
    campaign.pass_threshold = threshold
    assessments = db.session.scalars(sa.select(Assessment).where(Assessment.campaign_id == campaign.id, *_SCORED)).all()
    for assessment in assessments:
        request_scoring(assessment)
    job = BackgroundJob(
        kind=KIND,
        organization_id=campaign.buyer_id,
        requested_by_id=by.id,
        campaign_id=campaign.id,
        total=len(assessments),
    )
    db.session.add(job)
    db.session.flush()
    record(
        "campaign.threshold_changed",
        actor=by,
        subject_type="campaign",
        subject_id=campaign.id,
        organization_id=campaign.buyer_id,
        pass_threshold=[before, threshold],
        job=job.id,
    )
    return job


@runs_job(KIND, task="campaigns.rescore")
def run_rescore(job: BackgroundJob) -> None:
    """Score the campaign's submitted assessments a batch at a time, committing progress after each batch."""
    job.state, job.started_at, job.done = JobState.RUNNING, utcnow(), 0  # a rerun starts over
    db.session.commit()
    ids = db.session.scalars(
        sa.select(Assessment.id).where(Assessment.campaign_id == job.campaign_id, *_SCORED).order_by(Assessment.id)
    ).all()
    job.total = len(ids)
    for start in range(0, len(ids), RESCORE_BATCH):
        batch = ids[start : start + RESCORE_BATCH]
        compute_scores(db.session.connection(), batch)
        job.done += len(batch)
        db.session.commit()
    job.state, job.finished_at = JobState.DONE, utcnow()
    db.session.commit()
    logger.info("Campaign %s rescored: %s assessments", job.campaign_id, job.done)


def get_job(organization: Organization, job_id: int) -> BackgroundJob:
    return one_or_not_found(
        sa.select(BackgroundJob).where(BackgroundJob.id == job_id, BackgroundJob.organization_id == organization.id)
    )
